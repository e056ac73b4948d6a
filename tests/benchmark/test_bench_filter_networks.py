"""benchmarks/bench_filter_networks.py on a panel table, one flip."""

import re

from _scripts import run_script

from sklearn_asss._asss import _FILTER_MAX_EPOCHS_FACTOR


def test_every_way_trains_a_filter_that_ranks_the_flipped_rows(data_dir):
    out = run_script(
        "bench_filter_networks", "--dataset", "phoneme", "--flips", "1",
        "--game-batch-sizes", "256", data_home=data_dir("panel/phoneme.csv.gz"),
    )  # fmt: skip
    ways = re.findall(
        r"^ +(stacked|one after the other|stacked, stopped): oof accuracy ([\d.]+), flipped ROC "
        r"AUC ([\d.]+), genuine flagged in rare classes (.+), flipped unflagged (\d+), "
        r"(\d+) epochs, ([\d.]+)s$",
        out, flags=re.MULTILINE,
    )  # fmt: skip
    assert [way[0] for way in ways] == ["stacked", "one after the other", "stacked, stopped"]
    accuracies = [float(way[1]) for way in ways]
    aucs = [float(way[2]) for way in ways]
    epochs = [int(way[5]) for way in ways]
    assert min(aucs) > 0.7  # 20% flips that a filter of every way ranks
    assert abs(accuracies[0] - accuracies[1]) < 0.05 and abs(aucs[0] - aucs[1]) < 0.05
    assert epochs[0] == epochs[1] and epochs[2] <= _FILTER_MAX_EPOCHS_FACTOR * epochs[0]
