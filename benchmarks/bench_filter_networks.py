"""The label filter's networks trained stacked (the default), one after the other, and
stacked, stopped by the loss on their own folds (the default of a small game).

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_filter_networks.py \
        [--dataset shuttle] [--label-noise 0.2] [--noise-kind symmetric] [--flips 3] \
        [--game-batch-sizes 256 512] [--folds 3] [--widths 64 32]

For each flip of the labels (random states 0, 1, ...) and each game batch size
(the filter's schedule follows it), trains ``ASSSSampler``'s filter networks
(one per stratified fold of the rows, on the other folds; ``--folds 2`` as in a
large game's quick schedule; ``--widths``, their hidden widths, by default the
task network's 128 and 64) each way, on one torch thread, and prints per
way: the out-of-fold accuracy against the true labels, the ROC AUC of
``1 - p(label)`` for "flipped", the genuine rows the filter flags in each class
of fewer than 500 genuine rows, the flipped rows it leaves unflagged, the
epochs and the training time. The first two ways differ only in how the steps
are launched, so their figures should differ no more than two flips do. The
third is the rule of a small game's filter: each network keeps its weights of
the epoch of least loss on its own fold (noisy labels) and the training ends
when none has lowered it for ``_FILTER_PATIENCE`` epochs, at most
``_FILTER_MAX_EPOCHS_FACTOR`` times the schedule's.
"""

import argparse
import time

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from sklearn_asss import _asss
from sklearn_asss.benchmark import flip_labels
from sklearn_asss.benchmark._datasets import load_standardised
from sklearn_asss.nn import fit_task_classifier
from sklearn_asss.nn._stacked import fit_task_classifiers, task_modules

RARE_ROWS = 500  # a class with fewer genuine rows has its flagged ones listed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="shuttle")
    parser.add_argument("--label-noise", type=float, default=0.2)
    parser.add_argument("--noise-kind", default="symmetric", choices=["symmetric", "pair"])
    parser.add_argument("--flips", type=int, default=3)
    parser.add_argument("--game-batch-sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--folds", type=int, default=_asss._FILTER_FOLDS)
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 64])
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, y = load_standardised(args.dataset)
    n_classes = int(y.max()) + 1
    for flip in range(args.flips):
        noisy, flipped = flip_labels(
            y, n_classes, args.label_noise, args.noise_kind, np.random.RandomState(flip)
        )
        folds = _asss._stratified_folds(noisy, flip, args.folds)
        trained_on = _asss._other_folds(folds)
        seeds = _asss._filter_seeds(flip, args.folds)
        for game_batch_size in args.game_batch_sizes:
            batch_size, lr, epochs = _asss._filter_schedule(game_batch_size, len(trained_on[0]))
            schedule = dict(
                max_epochs=epochs, lr=lr, batch_size=batch_size,
                hidden_layer_sizes=tuple(args.widths),
            )  # fmt: skip
            print(f"{args.dataset} flip {flip}: {epochs} epochs of {batch_size} rows, lr {lr:.2e}")
            stopped = _asss._stopping_by_folds(
                X, noisy, np.arange(len(y)), folds, _asss._FILTER_PATIENCE
            )
            ways = (
                ("stacked", _stacked, schedule),
                ("one after the other", _one_by_one, schedule),
                ("stacked, stopped", _stacked,
                 {**schedule, "max_epochs": epochs * _asss._FILTER_MAX_EPOCHS_FACTOR, **stopped}),
            )  # fmt: skip
            for way, train, way_schedule in ways:
                start = time.perf_counter()
                nets = train(X, noisy, trained_on, n_classes, seeds, way_schedule)
                seconds = time.perf_counter() - start
                print(f"  {way:>19}: {_filter_quality(nets, folds, X, y, noisy, flipped)}, "
                      f"{len(nets[0].history)} epochs, {seconds:.2f}s")  # fmt: skip


def _stacked(X, noisy, trained_on, n_classes, seeds, schedule):
    modules = task_modules(X.shape[1], n_classes, seeds, schedule["hidden_layer_sizes"])
    return fit_task_classifiers(
        [X[rows] for rows in trained_on], [noisy[rows] for rows in trained_on], n_classes,
        seeds=seeds, modules=modules, **schedule,
    )  # fmt: skip


def _one_by_one(X, noisy, trained_on, n_classes, seeds, schedule):
    return [
        fit_task_classifier(
            X[rows], noisy[rows], n_classes, seed=seed,
            module=task_modules(X.shape[1], n_classes, [seed], schedule["hidden_layer_sizes"])[0],
            **schedule,
        )  # fmt: skip
        for rows, seed in zip(trained_on, seeds)
    ]


def _filter_quality(nets, folds, X, y, noisy, flipped):
    """The out-of-fold figures of the filter of `nets` (each row scored by the network of its
    fold, which did not train on it), as ASSSSampler flags rows."""
    probabilities = np.empty((len(y), int(y.max()) + 1))
    for net, unseen in zip(nets, folds):
        probabilities[unseen] = net.predict_proba(X[unseen])
    thresholds = _asss.fit_label_filter(probabilities, noisy, "prune_by_noise_rate")
    flagged = _asss.flag_label_issues(probabilities, noisy, thresholds)
    of_label = probabilities[np.arange(len(y)), noisy]
    genuine = ~flipped
    rare = [
        f"{np.sum(flagged & genuine & (noisy == c))}/{n}"
        for c, n in enumerate(np.bincount(noisy[genuine], minlength=probabilities.shape[1]))
        if 0 < n < RARE_ROWS
    ]
    return (
        f"oof accuracy {np.mean(probabilities.argmax(axis=1) == y):.4f}, "
        f"flipped ROC AUC {roc_auc_score(flipped, -of_label):.4f}, "
        f"genuine flagged in rare classes {' '.join(rare) or '-'}, "
        f"flipped unflagged {np.sum(flipped & ~flagged)}"
    )


if __name__ == "__main__":
    main()
