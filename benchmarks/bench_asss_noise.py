"""The paper summary's sanity check: do flipped labels get a lower selection probability?

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_asss_noise.py [--noise 0.2]

On shuttle's original training split (43,500 rows), flips `--noise` of the
labels to another class at random (the benchmark command's `flip_labels`), fits ``ASSSSampler`` with its default
settings for each objective, and reports the ROC AUC of ``1 - p`` for "is
flipped" and the share of flipped rows in the kept 30% for each ``selection``
(uniform random sampling keeps the noise rate itself).
"""

import argparse
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from sklearn_asss import ASSSSampler
from sklearn_asss.benchmark._protocol import flip_labels
from sklearn_asss.datasets import load_shuttle

SELECTIONS = ["clustered", "top", "sample", "stratified"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--noise", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    X, y = load_shuttle(subset="train", return_X_y=True)
    noisy, flipped = flip_labels(y, len(np.unique(y)), args.noise, np.random.RandomState(args.seed))
    print(f"shuttle train split: {len(y)} rows, {flipped.mean():.1%} of labels flipped")
    print("| objective | AUC of 1-p for flipped | mean p | fit time (s) | flipped kept: "
          + " | ".join(SELECTIONS) + " |")
    print("|---|---|---|---|" + "---|" * len(SELECTIONS))
    for objective in ("bilevel", "paper"):
        start = time.perf_counter()
        sampler = ASSSSampler(objective=objective, random_state=args.seed).fit(X, noisy)
        seconds = time.perf_counter() - start
        p = sampler.selection_scores_
        y_encoded = np.searchsorted(sampler.classes_, noisy)
        X_std = sampler._standardise(X)
        kept = [
            flipped[
                sampler.set_params(selection=rule)._retrieve(
                    X_std, p, y_encoded, sampler.class_budgets_, np.random.RandomState(0)
                )
            ].mean()
            for rule in SELECTIONS
        ]
        print(
            f"| {objective} | {roc_auc_score(flipped, 1 - p):.3f} | {p.mean():.3f} | "
            f"{seconds:.0f} | " + " | ".join(f"{share:.1%}" for share in kept) + " |"
        )


if __name__ == "__main__":
    main()
