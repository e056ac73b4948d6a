"""benchmarks/bench_asss_speed.py on shuttle, its smallest table."""

import re

from _scripts import run_script, script_process


def test_repeated_fits_and_rounds_report_their_medians_against_the_mlp(data_dir):
    out = run_script(
        "bench_asss_speed", "--dataset", "shuttle", "--verbose", "0", "--repeats", "3",
        "--rounds", "2",
        "--set", '{"max_epochs": 1, "warmup_epochs": 1}',
        data_home=data_dir("shuttle.csv.gz"), OMP_NUM_THREADS="1",
    )  # fmt: skip
    assert "rows=58000" in out and "torch threads=1" in out
    # on one thread the MLP is timed once (on more, again on one: the ratio is to the faster)
    (mlp,) = re.findall(r"MLP 20 epochs, \d+ torch thread\(s\): ([\d.]+)s wall", out)
    mlp = float(mlp)
    fit = re.search(r"fit_resample: ([\d.]+)s wall, [\d.]+s CPU \(median of (.*)\)", out)
    each = [float(wall) for wall in fit.group(2).split(", ")]
    # the median of three fits is the middle one, printed to two decimals as each is
    assert len(each) == 3 and sorted(each)[1] == float(fit.group(1))
    ratio = re.search(r"ratio to the faster MLP \(1 thread\(s\)\): ([\d.]+) wall", out)
    assert abs(float(ratio.group(1)) - float(fit.group(1)) / mlp) < 0.05
    # the second round times the MLP again, then its own fits; the summary is of both rounds
    second = re.search(
        r"round 2: MLP ([\d.]+)s wall, fit_resample ([\d.]+)s wall, ratio ([\d.]+)", out
    )
    assert abs(float(second.group(3)) - float(second.group(2)) / float(second.group(1))) < 0.05
    ratios = sorted([float(ratio.group(1)), float(second.group(3))])
    summary = re.search(r"ratio over 2 rounds: median ([\d.]+), range ([\d.]+)-([\d.]+)", out)
    low, high = float(summary.group(2)), float(summary.group(3))
    assert abs(low - ratios[0]) < 0.011 and abs(high - ratios[1]) < 0.011
    assert abs(float(summary.group(1)) - sum(ratios) / 2) < 0.011


def test_no_round_is_refused_by_name():
    done = script_process("bench_asss_speed", "--rounds", "0")
    assert done.returncode == 2
    assert "--repeats and --rounds must be at least 1" in done.stderr
