"""Time of ASSSSampler.fit_resample against 20 epochs of the benchmark's MLP, in one run.

Usage::

    SKLEARN_ASSS_DATA=../shared/data python benchmarks/bench_asss_speed.py \
        [--dataset kddcup|shuttle|connect4] [--objective bilevel] [--verbose 1] \
        [--device cpu] [--set '{"lookahead": "full"}'] [--repeats 1] [--rounds 1]

Loads the whole data set (kddcup: the 494,021 rows of the 10% file, three
string columns one-hot encoded and heavy-tailed counts log-scaled, by
:func:`sklearn_asss.datasets.load_kddcup99`), standardises it as the benchmark
does, trains the benchmark's MLP (:func:`sklearn_asss.nn.fit_task_classifier`:
20 epochs, batch 256) on all rows (on a CPU, on torch's threads and again on
one: the ratio is taken to the faster), then times ``fit_resample`` with the
default settings (``--set``: other parameters, as JSON, e.g. the parameters
page's fast setting ``'{"batch_size": 1024}'``), and prints both times (wall
and CPU, the sampler's worker process included), their ratio and the peak memory
(``ru_maxrss``, loading included) of the process and of the largest worker process the
sampler forked (with its copy-on-write pages of the parent). The ratio within one run is
what to compare across machines. ``--repeats N`` fits the sampler N
times after the MLP and reports the median fit (each fit's wall time listed).
``--rounds R`` measures R times in turn, the MLP (after the first round on the
faster thread count only) and then the fits, and adds each round's ratio and
their median and range: on a shared machine the MLP's own time drifts by a
quarter between runs, so a ratio of times taken apart drifts with it.
``--device`` (e.g. ``cuda``) runs both the MLP and the sampler's networks
there, and adds the device's peak memory.
Both run on torch's threads (printed; ``OMP_NUM_THREADS=1`` for one): on two or
more the sampler makes its label filter and clusters beside the game (on Linux in a
worker process, elsewhere in a second thread).
"""

import argparse
import json
import os
import resource
import time

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler

from sklearn_asss import ASSSSampler, datasets
from sklearn_asss.nn import fit_task_classifier

LOADERS = {"kddcup": "load_kddcup99", "shuttle": "load_shuttle", "connect4": "load_connect4"}
# the benchmark's reference training: the MLP on every row for this many epochs
MLP_EPOCHS = 20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="kddcup", choices=sorted(LOADERS))
    parser.add_argument("--objective", default="bilevel", choices=["bilevel", "paper"])
    parser.add_argument("--verbose", type=int, default=1)
    parser.add_argument("--device", default="cpu", help="torch device of both trainings")
    parser.add_argument("--set", type=json.loads, default={}, help="ASSSSampler parameters (JSON)")
    parser.add_argument("--repeats", type=int, default=1, help="fits of the sampler (median)")
    parser.add_argument("--rounds", type=int, default=1, help="MLP and fits in turn (median)")
    args = parser.parse_args()
    if min(args.repeats, args.rounds) < 1:
        parser.error(f"--repeats and --rounds must be at least 1, got {args.repeats}, {args.rounds}")

    X, y = getattr(datasets, LOADERS[args.dataset])(return_X_y=True)
    X = StandardScaler().fit_transform(np.asarray(X, dtype=np.float64)).astype(np.float32)
    classes, y_encoded = np.unique(np.asarray(y), return_inverse=True)
    rss_loaded = _peak_mib()
    device = args.device
    fit_task_classifier(X[:64], y_encoded[:64] % 2, 2, max_epochs=1, device=device)  # start-up
    mlps = _mlp_times(X, y_encoded, len(classes), device)
    n_threads, mlp = min(mlps.items(), key=lambda item: item[1][0])
    sampler = ASSSSampler(
        objective=args.objective, random_state=0, verbose=args.verbose, device=device, **args.set
    )

    def timed_fits():
        return [_timed(lambda: sampler.fit_resample(X, y_encoded)) for _ in range(args.repeats)]

    fits = timed_fits()
    asss = tuple(np.median(fits, axis=0))
    # each round: the MLP's (wall, CPU) seconds and the median fit's
    rounds = [(mlp, asss)] + [
        (_mlp_time(X, y_encoded, len(classes), device, n_threads),
         tuple(np.median(timed_fits(), axis=0)))
        for _ in range(args.rounds - 1)
    ]  # fmt: skip
    each = f" (median of {', '.join(f'{wall:.2f}' for wall, _ in fits)})" if len(fits) > 1 else ""
    print(
        f"{args.dataset}: rows={len(y)} features={X.shape[1]} classes={len(classes)} "
        f"kept={len(sampler.sample_indices_)} settings={args.set or 'default'} "
        f"torch threads={torch.get_num_threads()}\n"
        + "".join(
            f"  MLP {MLP_EPOCHS} epochs, {threads} torch thread(s): {wall:.1f}s wall, "
            f"{cpu:.1f}s CPU\n"
            for threads, (wall, cpu) in mlps.items()
        )
        + f"  fit_resample: {asss[0]:.2f}s wall, {asss[1]:.1f}s CPU{each}\n"
        f"  ratio to the faster MLP ({n_threads} thread(s)): {asss[0] / mlp[0]:.2f} wall, "
        f"{asss[1] / mlp[1]:.2f} CPU\n"
        f"  peak RSS {_peak_mib():.0f} MiB (after loading: {rss_loaded:.0f} MiB; largest "
        f"worker process: {_peak_mib(resource.RUSAGE_CHILDREN):.0f} MiB)"
        + _device_peak(device)
        + _rounds_summary(rounds)
    )


def _rounds_summary(rounds):
    """Each later round's MLP, median fit and ratio, and the median and range of every round's."""
    if len(rounds) == 1:
        return ""
    walls = [(mlp[0], fit[0]) for mlp, fit in rounds]
    ratios = [fit / mlp for mlp, fit in walls]
    lines = [
        f"\n  round {number}: MLP {mlp:.1f}s wall, fit_resample {fit:.2f}s wall, ratio {ratio:.2f}"
        for number, ((mlp, fit), ratio) in enumerate(zip(walls, ratios), start=1)
        if number > 1
    ]
    return "".join(lines) + (
        f"\n  ratio over {len(rounds)} rounds: median {np.median(ratios):.2f}, "
        f"range {min(ratios):.2f}-{max(ratios):.2f} wall"
    )


def _mlp_times(X, y_encoded, n_classes, device):
    """Wall and CPU seconds of the reference MLP on torch's threads, and on one.

    On a CPU with several threads the MLP's small steps may run no faster, or
    slower, than on one (on 2 cores: 4-6 s against about 4 s on connect-4), so
    the ratio is taken to the faster of the two.
    """
    n_threads = torch.get_num_threads()
    on_cpu = torch.device(device).type == "cpu"
    counts = [n_threads, 1] if on_cpu and n_threads > 1 else [n_threads]
    return {count: _mlp_time(X, y_encoded, n_classes, device, count) for count in counts}


def _mlp_time(X, y_encoded, n_classes, device, n_threads):
    """Wall and CPU seconds of the reference MLP on `n_threads` torch threads."""
    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        return _timed(
            lambda: fit_task_classifier(
                X, y_encoded, n_classes, seed=0, max_epochs=MLP_EPOCHS, device=device
            )
        )
    finally:
        torch.set_num_threads(before)


def _timed(work):
    wall, cpu = time.perf_counter(), _cpu_seconds()
    work()
    return time.perf_counter() - wall, _cpu_seconds() - cpu


def _cpu_seconds():
    """CPU time of this process and of its ended children (the sampler's worker process)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _device_peak(device):
    if torch.device(device).type != "cuda":
        return ""
    return f"; {device} peak {torch.cuda.max_memory_allocated(device) / 2**20:.0f} MiB allocated"


def _peak_mib(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024


if __name__ == "__main__":
    main()
