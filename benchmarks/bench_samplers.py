"""Wall time and peak memory of every sampler's ``fit_resample`` on kddcup.

Each sampler runs in its own Python process, with ``OMP_NUM_THREADS=1`` and
``MKL_NUM_THREADS=1`` (one thread, so that the samplers compare on equal
terms whatever the number of cores; the times still depend on how busy the
machine is), on the same preprocessed data:

* the whole kddcup 10% file (494,021 rows) loaded by
  :func:`sklearn_asss.datasets.load_kddcup99` (118 columns: one-hot encoded
  strings, ``log1p`` of the heavy-tailed count and byte columns), then
  standardised with ``StandardScaler``, as float32;
* or, with ``--synthetic N``, ``make_classification`` data of N rows (for a
  quick check of the script itself).

The parent process prepares the data once into a temporary ``.npy`` cache;
each child imports the package, loads the cache (outside the timing), then
times ``fit_resample`` with ``time.perf_counter``. Memory is the child's peak
resident set size (Linux ``VmHWM`` from ``/proc/self/status``; elsewhere
``ru_maxrss``, which can include the parent's peak): the process's whole
peak, and the increase of that peak during ``fit_resample`` over the peak
after the imports and the data load (the memory the sampler itself needed on
top of its input).

Usage::

    python benchmarks/bench_samplers.py                       # kddcup, all samplers
    python benchmarks/bench_samplers.py --samplers KMeansSampler NNThinningSampler
    python benchmarks/bench_samplers.py --synthetic 2000 --output table.md
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLERS = {
    "RandomSampler": {},
    "KMeansSampler": {},
    "NNThinningSampler": {},
    "MarginSampler": {},
    "GradientMatchingSampler": {},
    "ASSSSampler": {},
}

SINGLE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}


def prepare_data(cache_dir, *, data_home=None, synthetic=None):
    """Write the benchmark's X (float32) and y to ``cache_dir``; return a description."""
    import numpy as np
    from sklearn.preprocessing import StandardScaler

    if synthetic:
        from sklearn.datasets import make_classification

        X, y = make_classification(
            n_samples=synthetic,
            n_features=20,
            n_informative=8,
            n_classes=4,
            weights=[0.6, 0.3, 0.08, 0.02],
            random_state=0,
        )
        name = f"make_classification ({synthetic} rows, 20 columns, 4 classes)"
    else:
        from sklearn_asss.datasets import load_kddcup99

        X, y = load_kddcup99(data_home=data_home, return_X_y=True, download_if_missing=False)
        name = f"kddcup 10% ({len(y):,} rows, {X.shape[1]} columns, {len(np.unique(y))} classes)"
    X = StandardScaler().fit_transform(X).astype(np.float32)
    np.save(Path(cache_dir) / "X.npy", X)
    np.save(Path(cache_dir) / "y.npy", np.asarray(y).astype(str))
    return name


def _peak_rss_mb():
    """Peak resident set size of this process, in MB.

    Linux's ``VmHWM`` (the high-water mark of this process's own memory map,
    fresh after ``exec``) where available: ``ru_maxrss`` survives ``fork`` and
    ``exec``, so a child would report its parent's peak when that is larger.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def run_child(name, cache_dir, keep_ratio, random_state):
    """In the child process: time one sampler's fit_resample; print a JSON line."""
    import numpy as np

    import sklearn_asss

    X = np.load(Path(cache_dir) / "X.npy")
    y = np.load(Path(cache_dir) / "y.npy")
    sampler = getattr(sklearn_asss, name)(
        keep_ratio=keep_ratio, random_state=random_state, **SAMPLERS[name]
    )
    baseline = _peak_rss_mb()
    start = time.perf_counter()
    X_res, y_res = sampler.fit_resample(X, y)
    seconds = time.perf_counter() - start
    peak = _peak_rss_mb()
    print(
        json.dumps(
            {
                "sampler": name,
                "seconds": seconds,
                "peak_rss_mb": peak,
                "extra_peak_mb": peak - baseline,
                "n_kept": int(len(y_res)),
                "n_rows": int(len(y)),
                "classes_kept": int(len(np.unique(y_res))),
                "classes": int(len(np.unique(y))),
            }
        )
    )


def run_all(names, cache_dir, *, keep_ratio, random_state, timeout):
    results = []
    for name in names:
        command = [
            sys.executable,
            __file__,
            "--child",
            name,
            "--cache",
            str(cache_dir),
            "--keep-ratio",
            str(keep_ratio),
            "--random-state",
            str(random_state),
        ]
        env = {**os.environ, **SINGLE_THREAD}
        # the child imports the package from this checkout
        repo = str(Path(__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [repo, env.get("PYTHONPATH")]))
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            results.append({"sampler": name, "error": f"timed out after {timeout} s"})
            print(f"  {name}: timed out after {timeout} s", file=sys.stderr, flush=True)
            continue
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        if done.returncode != 0 or not lines:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            results.append({"sampler": name, "error": " | ".join(tail)})
            print(f"  {name}: failed: {tail}", file=sys.stderr, flush=True)
            continue
        result = json.loads(lines[-1])
        results.append(result)
        print(
            f"  {name}: {result['seconds']:.1f} s, peak RSS {result['peak_rss_mb']:.0f} MB",
            file=sys.stderr,
            flush=True,
        )
    return results


def markdown_table(results):
    lines = [
        "| sampler | wall time (s) | peak RSS (MB) | peak increase in fit_resample (MB) "
        "| rows kept | classes kept |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['sampler']} | {r['error']} | | | | |")
            continue
        lines.append(
            f"| {r['sampler']} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} "
            f"| {r['extra_peak_mb']:.0f} | {r['n_kept']:,} / {r['n_rows']:,} "
            f"| {r['classes_kept']} / {r['classes']} |"
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samplers", nargs="+", choices=list(SAMPLERS), default=list(SAMPLERS))
    parser.add_argument("--keep-ratio", type=float, default=0.3)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--data-home", default=None, help="directory of the kddcup file")
    parser.add_argument("--synthetic", type=int, default=None, metavar="N")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per sampler")
    parser.add_argument("--output", default=None, help="also write the table to this file")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--cache", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        run_child(args.child, args.cache, args.keep_ratio, args.random_state)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench_samplers_") as cache_dir:
        data = prepare_data(cache_dir, data_home=args.data_home, synthetic=args.synthetic)
        print(f"data: {data}", file=sys.stderr, flush=True)
        results = run_all(
            args.samplers,
            cache_dir,
            keep_ratio=args.keep_ratio,
            random_state=args.random_state,
            timeout=args.timeout,
        )
    table = markdown_table(results)
    header = (
        f"Data: {data}; keep_ratio={args.keep_ratio}, random_state={args.random_state}; "
        "each sampler in its own process with OMP_NUM_THREADS=1."
    )
    print(header)
    print()
    print(table)
    if args.output:
        Path(args.output).write_text(header + "\n\n" + table + "\n")
    return 0 if all("error" not in r for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
