"""Selective vs full adversarial training: clean and PGD accuracy, PGD passes spent.

Run as a command::

    OMP_NUM_THREADS=1 python -m sklearn_asss.adversarial.benchmark \\
        --datasets digits shuttle --seeds 0 1 2 3 4 \\
        --out-csv runs.csv --out-md table.md

For every data set, seed and method it trains one network and reports its
clean test accuracy, its accuracy under a PGD attack (PGD-40 by default) and
the PGD sample-passes spent in training, then the mean ± std over seeds and
the per-seed paired differences against ``all`` and ``random``
(``--from-csv runs.csv`` redoes the tables without training; ``--timing``
measures seconds per epoch instead). Results and the commands behind them:
``doc/benchmarks/adversarial.md``. The methods are

* ``clean``: the same network trained without attack (skorch, no PGD);
* ``all``: PGD on every row, loss ``L_adv + clean_weight * L_clean``;
* ``all_pure``: PGD on every row, loss ``L_adv`` only (Madry et al.);
* ``margin``, ``gradient``, ``random``: PGD on ``ceil(rho * batch)`` rows per
  minibatch chosen by that rule, for each ``rho`` in ``--ratios``.

Data sets (see :data:`DATASETS` for the settings):

* ``digits``: scikit-learn's 8x8 digits scaled to ``[0, 1]`` (pixel / 16), a
  stratified 75 / 25 split (``random_state=0``, the same for all seeds), an
  MLP 64-128-128-10, attacks in L-infinity with ``clip=(0, 1)``;
* ``shuttle``: UCI Statlog shuttle (:func:`sklearn_asss.datasets.load_shuttle`,
  ``shuttle.csv.gz`` in the data directory), its original 43,500 /
  14,500 train / test split, features standardised on the training rows,
  an MLP 9-128-64-7, attacks in L-infinity in standardised units, no clip.

The seeds vary the network initialisation, batch order, dropout, selection
draws and PGD random starts; the test split is fixed.
"""

import argparse
import sys
import time

import numpy as np
import pandas as pd

from ..nn import fit_task_classifier
from ._classifier import SelectiveAdversarialClassifier
from ._scoring import make_robust_scorer

#: Settings per data set: training attack, evaluation attack, network, epochs.
DATASETS = {
    "digits": dict(
        epsilon=0.1, train_steps=10, eval_steps=40, clip=(0.0, 1.0),
        hidden_layer_sizes=(128, 128), max_epochs=30, batch_size=128, lr=1e-3,
    ),
    "shuttle": dict(
        epsilon=0.2, train_steps=10, eval_steps=40, clip=None,
        hidden_layer_sizes=(128, 64), max_epochs=20, batch_size=256, lr=1e-3,
    ),
}

METHODS = ("clean", "all", "all_pure", "margin", "gradient", "random")
SELECTIVE = ("margin", "gradient", "random")


def load_benchmark_data(name, *, data_home=None, max_train_rows=None, random_state=0):
    """Train and test arrays of one benchmark data set.

    Parameters
    ----------
    name : {"digits", "shuttle"}
    data_home : str or path, default=None
        Directory holding ``shuttle.csv.gz`` (see
        :func:`sklearn_asss.datasets.load_shuttle`).
    max_train_rows : int, default=None
        Keep at most this many training rows, a stratified random subsample
        (for quick runs and tests).
    random_state : int, default=0
        Seed of that subsample.

    Returns
    -------
    X_train, y_train, X_test, y_test : ndarray
        float32 features, int64 class indices ``0 .. K-1``.
    """
    if name == "digits":
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split

        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X / 16.0, y, test_size=0.25, stratify=y, random_state=0
        )
    elif name == "shuttle":
        from sklearn.preprocessing import StandardScaler

        from ..datasets import load_shuttle

        X_train, y_train = load_shuttle(data_home=data_home, subset="train", return_X_y=True)
        X_test, y_test = load_shuttle(data_home=data_home, subset="test", return_X_y=True)
        scaler = StandardScaler().fit(np.asarray(X_train, dtype=np.float64))
        X_train = scaler.transform(np.asarray(X_train, dtype=np.float64))
        X_test = scaler.transform(np.asarray(X_test, dtype=np.float64))
    else:
        raise ValueError(f"unknown data set {name!r}; choose from {sorted(DATASETS)}.")
    if max_train_rows is not None and max_train_rows < len(y_train):
        from sklearn.model_selection import train_test_split

        # stratified where every class has 2 rows; plain random otherwise
        counts = np.bincount(y_train)
        stratify = y_train if counts[counts > 0].min() >= 2 else None
        X_train, _, y_train, _ = train_test_split(
            X_train, y_train, train_size=max_train_rows, stratify=stratify,
            random_state=random_state,
        )
    return (
        np.asarray(X_train, dtype=np.float32),
        np.asarray(y_train, dtype=np.int64),
        np.asarray(X_test, dtype=np.float32),
        np.asarray(y_test, dtype=np.int64),
    )


def _configurations(methods, ratios):
    for method in methods:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; choose from {METHODS}.")
        if method in SELECTIVE:
            for rho in ratios:
                yield method, float(rho)
        else:
            yield method, 1.0 if method in ("all", "all_pure") else 0.0


def run_one(method, rho, seed, data, settings, *, clean_weight=1.0, warmup_epochs=2):
    """Train one network and measure it; returns a dict (one row of the results)."""
    X_train, y_train, X_test, y_test = data
    n_classes = int(max(y_train.max(), y_test.max())) + 1
    start = time.perf_counter()
    if method == "clean":
        clf = fit_task_classifier(
            X_train, y_train, n_classes, seed=seed,
            hidden_layer_sizes=settings["hidden_layer_sizes"],
            max_epochs=settings["max_epochs"], batch_size=settings["batch_size"],
            lr=settings["lr"],
        )
        passes = 0
    else:
        clf = SelectiveAdversarialClassifier(
            module__hidden_layer_sizes=settings["hidden_layer_sizes"],
            module__n_classes=n_classes,
            selection="all" if method == "all_pure" else method,
            perturb_ratio=rho,
            epsilon=settings["epsilon"],
            n_steps=settings["train_steps"],
            clip=settings["clip"],
            clean_weight=0.0 if method == "all_pure" else clean_weight,
            warmup_epochs=warmup_epochs,
            max_epochs=settings["max_epochs"],
            batch_size=settings["batch_size"],
            lr=settings["lr"],
            random_state=seed,
        )
        clf.fit(X_train, y_train)
        passes = int(clf.adversarial_passes_)
    fit_seconds = time.perf_counter() - start
    scorer = make_robust_scorer(
        settings["epsilon"], n_steps=settings["eval_steps"], clip=settings["clip"],
        random_state=seed,
    )
    return {
        "method": method,
        "rho": rho,
        "seed": seed,
        "clean_acc": float(np.mean(clf.predict(X_test) == y_test)),
        "robust_acc": float(scorer(clf, X_test, y_test)),
        "adv_passes": passes,
        "fit_seconds": fit_seconds,
    }


def run_benchmark(
    datasets=("digits", "shuttle"),
    seeds=(0, 1, 2),
    ratios=(0.25, 0.5),
    methods=METHODS,
    *,
    data_home=None,
    max_train_rows=None,
    max_epochs=None,
    clean_weight=1.0,
    warmup_epochs=2,
    verbose=1,
):
    """Run every (data set, method, rho, seed) and return one row per run.

    Parameters
    ----------
    datasets : sequence of {"digits", "shuttle"}
    seeds : sequence of int
    ratios : sequence of float
        The rho values of the selective methods.
    methods : sequence of str
        Among :data:`METHODS`.
    data_home : str, default=None
    max_train_rows : int, default=None
        Stratified subsample of the training rows (quick runs).
    max_epochs : int, default=None
        Override the data sets' epochs (quick runs).
    clean_weight : float, default=1.0
        The lambda of the selective and ``all`` methods.
    warmup_epochs : int, default=2
    verbose : int, default=1
        Print one line per run to stderr.

    Returns
    -------
    runs : pandas.DataFrame
        Columns ``dataset, method, rho, seed, clean_acc, robust_acc,
        adv_passes, fit_seconds`` and the settings used.

    Examples
    --------
    >>> from sklearn_asss.adversarial.benchmark import run_benchmark
    >>> runs = run_benchmark(["digits"], seeds=[0], ratios=[0.5], methods=["random"],
    ...                      max_train_rows=200, max_epochs=1, verbose=0)
    >>> runs[["dataset", "method", "rho"]].values.tolist()
    [['digits', 'random', 0.5]]
    """
    rows = []
    for name in datasets:
        if name not in DATASETS:
            raise ValueError(f"unknown data set {name!r}; choose from {sorted(DATASETS)}.")
        settings = dict(DATASETS[name])
        if max_epochs is not None:
            settings["max_epochs"] = int(max_epochs)
        data = load_benchmark_data(name, data_home=data_home, max_train_rows=max_train_rows)
        for method, rho in _configurations(methods, ratios):
            for seed in seeds:
                row = run_one(
                    method, rho, int(seed), data, settings,
                    clean_weight=clean_weight, warmup_epochs=warmup_epochs,
                )
                row = {
                    "dataset": name, **row, "epsilon": settings["epsilon"],
                    "train_steps": settings["train_steps"],
                    "eval_steps": settings["eval_steps"],
                    "max_epochs": settings["max_epochs"], "n_train": len(data[1]),
                }
                rows.append(row)
                if verbose:
                    print(
                        f"[{name}] {method:8s} rho={rho:.2f} seed={seed}: clean "
                        f"{row['clean_acc']:.4f} PGD-{settings['eval_steps']} "
                        f"{row['robust_acc']:.4f} passes {row['adv_passes']:,} "
                        f"({row['fit_seconds']:.1f} s)",
                        file=sys.stderr, flush=True,
                    )
    return pd.DataFrame(rows)


def epoch_times(
    name,
    methods=("clean", "all", "margin", "gradient", "random"),
    ratios=(0.25, 0.5),
    *,
    batch_size=None,
    rounds=3,
    epochs=2,
    data_home=None,
    max_train_rows=None,
):
    """Wall time of one training epoch per method: the minimum over repeated runs.

    The configurations are run in interleaved rounds (every configuration
    once per round, `epochs` epochs each, warm-up off) and the fastest epoch
    is kept, which damps the noise of a shared machine.

    Returns
    -------
    times : pandas.DataFrame
        Columns ``dataset, method, rho, batch_size, seconds_per_epoch,
        vs_all`` (time relative to ``all`` when it was timed).

    Examples
    --------
    >>> from sklearn_asss.adversarial.benchmark import epoch_times
    >>> times = epoch_times("digits", ["all", "margin"], [0.25], rounds=1, epochs=1,
    ...                     max_train_rows=200)
    >>> times["method"].tolist()
    ['all', 'margin']
    """
    settings = dict(DATASETS[name])
    batch_size = int(batch_size or settings["batch_size"])
    X_train, y_train, _, _ = load_benchmark_data(
        name, data_home=data_home, max_train_rows=max_train_rows
    )
    n_classes = int(y_train.max()) + 1
    best = {}
    for round_ in range(rounds):
        for method, rho in _configurations(methods, ratios):
            if method == "clean":
                net = fit_task_classifier(
                    X_train, y_train, n_classes, seed=round_, max_epochs=epochs,
                    hidden_layer_sizes=settings["hidden_layer_sizes"], batch_size=batch_size,
                )
            else:
                net = SelectiveAdversarialClassifier(
                    module__hidden_layer_sizes=settings["hidden_layer_sizes"],
                    module__n_classes=n_classes,
                    selection="all" if method == "all_pure" else method, perturb_ratio=rho,
                    epsilon=settings["epsilon"], n_steps=settings["train_steps"],
                    clip=settings["clip"], warmup_epochs=0, max_epochs=epochs,
                    batch_size=batch_size, random_state=round_,
                ).fit(X_train, y_train)
            key = (method, rho)
            best[key] = min(best.get(key, np.inf), float(min(net.history[:, "dur"])))
    times = pd.DataFrame(
        [(name, method, rho, batch_size, t) for (method, rho), t in best.items()],
        columns=["dataset", "method", "rho", "batch_size", "seconds_per_epoch"],
    )
    reference = best.get(("all", 1.0), np.nan)
    times["vs_all"] = times["seconds_per_epoch"] / reference
    return times


def times_markdown(times):
    """Epoch times as a Markdown table."""
    lines = [
        "| data set | batch | method | rho | s / epoch (fastest) | vs all |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    for row in times.itertuples(index=False):
        rho = f"{row.rho:.2f}" if row.method in SELECTIVE else "-"
        ratio = "-" if not np.isfinite(row.vs_all) else f"{row.vs_all:.2f}"
        lines.append(
            f"| {row.dataset} | {row.batch_size} | {row.method} | {rho} | "
            f"{row.seconds_per_epoch:.2f} | {ratio} |"
        )
    return "\n".join(lines) + "\n"


def summarize(runs):
    """Mean and standard deviation over seeds of each (data set, method, rho).

    The ``passes_vs_all`` column is the mean PGD passes divided by those of
    ``all`` on the same data set (when ``all`` was run).
    """
    keys = ["dataset", "method", "rho"]
    grouped = runs.groupby(keys, sort=False)
    summary = grouped.agg(
        n_seeds=("seed", "nunique"),
        clean_mean=("clean_acc", "mean"), clean_std=("clean_acc", "std"),
        robust_mean=("robust_acc", "mean"), robust_std=("robust_acc", "std"),
        passes_mean=("adv_passes", "mean"),
        fit_seconds_mean=("fit_seconds", "mean"),
    ).reset_index()
    full = summary[summary["method"] == "all"].set_index("dataset")["passes_mean"]
    summary["passes_vs_all"] = summary["passes_mean"] / summary["dataset"].map(full)
    return summary


def to_markdown(summary):
    """The summary as a Markdown table (accuracies in percent, mean ± std)."""
    lines = [
        "| data set | method | rho | clean acc. (%) | PGD acc. (%) | PGD passes | vs all | fit s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in summary.itertuples(index=False):
        rho = f"{row.rho:.2f}" if row.method in SELECTIVE else "-"
        ratio = "-" if not np.isfinite(row.passes_vs_all) else f"{row.passes_vs_all:.2f}"
        lines.append(
            f"| {row.dataset} | {row.method} | {rho} | "
            f"{100 * row.clean_mean:.2f} ± {100 * _nan0(row.clean_std):.2f} | "
            f"{100 * row.robust_mean:.2f} ± {100 * _nan0(row.robust_std):.2f} | "
            f"{row.passes_mean:,.0f} | {ratio} | {row.fit_seconds_mean:.1f} |"
        )
    return "\n".join(lines) + "\n"


def paired_differences(runs, baseline):
    """Robust accuracy minus that of `baseline`, paired by data set and seed.

    For a selective `baseline` (``"random"``, ...) the pairs also share rho;
    for ``"all"``, ``"all_pure"`` or ``"clean"`` every method is compared
    with the baseline run of the same seed.

    Returns
    -------
    diffs : pandas.DataFrame
        One row per (data set, method, rho) other than the baseline, with the
        mean and standard deviation of the per-seed differences (in
        accuracy points, i.e. fractions) and ``wins``: the number of seeds
        where the method beat the baseline, out of ``n_pairs``.
    """
    base = runs[runs["method"] == baseline]
    on = ["dataset", "seed"] + (["rho"] if baseline in SELECTIVE else [])
    merged = runs[runs["method"] != baseline].merge(
        base[on + ["robust_acc"]], on=on, suffixes=("", "_base")
    )
    merged["diff"] = merged["robust_acc"] - merged["robust_acc_base"]
    return (
        merged.groupby(["dataset", "method", "rho"], sort=False)
        .agg(diff_mean=("diff", "mean"), diff_std=("diff", "std"),
             wins=("diff", lambda d: int((d > 0).sum())), n_pairs=("diff", "size"))
        .reset_index()
        .assign(baseline=baseline)
    )


def paired_markdown(diffs):
    """Paired differences as a Markdown table (points of robust accuracy)."""
    lines = [
        "| data set | method | rho | vs | PGD acc. difference (points) | wins |",
        "| --- | --- | ---: | --- | ---: | ---: |",
    ]
    for row in diffs.itertuples(index=False):
        rho = f"{row.rho:.2f}" if row.method in SELECTIVE else "-"
        lines.append(
            f"| {row.dataset} | {row.method} | {rho} | {row.baseline} | "
            f"{100 * row.diff_mean:+.2f} ± {100 * _nan0(row.diff_std):.2f} | "
            f"{row.wins}/{row.n_pairs} |"
        )
    return "\n".join(lines) + "\n"


def _nan0(value):
    return 0.0 if not np.isfinite(value) else value


def main(argv=None):
    """The command line; ``python -m sklearn_asss.adversarial.benchmark --help``."""
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_asss.adversarial.benchmark",
        description="Selective adversarial training: clean and PGD accuracy, PGD passes.",
    )
    parser.add_argument("--datasets", nargs="+", default=["digits", "shuttle"],
                        choices=sorted(DATASETS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--ratios", nargs="+", type=float, default=[0.25, 0.5])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--max-train-rows", type=int, default=None,
                        help="stratified subsample of the training rows")
    parser.add_argument("--max-epochs", type=int, default=None,
                        help="override the data sets' numbers of epochs")
    parser.add_argument("--clean-weight", type=float, default=1.0)
    parser.add_argument("--warmup-epochs", type=int, default=2)
    parser.add_argument("--out-csv", default=None, help="write one row per run here")
    parser.add_argument("--out-md", default=None, help="write the summary table here")
    parser.add_argument("--from-csv", default=None,
                        help="summarise the runs of an earlier --out-csv instead of training")
    parser.add_argument("--timing", action="store_true",
                        help="measure seconds per epoch instead (fastest of --rounds rounds)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="with --timing: override the data sets' batch size")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)

    if args.timing:
        table = "".join(
            times_markdown(epoch_times(
                name, args.methods, args.ratios, batch_size=args.batch_size,
                rounds=args.rounds, data_home=args.data_home,
                max_train_rows=args.max_train_rows,
            ))
            for name in args.datasets
        )
        if args.out_md:
            with open(args.out_md, "w") as handle:
                handle.write(table)
        print(table)
        return 0

    if args.from_csv:
        runs = pd.read_csv(args.from_csv)
    else:
        runs = run_benchmark(
            args.datasets, args.seeds, args.ratios, args.methods,
            data_home=args.data_home, max_train_rows=args.max_train_rows,
            max_epochs=args.max_epochs, clean_weight=args.clean_weight,
            warmup_epochs=args.warmup_epochs, verbose=0 if args.quiet else 1,
        )
    table = to_markdown(summarize(runs))
    for baseline in ("all", "random"):
        if baseline in set(runs["method"]):
            diffs = paired_differences(runs, baseline)
            if baseline == "all":
                diffs = diffs[diffs["method"].isin(SELECTIVE)]
            if len(diffs):
                table += "\n" + paired_markdown(diffs)
    if args.out_csv and not args.from_csv:
        runs.to_csv(args.out_csv, index=False)
    if args.out_md:
        with open(args.out_md, "w") as handle:
            handle.write(table)
    print(table)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
