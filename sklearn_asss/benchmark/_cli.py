"""The command line of the benchmark."""

import argparse
import ast
import shlex
import sys
import time

import pandas as pd

from ._protocol import DATASETS, METHODS, BenchmarkConfig, resolve_methods, run_benchmark
from ._report import merge_runs, write_report

_EPILOG = """\
examples:
  python -m sklearn_asss.benchmark                      # digits, all methods, ~minutes
  python -m sklearn_asss.benchmark --datasets shuttle connect-4 --cv 5 --repeats 1 \\
      --out doc/benchmarks/clean
  python -m sklearn_asss.benchmark --datasets kddcup --max-samples 50000 \\
      --label-noise 0.2 --param asss.max_epochs=20 --out results/kdd_noisy

Data sets other than the scikit-learn ones are read from --data-home, else from
the directory named by $SKLEARN_ASSS_DATA (see sklearn_asss.datasets).
"""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_asss.benchmark",
        description=(
            "Compare subsampling methods by the performance a 3-layer MLP trained on "
            "each subset retains (PRR), with stratified k-fold cross-validation, "
            "paired by fold (same initial weights and epochs for every method)."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--datasets", nargs="+", default=["digits"], metavar="NAME",
        help=f"data sets, among {', '.join(DATASETS)} (default: digits)",
    )  # fmt: skip
    parser.add_argument(
        "--methods", nargs="+", default=None, metavar="NAME",
        help=f"methods, among {', '.join(METHODS)} (default: all available; cleanlab "
        "only with --label-noise)",
    )  # fmt: skip
    parser.add_argument("--out", default="benchmark_results", help="output directory")
    parser.add_argument("--cv", type=int, default=5, help="folds (default: 5)")
    parser.add_argument(
        "--repeats", type=int, default=1, help="repeats of the k-fold (default: 1; the paper: 10)"
    )
    parser.add_argument(
        "--keep-ratio", type=float, default=0.3,
        help="share of each training fold kept (default: 0.3)",
    )  # fmt: skip
    parser.add_argument(
        "--epochs", type=int, default=20,
        help="epochs of every MLP trained for scoring (default: 20)",
    )  # fmt: skip
    parser.add_argument(
        "--subset-epochs", type=int, default=None, metavar="N",
        help="epochs of the MLPs trained on subsets (default: --epochs, the paper's "
        "protocol; a subset then gets keep-ratio times the gradient steps of the full "
        "model; --epochs / --keep-ratio equalises the steps)",
    )  # fmt: skip
    parser.add_argument(
        "--label-noise", type=float, default=0.0, metavar="SHARE",
        help="flip this share of the training labels to another class (test labels stay clean)",
    )  # fmt: skip
    parser.add_argument(
        "--max-samples", type=int, default=None, metavar="N",
        help="cap each data set at N rows by a stratified random draw, before the folds "
        "(for quick runs; every class keeps at least one row)",
    )  # fmt: skip
    parser.add_argument("--batch-size", type=int, default=256, help="MLP batch size")
    parser.add_argument("--device", default="cpu", help="torch device of every network")
    parser.add_argument("--seed", type=int, default=0, help="seed of folds, noise and networks")
    parser.add_argument("--data-home", default=None, help="directory holding the data files")
    parser.add_argument(
        "--param", action="append", default=[], metavar="METHOD.NAME=VALUE",
        help="a sampler parameter, e.g. asss.max_epochs=20 (repeatable; the value is "
        "read as a Python literal, else a string)",
    )  # fmt: skip
    parser.add_argument(
        "--reference", default="asss", help="method the paired tests compare with the others"
    )
    parser.add_argument(
        "--combine", nargs="+", default=None, metavar="CSV",
        help="run nothing: merge the folds.csv files of earlier runs into one report in "
        "--out; a later file's row replaces an earlier one of the same data set, repeat, "
        "fold and method (rerun some methods with the same settings to update them)",
    )  # fmt: skip
    parser.add_argument("--title", default=None, help="title of the report")
    parser.add_argument("--list", action="store_true", help="list data sets and methods; exit")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def parse_params(items):
    """``["asss.max_epochs=20", ...]`` -> ``{"asss": {"max_epochs": 20}}``."""
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        method, dot, name = key.partition(".")
        if not sep or not dot or not method or not name:
            raise ValueError(f"--param expects METHOD.NAME=VALUE; got {item!r}.")
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            pass
        params.setdefault(method, {})[name] = value
    return params


def _list():
    methods, notes = resolve_methods(list(METHODS))
    available = {m.name for m in methods}
    print("data sets:", ", ".join(DATASETS))
    print("methods:")
    for name, method in METHODS.items():
        state = "available" if name in available else "NOT available"
        print(f"  {name:<18} {state:<14} {method.description}")
    for note in notes:
        print("  note:", note)


def main(argv=None):
    """Run the benchmark from command-line arguments; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list:
        _list()
        return 0
    argv = sys.argv[1:] if argv is None else list(argv)
    command = "python -m sklearn_asss.benchmark " + shlex.join(argv)
    if args.combine:
        folds, notes = merge_runs([pd.read_csv(path) for path in args.combine])
        notes = [f"merged from {', '.join(args.combine)}", *notes]
        paths = write_report(
            folds, notes, args.out, command=command, reference=args.reference,
            title=args.title,
        )  # fmt: skip
        print("\n".join(f"wrote {path}" for path in paths.values() if path is not None))
        return 0
    try:
        config = BenchmarkConfig(
            datasets=args.datasets, methods=args.methods, cv=args.cv,
            repeats=args.repeats, keep_ratio=args.keep_ratio, epochs=args.epochs,
            subset_epochs=args.subset_epochs,
            label_noise=args.label_noise, max_samples=args.max_samples,
            batch_size=args.batch_size, device=args.device, seed=args.seed,
            data_home=args.data_home, method_params=parse_params(args.param),
            reference=args.reference,
        )  # fmt: skip
        config.validate()
    except ValueError as error:
        parser.error(str(error))
    start = time.perf_counter()
    folds, notes = run_benchmark(config, progress=not args.quiet)
    elapsed = time.perf_counter() - start
    notes = [*notes, f"wall time of the whole run: {elapsed:.0f} s"]
    paths = write_report(
        folds, notes, args.out, command=command, reference=args.reference, title=args.title
    )
    if not args.quiet:
        for note in notes:
            print("note:", note, file=sys.stderr)
    print("\n".join(f"wrote {path}" for path in paths.values() if path is not None))
    return 0
