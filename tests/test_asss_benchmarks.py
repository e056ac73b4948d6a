"""The ASSS retention scripts (benchmarks/bench_asss_*.py), at a tiny scale on real shuttle."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
TINY = ["--dataset", "shuttle", "--cv", "2", "--epochs", "1", "--seeds", "0"]


def _run(script, data_dir, *args):
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *TINY, *args],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "SKLEARN_ASSS_DATA": str(data_dir("shuttle.csv.gz"))},
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")][1:]
    return {row.split("|")[1].strip(): [c.strip() for c in row.split("|")[2:-1]] for row in rows}


@pytest.mark.slow  # a child process fits ASSSSampler on two folds of shuttle: ~20-40 s
def test_retention_script_pairs_each_subset_with_both_random_draws(data_dir):
    table = _run("bench_asss_retention.py", data_dir, "--min-samples-per-class", "20")
    subsets = ["random", "random, same floor"] + [
        f"asss bilevel {rule}" for rule in ("clustered", "top", "sample", "stratified")
    ]
    assert list(table) == subsets
    # a subset's paired difference to itself is exactly zero
    assert table["random"][2:4] == ["+0.000 (0.000)", "+0.00 (0.00)"]
    assert table["random, same floor"][4:6] == ["+0.000 (0.000)", "+0.00 (0.00)"]
    for cells in table.values():
        assert 0 < float(cells[0].split()[0]) <= 1.01  # accuracy PRR


@pytest.mark.slow
def test_per_class_script_reports_every_class_of_each_subset(data_dir):
    table = _run("bench_asss_per_class.py", data_dir)
    assert list(table) == [
        "asss", "clusters only", "asss in large classes", "asss in floored classes"
    ]  # fmt: skip
    for cells in table.values():
        assert len(cells) == 2 + 7  # accuracy, macro F1, and shuttle's 7 classes
        means = [float(cell.split()[0]) for cell in cells[2:]]
        assert float(cells[1].split()[0]) == pytest.approx(sum(means) / 7, abs=0.011)
