"""Accuracy and macro-F1 retention of ASSSSampler's subsets against uniform random sampling.

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_asss_retention.py \
        --dataset shuttle --objective bilevel --cv 5 --seeds 0 1 2

For each fold of a stratified k-fold split: standardise on the training fold,
fit ``ASSSSampler`` once (defaults, keep_ratio 0.3, the given objective and
``min_samples_per_class``), and retrieve subsets from its ``p`` with each
``selection`` rule under the same per-class budgets, once per draw seed; draw
a stratified random 30% with the same seeds, once with the proportional
budgets (uniform random) and once with the sampler's budgets (the same floor
per class); train the same 3-layer MLP (``fit_task_classifier``, 20 epochs,
the fold's seed) on each subset and on the whole fold. Reports the PRR
(metric on the subset / metric on the full fold), mean over folds and seeds,
and the mean paired differences (same fold, same seed), with their standard
errors, to uniform random and to random with the same floor.
"""

import argparse
from collections import namedtuple

import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_asss import ASSSSampler, RandomSampler
from sklearn_asss.datasets import load_connect4, load_shuttle
from sklearn_asss.nn import fit_task_classifier

LOADERS = {"shuttle": load_shuttle, "connect-4": load_connect4}
SELECTIONS = ["clustered", "top", "sample", "stratified"]
SAME_FLOOR = "random, same floor"
FoldData = namedtuple("FoldData", "X_train y_train X_test y_test")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_arguments(parser)
    parser.add_argument("--objective", choices=["bilevel", "paper"], default="bilevel")
    args = parser.parse_args()

    prr = {}
    for fold, data, scores in fold_scorers(args):
        full = scores(np.arange(len(data.y_train)))
        sampler, X_std = fit_sampler(args, fold, data, objective=args.objective)
        for draw in draw_seeds(args, fold):
            subsets = random_subsets(data, sampler.min_samples_per_class, draw)
            for rule in SELECTIONS:
                sampler.set_params(selection=rule)
                subsets[f"asss {args.objective} {rule}"] = sampler._retrieve(
                    X_std, sampler.selection_scores_, data.y_train, sampler.class_budgets_,
                    np.random.RandomState(draw),
                )
            for name, rows in subsets.items():
                prr.setdefault(name, []).append(scores(rows)[:2] / full[:2])
        print(f"fold {fold}: full accuracy {full[0]:.4f}, macro F1 {full[1]:.4f}", flush=True)

    print(
        f"\n{args.dataset}, {args.cv}-fold CV x draw seeds {args.seeds}, keep_ratio 0.3, "
        f"ASSS at least {sampler.min_samples_per_class} rows per class: PRR mean (std) over "
        "folds and seeds; paired differences in PRR points, mean (standard error), to uniform "
        "random and to random with the same floor"
    )
    print(
        "| subset | accuracy PRR | macro-F1 PRR | Δ accuracy | Δ macro F1 "
        "| Δ accuracy, same floor | Δ macro F1, same floor |\n|---|---|---|---|---|---|---|"
    )
    baselines = [np.array(prr["random"]), np.array(prr[SAME_FLOOR])]
    for name, values in prr.items():
        values = np.array(values)
        mean, std = values.mean(axis=0), values.std(axis=0)
        cells = [f"{mean[0]:.4f} ({std[0]:.4f})", f"{mean[1]:.4f} ({std[1]:.4f})"]
        for baseline in baselines:
            cells += _paired_differences(values - baseline)
        print(f"| {name} | " + " | ".join(cells) + " |")


def add_common_arguments(parser):
    """The data set, CV, training and draw options every retention script shares."""
    parser.add_argument("--dataset", choices=sorted(LOADERS), default="shuttle")
    parser.add_argument("--cv", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="draw seeds")
    parser.add_argument(
        "--min-samples-per-class", type=int, default=None,
        help="ASSSSampler's floor per class (default: its default)",
    )  # fmt: skip


def fold_scorers(args):
    """Yield ``(fold, data, scores)`` per fold of a stratified split, standardised per fold.

    ``scores(rows)`` trains the 3-layer MLP (the fold's seed) on those training rows
    and returns ``[accuracy, macro F1, F1 of each class]`` on the test fold.
    """
    X, y = LOADERS[args.dataset](return_X_y=True)
    y = np.unique(y, return_inverse=True)[1]
    n_classes = y.max() + 1
    folds = StratifiedKFold(args.cv, shuffle=True, random_state=0).split(X, y)
    for fold, (train, test) in enumerate(folds):
        scaler = StandardScaler().fit(X[train])
        data = FoldData(scaler.transform(X[train]), y[train],
                        scaler.transform(X[test]).astype(np.float32), y[test])  # fmt: skip

        def scores(rows, data=data, fold=fold):
            net = fit_task_classifier(
                data.X_train[rows], data.y_train[rows], n_classes, seed=fold,
                max_epochs=args.epochs,
            )  # fmt: skip
            pred = net.predict(data.X_test)
            per_class = f1_score(data.y_test, pred, average=None, labels=np.arange(n_classes))
            return np.r_[accuracy_score(data.y_test, pred), per_class.mean(), per_class]

        yield fold, data, scores


def fit_sampler(args, fold, data, **params):
    """Fit ``ASSSSampler`` (defaults and `params`, fold as seed); return it and the rows it saw."""
    if args.min_samples_per_class is not None:
        params["min_samples_per_class"] = args.min_samples_per_class
    sampler = ASSSSampler(random_state=fold, **params).fit(data.X_train, data.y_train)
    return sampler, sampler._standardise(data.X_train)


def draw_seeds(args, fold):
    """One random seed per draw, distinct across folds."""
    return [fold + 100 * seed for seed in args.seeds]


def random_subsets(data, floor, draw):
    """Uniform random rows, and random rows under the budgets with `floor` rows per class."""
    samplers = {
        "random": RandomSampler(random_state=draw),
        SAME_FLOOR: RandomSampler(min_samples_per_class=floor, random_state=draw),
    }
    return {name: s.fit(data.X_train, data.y_train).sample_indices_ for name, s in samplers.items()}


def _paired_differences(diff):
    """Mean (standard error) of paired PRR differences, in points, accuracy then macro F1."""
    se = diff.std(axis=0, ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else np.zeros(2)
    return [
        f"{100 * diff[:, 0].mean():+.3f} ({100 * se[0]:.3f})",
        f"{100 * diff[:, 1].mean():+.2f} ({100 * se[1]:.2f})",
    ]

if __name__ == "__main__":
    main()
