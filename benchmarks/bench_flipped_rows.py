"""How well ASSSSampler's ``p`` finds flipped labels, against its own task network's loss.

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_flipped_rows.py \
        [--dataset connect-4] [--rate 0.2] [--kind symmetric] [--folds 2] [--fast] \
        [--set '{"batch_size": 1024, "selector_lr": 5e-4}']

On each of the first ``--folds`` training folds of a stratified 5-fold split
(as the benchmark studies standardise them), flips ``--rate`` of the labels,
fits ``ASSSSampler(keep_ratio=0.3)`` (default settings, the fast setting
with ``--fast``, and any parameters given as JSON with ``--set``) and prints the ROC AUC with which each score ranks the
flipped rows first, over all rows and per (noisy) class:

- ``1 - p``: the selector's selection probability;
- ``task loss``: ``task_losses_``, the game's final task network's
  cross-entropy on each row (the loss the selector sees as an input).

An AUC below 0.5 ranks the flipped rows *last*. Also printed: the share of
flipped rows in the subset (a random draw keeps ``--rate``).
"""

import argparse
import json

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from bench_asss_speed import FAST  # the fast setting, defined once beside this script

from sklearn_asss import ASSSSampler
from sklearn_asss.benchmark import DATASETS, flip_labels, load_dataset


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="connect-4", choices=sorted(DATASETS))
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--kind", default="symmetric", choices=["symmetric", "pair"])
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--fast", action="store_true", help="the fast game setting")
    parser.add_argument("--set", type=json.loads, default={}, help="ASSSSampler parameters (JSON)")
    args = parser.parse_args()

    X, y = load_dataset(args.dataset)
    classes, y = np.unique(y, return_inverse=True)
    splits = StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)
    settings = {**(FAST if args.fast else {}), **args.set}
    print(f"{args.dataset}, {args.rate:.0%} {args.kind} flips, ASSSSampler settings "
          f"{settings or 'default'}; ROC AUC for 'flipped'")  # fmt: skip
    for fold, (train, _) in zip(range(args.folds), splits):
        X_train = StandardScaler().fit_transform(X[train]).astype(np.float32)
        y_noisy, flipped = flip_labels(
            y[train], len(classes), args.rate, args.kind, np.random.RandomState(fold)
        )
        sampler = ASSSSampler(keep_ratio=0.3, random_state=fold, **settings)
        sampler.fit(X_train, y_noisy)
        scores = {"1 - p": -sampler.selection_scores_, "task loss": sampler.task_losses_}
        kept = flipped[sampler.sample_indices_].mean()
        print(f"fold {fold}: flipped share of the subset {kept:.1%}")
        for name, score in scores.items():
            per_class = [_auc(flipped[y_noisy == c], score[y_noisy == c])
                         for c in range(len(classes))]  # fmt: skip
            print(f"  {name:9s}: all rows {_auc(flipped, score):.3f}; per class "
                  + " ".join(f"{value:.3f}" for value in per_class))  # fmt: skip


def _auc(flipped, score):
    return roc_auc_score(flipped, score) if 0 < flipped.sum() < len(flipped) else float("nan")


if __name__ == "__main__":
    main()
