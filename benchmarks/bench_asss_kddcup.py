"""Wall time and peak memory of ASSSSampler.fit_resample on the whole kddcup 10% file.

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_asss_kddcup.py [--objective bilevel]

Loads the 494,021 rows with :func:`sklearn_asss.datasets.load_kddcup99` (three
string columns one-hot encoded, heavy-tailed counts log-scaled), then times
``fit_resample`` with the default settings. Peak memory is the process's
maximum resident set size (``ru_maxrss``), loading included.
"""

import argparse
import resource
import time

import numpy as np

from sklearn_asss import ASSSSampler
from sklearn_asss.datasets import load_kddcup99


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objective", default="bilevel", choices=["bilevel", "paper"])
    parser.add_argument("--verbose", type=int, default=1)
    args = parser.parse_args()

    X, y = load_kddcup99(return_X_y=True)
    rss_loaded = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sampler = ASSSSampler(objective=args.objective, random_state=0, verbose=args.verbose)
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"rows={len(y)} features={X.shape[1]} classes={len(np.unique(y))} "
        f"kept={len(y_res)} classes_kept={len(np.unique(y_res))} "
        f"fit_resample={seconds:.1f}s peak_rss={peak:.0f}MiB (after loading: {rss_loaded:.0f}MiB)"
    )


if __name__ == "__main__":
    main()
