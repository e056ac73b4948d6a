"""ASSSSampler on an accelerator against the CPU: the same kind of subset, and the time.

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_device.py --device cuda \
        [--datasets shuttle connect-4] [--keep-ratios 0.03 0.3] [--noise-rates 0 0.2]

For each data set, on the first of 5 stratified folds (standardised as the
benchmark's studies do), with each share of symmetric label flips and each
keep ratio, fits the default ``ASSSSampler`` three times: on the CPU from
``random_state=0`` and ``1`` (how much two CPU fits differ is the yardstick),
and on ``--device`` from ``random_state=0``. Prints for each fit its wall time,
whether its per-class counts equal the first CPU fit's, the share of its kept
rows that the first CPU fit kept too (a uniform draw shares about the keep
ratio), the Spearman correlation of its ``selection_scores_`` with the first
CPU fit's, the share of flipped rows among its kept rows, and the macro F1 on
the fold's held-out rows of the benchmark's forest trained on its subset.
Floating-point sums run in another order on a GPU, so a device fit is not
bit-identical to a CPU fit: it should differ from it no more than two CPU
fits differ from each other.
"""

import argparse
import time

import numpy as np
from scipy.stats import spearmanr
from sklearn.metrics import f1_score
from sklearn.preprocessing import StandardScaler

from bench_selection_time import (  # beside this script
    FOREST_PART,
    first_grid_fold,
    flipped_training_labels,
)

from sklearn_asss import ASSSSampler
from sklearn_asss.benchmark import fit_downstream
from sklearn_asss.nn import check_device

FITS = [("cpu", 0), ("cpu", 1), (None, 0)]  # None: the --device under test


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--datasets", nargs="+", default=["shuttle", "connect-4"])
    parser.add_argument("--keep-ratios", nargs="+", type=float, default=[0.03, 0.3])
    parser.add_argument("--noise-rates", nargs="+", type=float, default=[0.0, 0.2])
    args = parser.parse_args()
    check_device(args.device)  # a device this machine lacks stops here, before any fit
    devices_and_seeds = [(device or args.device, seed) for device, seed in FITS]

    print("cell | fit | seconds | same class counts | kept rows shared with cpu/0 | "
          "Spearman of p with cpu/0 | flipped share kept | forest macro F1")  # fmt: skip
    for name in args.datasets:
        X, y, train, test = first_grid_fold(name)
        scaler = StandardScaler().fit(X[train])
        X_train, X_test = (scaler.transform(X[rows]).astype(np.float32) for rows in (train, test))
        for rate in args.noise_rates:
            y_noisy, flipped = flipped_training_labels(y, train, rate)
            for keep_ratio in args.keep_ratios:
                fits = [
                    (f"{device}/{seed}", *_fit(X_train, y_noisy, keep_ratio, device, seed))
                    for device, seed in devices_and_seeds
                ]
                cell = f"{name}, {rate:.0%} flips, keep {keep_ratio:g}"
                for line in _compared(fits, X_train, y_noisy, flipped, X_test, y[test]):
                    print(f"{cell} | {line}", flush=True)


def _fit(X, y, keep_ratio, device, seed):
    sampler = ASSSSampler(keep_ratio=keep_ratio, device=device, random_state=seed)
    start = time.perf_counter()
    sampler.fit(X, y)
    return sampler, time.perf_counter() - start


def _compared(fits, X_train, y_noisy, flipped, X_test, y_test):
    """A line per (label, sampler, seconds) of `fits`: its time, its subset against the first's."""
    reference = fits[0][1]
    n_classes = y_noisy.max() + 1
    reference_counts = np.bincount(y_noisy[reference.sample_indices_], minlength=n_classes)
    for label, sampler, seconds in fits:
        kept = sampler.sample_indices_
        model = fit_downstream(FOREST_PART, X_train[kept], y_noisy[kept], n_classes, seed=0)
        counts = np.bincount(y_noisy[kept], minlength=n_classes)
        same_counts = np.array_equal(counts, reference_counts)
        rho = spearmanr(sampler.selection_scores_, reference.selection_scores_).statistic
        yield (
            f"{label} | {seconds:.1f} | {same_counts} | "
            f"{np.isin(kept, reference.sample_indices_).mean():.3f} | {rho:.3f} | "
            f"{flipped[kept].mean():.3f} | "
            f"{f1_score(y_test, model.predict(X_test), average='macro'):.4f}"
        )


if __name__ == "__main__":
    main()
