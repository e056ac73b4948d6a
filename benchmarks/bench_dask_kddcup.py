"""resample_dask on a kddcup table larger than its workers' memory: wall time and peak memory.

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_dask_kddcup.py \\
        --folder /path/to/scratch --repeats 11 --memory-limit 1.5GiB

Writes the kddcup 10% file (one-hot encoded by
:func:`sklearn_asss.datasets.load_kddcup99`, as float64) ``--repeats`` times
as Parquet files under ``--folder`` (every copy after the first with its 38
numeric columns jittered by a relative 1%), then, for each method, starts a
fresh ``LocalCluster`` of two single-threaded worker processes with
``--memory-limit`` each, runs :func:`sklearn_asss.dask.resample_dask` and
writes the kept rows to Parquet. Reports the wall time (selection and
writing), rows per second, whether every class got exactly its budget, each
worker's peak resident memory (``VmHWM``, Linux), the bytes spilled to disk and
whether a worker was lost (restarted by its nanny).
"""

import argparse
import os
import shutil
import tempfile
import time

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from distributed import Client, LocalCluster

from sklearn_asss import ASSSSampler, RandomSampler, class_budgets
from sklearn_asss.datasets import load_kddcup99
from sklearn_asss.dask import resample_dask

# kddcup's first 38 columns are numeric; the others are one-hot categories
N_NUMERIC = 38
# relative size of the jitter of the copies (they must not be exact repeats)
JITTER = 0.01
# one BLAS/torch thread per single-threaded worker, as Dask advises
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
# ASSSSampler's default floor, given to the random draw too: the same budgets
MIN_PER_CLASS = ASSSSampler().min_samples_per_class


def write_table(folder, repeats, files_per_copy, max_rows, reuse):
    X, y = load_kddcup99(return_X_y=True)
    X, y = X[:max_rows].astype(np.float64), y[:max_rows]
    names = [f"c{j}" for j in range(X.shape[1])]
    rng = np.random.RandomState(0)
    n_files = repeats * files_per_copy
    if not (reuse and os.path.isdir(folder) and len(os.listdir(folder)) == n_files):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    for copy in range(repeats if len(os.listdir(folder)) < n_files else 0):
        values = X.copy()
        if copy:
            values[:, :N_NUMERIC] *= 1 + JITTER * rng.normal(size=(len(X), N_NUMERIC))
        frame = pd.DataFrame(values, columns=names).assign(label=y)
        for i, part in enumerate(np.array_split(np.arange(len(X)), files_per_copy)):
            path = os.path.join(folder, f"part-{copy:03d}-{i:03d}.parquet")
            frame.iloc[part].to_parquet(path, index=False)
    classes, counts = np.unique(y, return_counts=True)
    return len(y) * repeats, X.shape[1], dict(zip(classes, counts * repeats))


def peak_resident_mib():
    """This process's peak resident memory (VmHWM: ru_maxrss would include its parent's)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def worker_state(dask_worker):
    return {
        "peak_mib": peak_resident_mib(),
        "spilled_bytes": dask_worker.data.spilled_total.disk
        if hasattr(dask_worker.data, "spilled_total") else 0,
    }  # fmt: skip


def run(method, folder, out, memory_limit, fit_size, class_counts):
    if method == "asss":
        sampler = ASSSSampler(random_state=0)
    else:
        sampler = RandomSampler(keep_ratio=0.3, min_samples_per_class=MIN_PER_CLASS)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit=memory_limit,
        dashboard_address=":0", env=ONE_THREAD,
    ) as cluster, Client(cluster) as client:  # fmt: skip
        workers = set(client.scheduler_info()["workers"])
        start = time.perf_counter()
        frame = dd.read_parquet(folder)
        X, y = frame.drop(columns="label"), frame["label"]
        X_kept, y_kept, _ = resample_dask(sampler, X, y, fit_size=fit_size, random_state=0)
        shutil.rmtree(out, ignore_errors=True)
        kept, _ = dask.compute(y_kept.value_counts(), X_kept.to_parquet(out, compute=False))
        seconds = time.perf_counter() - start
        states = client.run(worker_state)
        lost = workers != set(client.scheduler_info()["workers"])
    classes = sorted(class_counts)
    budgets = class_budgets(
        np.array([class_counts[c] for c in classes]),
        round(sampler.keep_ratio * sum(class_counts.values())),
        sampler.min_samples_per_class,
    )
    exact = [int(kept.get(c, 0)) for c in classes] == budgets.tolist()
    return seconds, int(kept.sum()), exact, states, lost


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", default=os.path.join(tempfile.gettempdir(), "kdd_dask"))
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--files-per-copy", type=int, default=10)
    parser.add_argument("--max-rows", type=int, default=None, help="rows of kddcup used")
    parser.add_argument("--memory-limit", default="1.5GiB", help="per worker")
    parser.add_argument("--fit-size", type=int, default=20_000)
    parser.add_argument("--methods", nargs="*", default=["random", "asss"])
    parser.add_argument(
        "--reuse", action="store_true", help="keep a table already written with these settings"
    )
    args = parser.parse_args()

    table = os.path.join(args.folder, "table")
    n_rows, n_features, class_counts = write_table(
        table, args.repeats, args.files_per_copy, args.max_rows, args.reuse
    )
    print(
        f"table: {n_rows} rows x {n_features} float64 columns, "
        f"{n_rows * n_features * 8 / 2**30:.2f} GiB in memory; workers: 2 x {args.memory_limit}"
    )
    print("| method | wall s | rows/s | kept | exact budgets | worker peak MiB | spilled MiB "
          "| worker lost |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for method in args.methods:
        out = os.path.join(args.folder, f"kept-{method}")
        seconds, n_kept, exact, states, lost = run(
            method, table, out, args.memory_limit, args.fit_size, class_counts
        )
        peaks = ", ".join(f"{s['peak_mib']:.0f}" for s in states.values())
        spilled = sum(s["spilled_bytes"] for s in states.values()) / 2**20
        print(
            f"| {method} | {seconds:.1f} | {n_rows / seconds:,.0f} | {n_kept} | {exact} "
            f"| {peaks} | {spilled:.0f} | {lost} |"
        )


if __name__ == "__main__":
    main()
