"""benchmarks/bench_beside_game.py on a panel table, two fits each way."""

import re

from _scripts import run_script


def test_each_way_is_timed_and_keeps_the_subset_of_one_thread(data_dir):
    out = run_script(
        "bench_beside_game", "--dataset", "phoneme", "--keep-ratio", "0.1",
        "--label-noise", "0.2", "--fits", "2", data_home=data_dir("panel/phoneme.csv.gz"),
    )  # fmt: skip
    ways = re.findall(
        r"^  (one thread|two, no worker|two, worker) +median ([\d.]+)s \(ratio to the "
        r"worker's ([\d.]+); ([\d.]+), ([\d.]+)\) same subset as one thread: (\w+)$",
        out, flags=re.MULTILINE,
    )  # fmt: skip
    assert [way[0] for way in ways] == ["one thread", "two, no worker", "two, worker"]
    for _, median, ratio, first, second, same in ways:
        assert abs(float(median) - (float(first) + float(second)) / 2) <= 0.01
        assert same == "True"
    worker_median = float(ways[2][1])
    assert abs(float(ways[0][2]) - float(ways[0][1]) / worker_median) <= 0.02
