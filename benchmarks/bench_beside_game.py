"""Where ASSSSampler makes the work beside its game: after it, in a thread, in a worker.

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_beside_game.py \
        [--dataset shuttle|connect-4|optdigits|...] [--keep-ratio 0.3] \
        [--label-noise 0.2 --noise-kind symmetric] [--fits 6]

Fits the default sampler on the whole of a data set of the benchmark's
registry (:func:`sklearn_asss.benchmark.load_dataset`; standardised; with
``--label-noise``, that share of the labels flipped as the quality grid flips
them) in three ways, taking turns in one process, ``--fits`` times each: on
one torch thread (the label filter's networks and the clusters after the
game), on two with no worker process (the package's way where none may be
forked: the work in a second thread beside a game of 20,000 rows or more,
after a smaller one), and on two with the work in a forked worker process (its
way on Linux). Prints each way's
fit times, their median, the median's ratio to the worker's, and whether its
kept rows, selection probabilities and label flags equal those of one thread,
bit for bit (the first fit of each way, by hashes).
"""

import argparse
import hashlib
import time

import numpy as np
import torch

from sklearn_asss import ASSSSampler, _asss
from sklearn_asss.benchmark import flip_labels
from sklearn_asss.benchmark._datasets import load_standardised
from sklearn_asss.nn import _utils

WAYS = {"one thread": (1, False), "two, no worker": (2, False), "two, worker": (2, True)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="connect-4")
    parser.add_argument("--keep-ratio", type=float, default=0.3)
    parser.add_argument("--label-noise", type=float, default=0.0)
    parser.add_argument("--noise-kind", default="symmetric", choices=["symmetric", "pair"])
    parser.add_argument("--fits", type=int, default=6)
    args = parser.parse_args()

    X, y = load_standardised(args.dataset)
    if args.label_noise:
        y = flip_labels(y, y.max() + 1, args.label_noise, args.noise_kind,
                        np.random.RandomState(0))[0]  # fmt: skip
    can_fork = _utils.can_fork_worker
    times, digests = {way: [] for way in WAYS}, {}
    ASSSSampler(keep_ratio=args.keep_ratio, random_state=0).fit(X, y)  # start-up
    threads = torch.get_num_threads()
    try:
        for _ in range(args.fits):
            for way, (n_threads, worker) in WAYS.items():
                torch.set_num_threads(n_threads)
                _asss.can_fork_worker = can_fork if worker else (lambda: False)
                start = time.perf_counter()
                sampler = ASSSSampler(keep_ratio=args.keep_ratio, random_state=0).fit(X, y)
                times[way].append(time.perf_counter() - start)
                digests.setdefault(way, _digest(sampler))
    finally:
        _asss.can_fork_worker = can_fork
        torch.set_num_threads(threads)
    worker = np.median(times["two, worker"])
    print(
        f"{args.dataset}: rows={len(y)} keep_ratio={args.keep_ratio} label_noise="
        f"{args.label_noise} ({args.noise_kind}) fits={args.fits} worker process possible="
        f"{can_fork()}"
    )
    for way, seconds in times.items():
        same = digests[way] == digests["one thread"]
        print(
            f"  {way:15s} median {np.median(seconds):.2f}s (ratio to the worker's "
            f"{np.median(seconds) / worker:.2f}; {', '.join(f'{s:.2f}' for s in seconds)}) "
            f"same subset as one thread: {same}"
        )


def _digest(sampler):
    parts = [sampler.sample_indices_, sampler.selection_scores_, sampler.label_issues_]
    return hashlib.sha256(b"".join(np.ascontiguousarray(p).tobytes() for p in parts)).hexdigest()


if __name__ == "__main__":
    main()
