"""benchmarks/bench_filter_networks.py on a panel table, one flip."""

import re

from _scripts import run_script


def test_both_ways_train_a_filter_that_ranks_the_flipped_rows(data_dir):
    out = run_script(
        "bench_filter_networks", "--dataset", "phoneme", "--flips", "1",
        "--game-batch-sizes", "256", data_home=data_dir("panel/phoneme.csv.gz"),
    )  # fmt: skip
    ways = re.findall(
        r"^ +(stacked|one after the other): oof accuracy ([\d.]+), flipped ROC AUC ([\d.]+), "
        r"genuine flagged in rare classes (.+), flipped unflagged (\d+), ([\d.]+)s$",
        out, flags=re.MULTILINE,
    )  # fmt: skip
    assert [way[0] for way in ways] == ["stacked", "one after the other"]
    accuracies = [float(way[1]) for way in ways]
    aucs = [float(way[2]) for way in ways]
    assert min(aucs) > 0.7  # 20% flips that a filter of either way ranks
    assert abs(accuracies[0] - accuracies[1]) < 0.05 and abs(aucs[0] - aucs[1]) < 0.05
