"""The command line, ``python -m sklearn_asss.benchmark``, built from :class:`Study`'s fields."""

import argparse
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path

from ._config import Study, cli_fields, config_parts, load_study, parse_params
from ._datasets import DATASETS
from ._methods import METHODS
from ._report import write_report
from ._runner import read_rows, run_study

_EPILOG = """\
examples:
  python -m sklearn_asss.benchmark                        # digits demo, about a minute
  python -m sklearn_asss.benchmark --config benchmarks/configs/paper.toml
  python -m sklearn_asss.benchmark --config benchmarks/configs/paper.toml --resume
  python -m sklearn_asss.benchmark --config benchmarks/configs/quality_grid.toml \\
      --part panel_forest --resume                     # one part of a grid
  python -m sklearn_asss.benchmark --datasets shuttle --keep-ratios 0.01 0.1 \\
      --label-noise 0.2 --noise-kinds pair --downstream forest --param asss.max_epochs=5

Data files are read from --data-home, else from $SKLEARN_ASSS_DATA. Settings
given on the command line replace those of --config (in every part of a grid).
"""


def build_parser():
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_asss.benchmark",
        description="Compare subsampling methods by the performance a model trained on each "
        "subset retains (PRR), paired by fold and draw.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        argument_default=argparse.SUPPRESS,
    )
    parser.add_argument("--config", help="a study's TOML file (benchmarks/configs/*.toml)")
    parser.add_argument("--part", dest="parts", nargs="+", metavar="PART",
                        help="the parts of a config's [parts.PART] tables to run, in this "
                        "order (default: every part)")  # fmt: skip
    for name, default, text, kind in cli_fields():
        flag = "--" + name.replace("_", "-")
        if isinstance(default, list):
            singular = name[:-1] if name.endswith("s") else name
            parser.add_argument(flag, nargs="+", type=kind, metavar=singular.upper(),
                                help=f"{text} (default: {' '.join(map(str, default)) or '-'})")
        elif isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction,
                                help=f"{text} (default: {'yes' if default else 'no'})")
        else:
            parser.add_argument(flag, type=type(default), metavar=name.upper(),
                                help=f"{text} (default: {default!r})")
    parser.add_argument("--noise-kind", dest="noise_kinds", nargs="+",
                        help=argparse.SUPPRESS)  # the singular of --noise-kinds
    parser.add_argument("--param", action="append", default=[], metavar="METHOD.NAME=VALUE",
                        help="a method's parameter, e.g. asss.max_epochs=20 (repeatable; "
                        "a Python literal, else a string)")
    parser.add_argument("--resume", action="store_true", default=False,
                        help="keep the rows already in <out>/rows.csv; run the missing ones")
    parser.add_argument("--list", action="store_true", default=False,
                        help="list data sets and methods; exit")
    parser.add_argument("--quiet", action="store_true", default=False, help="no progress lines")
    return parser


def study_from_args(args, part=None):
    """The :class:`Study` of parsed arguments: the config file's (its `part`), then the options."""
    options = {
        name: getattr(args, name) for name, *_ in cli_fields() if hasattr(args, name)
    }
    config = getattr(args, "config", None)
    if config is None and part is not None:
        raise ValueError("--part needs a --config with [parts.*] tables.")
    study = load_study(config, part=part) if config else Study()
    params = {method: dict(values) for method, values in study.params.items()}
    for method, values in parse_params(args.param).items():
        params.setdefault(method, {}).update(values)
    return replace(study, **options, params=params).validate()


def _list():
    print("data sets:")
    for name, dataset in DATASETS.items():
        print(f"  {name:<18} {dataset.description}")
    print("methods:")
    for name, method in METHODS.items():
        ok, reason = method.available()
        state = "" if ok else f"  [not available: {reason}]"
        print(f"  {name:<18} {method.description}{state}")


def _rows_kept_on_resume(study):
    """How many rows of an earlier run ``--resume`` keeps (its finished ones)."""
    path = Path(study.out) / "rows.csv"
    if not path.is_file():
        return 0
    return int((read_rows(path)["status"] == "ok").sum())


def main(argv=None):
    """Run a study (or each selected part of a grid) from command-line arguments.

    Returns the exit status.
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    if args.list:
        _list()
        return 0
    try:
        studies = {part: study_from_args(args, part) for part in _selected_parts(args)}
    except (ValueError, OSError) as error:
        parser.error(str(error))
    for part, study in studies.items():
        _run_and_report(study, args, _regenerating_command(argv, part))
    return 0


def _selected_parts(args):
    """``[None]`` for a plain study, else the parts asked for (default: all of them)."""
    config = getattr(args, "config", None)
    available = config_parts(config) if config else []
    asked = getattr(args, "parts", None)
    if asked is None:
        return available or [None]
    return asked


def _regenerating_command(argv, part):
    """The command that regenerates a page whole: no --resume, and only its own part."""
    kept, in_parts = [], False
    for arg in argv:
        in_parts = arg == "--part" or (in_parts and not arg.startswith("-"))
        if not in_parts and arg != "--resume" and not arg.startswith("--part="):
            kept.append(arg)
    if part is not None:
        kept += ["--part", part]
    return shlex.join(["python", "-m", "sklearn_asss.benchmark", *kept])


def _run_and_report(study, args, command):
    rows_before = _rows_kept_on_resume(study) if args.resume else 0
    start, cpu_start = time.perf_counter(), time.process_time()
    rows, notes = run_study(study, resume=args.resume, progress=not args.quiet)
    wall_s, cpu_s = time.perf_counter() - start, time.process_time() - cpu_start
    paths = write_report(
        rows, study, notes=notes, command=command, wall_s=wall_s, cpu_s=cpu_s,
        new_rows=len(rows) - rows_before,
    )
    for note in notes:
        print("note:", note, file=sys.stderr)
    print("\n".join(f"wrote {path}" for path in paths.values()))
    print(f"wall time {wall_s:.0f} s, CPU time {cpu_s:.0f} s")
