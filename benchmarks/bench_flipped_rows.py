"""How well ASSSSampler's ``p`` and label filter find flipped labels, and what else they flag.

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_flipped_rows.py \
        [--dataset connect-4] [--rate 0.2] [--kind symmetric] [--folds 2] \
        [--set '{"batch_size": 1024, "selector_lr": 5e-4}']

On each of the first ``--folds`` training folds of a stratified 5-fold split
(as the benchmark studies standardise them), flips ``--rate`` of the labels,
fits ``ASSSSampler(keep_ratio=0.3)`` (default settings, and any parameters
given as JSON with ``--set``) and prints the ROC AUC with which each score
ranks the flipped rows first, over all rows and per (noisy) class:

- ``1 - p``: the selector's selection probability;
- ``task loss``: ``task_losses_``, the game's final task network's
  cross-entropy on each row (the loss the selector sees as an input).

An AUC below 0.5 ranks the flipped rows *last*. Also printed: the share of
flipped rows in the subset (a random draw keeps ``--rate``); the accuracy of
the game's final task network on the fold's held-out rows; and the share of
the rows the label filter flags (``label_issues_``), overall and per class,
with its precision and recall for the flipped rows. ``--rate 0`` shows what
the filter flags on clean labels.
"""

import argparse
import json

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

from sklearn_asss import ASSSSampler
from sklearn_asss.benchmark import DATASETS, flip_labels, load_dataset


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="connect-4", choices=sorted(DATASETS))
    parser.add_argument("--rate", type=float, default=0.2)
    parser.add_argument("--kind", default="symmetric", choices=["symmetric", "pair"])
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--set", type=json.loads, default={}, help="ASSSSampler parameters (JSON)")
    args = parser.parse_args()

    X, y = load_dataset(args.dataset)
    classes, y = np.unique(y, return_inverse=True)
    splits = StratifiedKFold(5, shuffle=True, random_state=0).split(X, y)
    print(f"{args.dataset}, {args.rate:.0%} {args.kind} flips, ASSSSampler settings "
          f"{args.set or 'default'}; ROC AUC for 'flipped'")  # fmt: skip
    for fold, (train, test) in zip(range(args.folds), splits):
        scaler = StandardScaler().fit(X[train])
        X_train = scaler.transform(X[train]).astype(np.float32)
        y_noisy, flipped = flip_labels(
            y[train], len(classes), args.rate, args.kind, np.random.RandomState(fold)
        )
        sampler = ASSSSampler(keep_ratio=0.3, random_state=fold, **args.set)
        sampler.fit(X_train, y_noisy)
        scores = {"1 - p": -sampler.selection_scores_, "task loss": sampler.task_losses_}
        kept = flipped[sampler.sample_indices_].mean()
        accuracy = _task_accuracy(sampler, scaler.transform(X[test]).astype(np.float32), y[test])
        print(f"fold {fold}: flipped share of the subset {kept:.1%}; task network's "
              f"held-out accuracy {accuracy:.3f}")  # fmt: skip
        if sampler.label_issues_ is not None:
            _print_flags(sampler.label_issues_, flipped, y_noisy, len(classes))
        for name, score in scores.items():
            per_class = [_auc(flipped[y_noisy == c], score[y_noisy == c])
                         for c in range(len(classes))]  # fmt: skip
            print(f"  {name:9s}: all rows {_auc(flipped, score):.3f}; per class "
                  + " ".join(f"{value:.3f}" for value in per_class))  # fmt: skip


def _task_accuracy(sampler, X_test, y_test):
    """Accuracy of the game's final task network on rows the game did not see."""
    X_std = sampler._standardise(X_test)  # as the sampler scores rows
    *_, probabilities = sampler.net_.probabilities_and_losses(
        X_std, y_test, class_probabilities=True
    )
    return float(np.mean(probabilities.argmax(axis=1) == y_test))


def _print_flags(flags, flipped, y_noisy, n_classes):
    per_class = " ".join(f"{flags[y_noisy == c].mean():.1%}" for c in range(n_classes))
    line = f"  label filter flags {flags.mean():.1%} of the rows; per class {per_class}"
    if flipped.any():
        precision = flipped[flags].mean() if flags.any() else float("nan")
        line += f"; flipped: precision {precision:.2f}, recall {flags[flipped].mean():.2f}"
    print(line)


def _auc(flipped, score):
    return roc_auc_score(flipped, score) if 0 < flipped.sum() < len(flipped) else float("nan")


if __name__ == "__main__":
    main()
