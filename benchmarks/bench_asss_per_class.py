"""Where ASSSSampler's choice of rows gains or loses F1, class by class, against random rows.

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_asss_per_class.py \
        --dataset shuttle --seeds 0 1 2 3 4 5 6 7 8 9

The folds, the fitted default ``ASSSSampler`` and the draws are those of
``bench_asss_retention.py``. Every subset has the sampler's per-class budgets,
so the comparison is of the rows chosen, not of how many per class:

- ``asss``: the default retrieval;
- ``clusters only``: the same K-means clusters and shares, rows drawn
  uniformly within each cluster (``p`` unused);
- ``asss in large classes``: the classes whose budget the floor did not raise
  from ``asss``, the others from the random draw;
- ``asss in floored classes``: the reverse.

Reports, for each, the paired difference to random rows with the same budgets
(same fold, same draw seed) in F1 points for every class, in macro F1 and in
accuracy: mean (standard error).
"""

import argparse

import numpy as np
from bench_asss_retention import (
    SAME_FLOOR,
    add_common_arguments,
    draw_seeds,
    fit_sampler,
    fold_scorers,
    random_subsets,
)
from sklearn_asss import class_budgets


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    args = parser.parse_args()

    differences = {}
    for fold, data, scores in fold_scorers(args):
        sampler, X_std = fit_sampler(args, fold, data)
        floored = _floored_classes(sampler, data.y_train)
        in_floored = floored[data.y_train]
        for draw in draw_seeds(args, fold):
            random = random_subsets(data, sampler.min_samples_per_class, draw)[SAME_FLOOR]
            asss, clusters_only = (
                sampler._retrieve(X_std, p, data.y_train, sampler.class_budgets_,
                                  np.random.RandomState(draw))
                for p in (sampler.selection_scores_, np.ones(len(data.y_train)))
            )  # fmt: skip
            subsets = {
                "asss": asss,
                "clusters only": clusters_only,
                "asss in large classes": _combine(asss, random, ~in_floored),
                "asss in floored classes": _combine(asss, random, in_floored),
            }
            baseline = scores(random)
            for name, rows in subsets.items():
                differences.setdefault(name, []).append(100 * (scores(rows) - baseline))
        print(f"fold {fold}: floored classes {np.flatnonzero(floored).tolist()}", flush=True)

    n_classes = len(sampler.classes_)
    print(
        f"\n{args.dataset}, {args.cv}-fold CV x draw seeds {args.seeds}: paired difference to "
        f"random rows with the same budgets (at least {sampler.min_samples_per_class} per "
        "class), in points, mean (standard error)"
    )
    header = ["accuracy", "macro F1"] + [f"F1 class {c}" for c in range(n_classes)]
    print("| subset | " + " | ".join(header) + " |\n|---|" + "---|" * len(header))
    for name, values in differences.items():
        values = np.array(values)
        se = values.std(axis=0, ddof=1) / np.sqrt(len(values))
        cells = [f"{m:+.{3 if i == 0 else 2}f} ({e:.{3 if i == 0 else 2}f})"
                 for i, (m, e) in enumerate(zip(values.mean(axis=0), se))]  # fmt: skip
        print(f"| {name} | " + " | ".join(cells) + " |")


def _floored_classes(sampler, y_encoded):
    """Mask of the classes whose budget the floor raised above their proportional share."""
    counts = np.bincount(y_encoded, minlength=len(sampler.classes_))
    proportional = class_budgets(counts, sampler.class_budgets_.sum())
    return sampler.class_budgets_ > proportional


def _combine(rows, other_rows, from_rows):
    """The rows of `rows` in the classes where `from_rows` holds, of `other_rows` elsewhere."""
    return np.sort(np.r_[rows[from_rows[rows]], other_rows[~from_rows[other_rows]]])


if __name__ == "__main__":
    main()
