"""Selection time of ASSSSampler settings against cleanlab + random, taking turns in one run.

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_selection_time.py \
        [--datasets phoneme texture ...] [--keep-ratios 0.1 0.3] [--noise-rate 0.2] \
        [--noise-kinds symmetric pair] [--fits 3] [--out times.csv] \
        [--set '{"output_layer": {"lookahead": "output_layer"}}']
        [--set '{"asss_judged": {"validation_estimator": "downstream"}}']

Issue 14's time bar: in every noisy cell of the quality grid, ASSS's selection
takes no longer than cleanlab + random's. Each data set of the benchmark's
registry is split as a grid fold is (the first of 5 stratified folds), a share
``--noise-rate`` of its training labels is flipped (each of ``--noise-kinds``),
and at each of ``--keep-ratios`` every sampler (the default ``ASSSSampler``,
every ``--set`` setting, and ``CleanlabSampler``) fits ``--fits`` times,
taking turns, so that whatever else the machine runs weighs on all alike
(after one untimed round, torch's start-up). Prints each sampler's median
wall time and its ratio to cleanlab's; the ratio within one run is what to
compare across machines. ``--out`` also writes the medians as a CSV file, one
row per grid cell and sampler, which ``grid_verdict.py --times`` reads for the
time bar in place of the grid rows' times (those of studies that shared the
machine with others).
"""

import argparse
import functools
import itertools
import json
import time

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from sklearn_asss import CleanlabSampler
from sklearn_asss.benchmark import METHODS, Study
from sklearn_asss.benchmark._datasets import NOISE_KINDS, flip_labels, load_dataset

# the forest parts of the grid, whose downstream forest judges "downstream" settings
FOREST_PART = Study(downstream="forest")
PANEL = ["optdigits", "ring", "texture", "phoneme", "marketing", "spambase"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=PANEL)
    parser.add_argument("--keep-ratios", type=float, nargs="+", default=[0.1])
    parser.add_argument("--noise-rate", type=float, default=0.2)
    parser.add_argument("--noise-kinds", nargs="+", default=["symmetric"], choices=NOISE_KINDS)
    parser.add_argument("--out", help="CSV file of the median times, one row per cell and sampler")
    parser.add_argument("--fits", type=int, default=3)
    parser.add_argument(
        "--set", type=json.loads, default={},
        help='named ASSSSampler settings, as JSON: {"name": {parameter: value}}',
    )  # fmt: skip
    args = parser.parse_args(argv)
    rows = []
    for name, kind, keep_ratio in itertools.product(
        args.datasets, args.noise_kinds, args.keep_ratios
    ):
        X, y = noisy_training_fold(name, args.noise_rate, kind)
        samplers = timed_samplers(keep_ratio, args.set)
        if not rows:
            median_times(samplers, X, y, 1)  # untimed: torch's and the imports' start-up
        medians = median_times(samplers, X, y, args.fits)
        cleanlab = medians["cleanlab"]
        print(
            f"{name} ({len(y):,} rows, {kind} flips, {keep_ratio:g} kept): "
            + ", ".join(f"{key} {s:.2f}s ({s / cleanlab:.2f})" for key, s in medians.items()),
            flush=True,
        )
        cell = dict(dataset=name, noise_kind=kind, noise_rate=args.noise_rate,
                    keep_ratio=keep_ratio)  # fmt: skip
        rows += [dict(cell, method=key, selection_s=s) for key, s in medians.items()]
    if args.out:
        pd.DataFrame(rows).to_csv(args.out, index=False)


def noisy_training_fold(name, noise_rate, kind="symmetric"):
    """The first grid fold's training rows of `name`, a share `noise_rate` of labels flipped."""
    X, y, train, _ = first_grid_fold(name)
    return X[train], flipped_training_labels(y, train, noise_rate, kind)[0]


@functools.lru_cache(maxsize=1)  # main times every cell of one data set in a row
def first_grid_fold(name):
    """`name`'s rows, its labels encoded 0..k-1, the first grid fold's training and test rows."""
    X, y = load_dataset(name)
    _, y = np.unique(y, return_inverse=True)
    train, test = next(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    return X, y, train, test


def flipped_training_labels(y, train, noise_rate, kind="symmetric"):
    """The labels of rows `train` with a share `noise_rate` flipped (`kind`), and the mask."""
    return flip_labels(y[train], y.max() + 1, noise_rate, kind, np.random.RandomState(0))


def timed_samplers(keep_ratio, settings):
    """The default ASSSSampler, one per named setting, and cleanlab + random (last).

    A setting is built as the grid builds an ``asss`` variant of the forest parts
    (``METHODS["asss"]``): its parameters are those of a ``[variants]`` entry of
    ``quality_grid.toml``, ``"validation_estimator": "downstream"`` the grid's forest."""
    samplers = {
        key: METHODS["asss"].make(keep_ratio, None, FOREST_PART, params)
        for key, params in {"asss": {}, **settings}.items()
    }
    samplers["cleanlab"] = CleanlabSampler(keep_ratio=keep_ratio)
    return samplers


def median_times(samplers, X, y, n_fits):
    """Each sampler's median ``fit_resample`` wall time over `n_fits` fits, taking turns."""
    times = {key: [] for key in samplers}
    for fit in range(n_fits):
        for key, sampler in samplers.items():
            start = time.perf_counter()
            sampler.set_params(random_state=fit).fit_resample(X, y)
            times[key].append(time.perf_counter() - start)
    return {key: float(np.median(seconds)) for key, seconds in times.items()}


if __name__ == "__main__":
    main()
