"""Issue 14's acceptance bars, cell by cell, on the quality grid's rows.

Usage::

    python benchmarks/grid_verdict.py doc/benchmarks/quality_grid/*/rows.csv \
        [--candidate asss] [--exclude asss_clf] [--times times.csv ...]
    python benchmarks/grid_verdict.py doc/benchmarks/quality_grid/P/rows.csv \
        --reach doc/benchmarks/quality_grid/P/variants.csv
    python benchmarks/grid_verdict.py doc/benchmarks/quality_grid/*/rows.csv \
        --candidate asss_ug --with-variants --exclude asss --times T.csv --times-as asss

For the candidate method, in every cell (data set, label noise, keep ratio) of
the rows given, prints a Markdown table of paired differences in points of PRR
(standard error in brackets) and the bars it misses (and, above the table, how
many cells miss each bar). The bars:

- ``best``: macro F1 and accuracy at least those of the best other method (by
  mean) minus one paired standard error;
- ``cleanlab`` (noisy cells): macro F1 at least cleanlab + random's, a flipped
  share of the kept rows and a selection time at most cleanlab's (means);
- ``floor``: macro F1 ahead of ``random_floor`` by at least two paired
  standard errors, in noisy cells and clean cells keeping 3% or less.

``--reach`` asks which cells any measured configuration meets: every method
of the rows (and of the files given) is judged in turn against the
*baselines*, the methods whose names do not begin with the candidate's. Per
cell it lists the candidate's configurations (its name and its variants,
e.g. ``asss_sqrtp``) that meet every bar but the time, and the samplers
(configurations or baselines) that meet both ``best`` bars. A cell no
sampler meets both in is a trade between accuracy and macro F1 among the
samplers measured. A configuration with fewer fold-draws than the others
has wider standard errors, and the best of many configurations is an
optimistic estimate: what no configuration meets is the finding.

``--regimes`` summarises the cells per regime instead (flipped labels; clean labels at
1-3% kept; clean at 10-30%): in how many the candidate leads the best other method by more
than one paired standard error, is within one, or trails it, in macro F1 and accuracy;
which methods lead where it trails; with flipped labels the same against cleanlab +
random, and the two flipped shares of the kept rows.

``--with-variants`` judges a candidate whose rows are in the ``variants.csv``
beside each rows file (a default not yet made again as the grid's ``asss``):
its rows there join the others on the fold-draws they share.

Selection times are those of the rows: they are comparable only where the
studies ran alone on the machine. ``--times`` takes them instead from files
of ``bench_selection_time.py --out``, where the samplers took turns in one
run, for the cells they time (data set, label noise and keep ratio).
``--times-as M`` gives the candidate the times of method ``M`` there (a
variant whose selection costs the same).
"""

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from sklearn_asss.benchmark import made_by, paired_differences, read_rows
from sklearn_asss.benchmark._report import CELL, PAIR
from sklearn_asss.benchmark._runner import FULL

FLOOR_METHOD, FILTER_METHOD = "random_floor", "cleanlab"
REGIMES = {
    "flipped labels": lambda cell: cell["noise_rate"] > 0,
    "clean, 1-3% kept": lambda cell: (cell["noise_rate"] == 0) & (cell["keep_ratio"] <= 0.03),
    "clean, 10-30% kept": lambda cell: (cell["noise_rate"] == 0) & (cell["keep_ratio"] > 0.03),
}


def cell_verdicts(rows, candidate, times=None):
    """One row per cell: the candidate's paired differences and the bars it misses.

    `times` (a frame of ``bench_selection_time.py --out``) replaces the rows'
    mean selection times of the cells and methods it holds.
    """
    others = paired_differences(rows, reference=candidate)
    means = _cell_means(rows)
    if times is not None:
        means.update(times.set_index([*CELL, "method"])[["selection_s"]])
    verdicts = []
    for cell, data in others.groupby(CELL, sort=False):
        verdicts.append(_verdict(dict(zip(CELL, cell)), data.set_index("method"), means,
                                 candidate))  # fmt: skip
    table = pd.DataFrame(verdicts)
    return table[[c for c in table.columns if c != "misses"] + ["misses"]]


def _cell_means(rows):
    """Each cell's and method's mean flipped share of the kept rows and selection time."""
    return rows[rows["status"] == "ok"].groupby([*CELL, "method"])[
        ["flipped_in_subset", "selection_s"]
    ].mean()


def misses_by_bar(table):
    """How many cells of a :func:`cell_verdicts` table miss each bar, most missed first."""
    return table["misses"].map(_bars_missed).explode().dropna().value_counts()


def _bars_missed(misses):
    """The bars a cell's ``misses`` names, without the method that sets one, in order."""
    return [bar.split(" (")[0] for bar in misses.split(", ") if bar != "none"]


def reach(rows, candidate):
    """Per cell, the `candidate`'s configurations that meet every bar but the time, and the
    samplers that meet both ``best`` bars, each judged against the baselines (`--reach`)."""
    baselines = ~rows["method"].str.startswith(candidate)
    judged = []
    for method in sorted(set(rows["method"]) - {FULL}):
        own = rows[(rows["method"] == method) & (rows["status"] == "ok")]
        cells = own[CELL].drop_duplicates()
        others = rows[baselines & (rows["method"] != method)].merge(cells, on=CELL)
        table = cell_verdicts(pd.concat([others, own]), method)
        missed = table["misses"].map(lambda misses: set(_bars_missed(misses)))
        judged.append(table[CELL].assign(
            method=method, quality=missed.map(lambda bars: not bars - {"cleanlab time"}),
            best=missed.map(lambda bars: not bars & {"best F1", "best acc"}),
        ))  # fmt: skip
    judged = pd.concat(judged)
    configurations = judged[judged["method"].str.startswith(candidate)]
    return pd.DataFrame({
        "configurations": configurations.groupby(CELL).size(),
        "every bar but the time": _names(configurations[configurations["quality"]]),
        "both best bars": _names(judged[judged["best"]]),
    }).fillna("").reset_index()  # fmt: skip


def regimes(rows, candidate):
    """Per regime of :data:`REGIMES`, the candidate against the best other method of each
    cell and against cleanlab + random, counted ahead / level / behind by one paired SE
    (macro F1 and accuracy PRR), and the mean flipped shares of the kept rows (`--regimes`)."""
    others = paired_differences(rows, reference=candidate)
    best_f1, best_acc = (_best_by(others, score) for score in ("prr_f1_macro", "prr_accuracy"))
    versus_filter = others[others["method"] == FILTER_METHOD]
    flipped = _cell_means(rows)["flipped_in_subset"]
    summary = []
    for regime, selects in REGIMES.items():
        f1, acc = best_f1[selects(best_f1)], best_acc[selects(best_acc)]
        if f1.empty:
            continue
        behind = f1[_trails(f1, "prr_f1_macro")]["method"].value_counts()
        line = {"regime": regime, "cells": len(f1),
                "vs best F1": _tally(f1, "prr_f1_macro"),
                "vs best acc": _tally(acc, "prr_accuracy"),
                "behind in F1 (by)": ", ".join(f"{m} {n}" for m, n in behind.items())}
        filtered = versus_filter[selects(versus_filter)]
        if len(filtered):
            cells = pd.MultiIndex.from_frame(filtered[CELL])
            shares = (100 * flipped.xs(method, level="method").reindex(cells).mean()
                      for method in (candidate, FILTER_METHOD))
            line["vs cleanlab F1"] = _tally(filtered, "prr_f1_macro")
            line["flipped %"] = "{:.1f}/{:.1f}".format(*shares)
        summary.append(line)
    return pd.DataFrame(summary).fillna("")


def _best_by(others, score):
    """Per cell, the other method of the highest mean difference in `score`."""
    return others.loc[others.groupby(CELL)[f"d_{score}"].idxmax()]


def _tally(differences, score):
    """'ahead / level / behind' by one paired SE; `differences` are other minus candidate."""
    d, se = differences[f"d_{score}"], differences[f"se_{score}"]
    return f"{(-d > se).sum()} / {(d.abs() <= se).sum()} / {_trails(differences, score).sum()}"


def _trails(differences, score):
    """Where the candidate trails the other method by more than one paired SE in `score`."""
    return differences[f"d_{score}"] > differences[f"se_{score}"]


def _names(judged, shown=3):
    """Per cell, how many methods and the first `shown` of them."""

    def listed(methods):
        more = f", +{len(methods) - shown}" if len(methods) > shown else ""
        return f"{len(methods)}: " + ", ".join(methods[:shown]) + more

    return judged.groupby(CELL)["method"].agg(lambda m: listed(sorted(m)))


def _verdict(cell, others, means, candidate):
    """`others` holds each other method minus the candidate, in points."""
    noisy = cell["noise_rate"] > 0
    misses = []
    best = others["d_prr_f1_macro"].idxmax()
    row = dict(cell, best=best)
    for score, label in (("prr_f1_macro", "F1"), ("prr_accuracy", "acc")):
        best_score = others[f"d_{score}"].idxmax()
        lead, se = -others.at[best_score, f"d_{score}"], others.at[best_score, f"se_{score}"]
        row[f"vs best {label}"] = f"{lead:+.1f} ({se:.1f})"
        if lead < -se:
            misses.append(f"best {label} ({best_score})")
    if FLOOR_METHOD in others.index:
        lead = -others.at[FLOOR_METHOD, "d_prr_f1_macro"]
        se = others.at[FLOOR_METHOD, "se_prr_f1_macro"]
        row["vs floor F1"] = f"{lead:+.1f} ({se:.1f})"
        if (noisy or cell["keep_ratio"] <= 0.03) and not lead >= 2 * se:
            misses.append("floor")
    if noisy and FILTER_METHOD in others.index:
        lead = -others.at[FILTER_METHOD, "d_prr_f1_macro"]
        se = others.at[FILTER_METHOD, "se_prr_f1_macro"]
        row["vs cleanlab F1"] = f"{lead:+.1f} ({se:.1f})"
        mine, theirs = (means.loc[(*cell.values(), m)] for m in (candidate, FILTER_METHOD))
        flipped = 100 * mine.flipped_in_subset, 100 * theirs.flipped_in_subset
        row["flipped %"] = "{:.1f}/{:.1f}".format(*flipped)
        row["selection s"] = f"{mine.selection_s:.1f}/{theirs.selection_s:.1f}"
        misses += [name for name, missed in [
            ("cleanlab F1", lead < 0),
            ("cleanlab flipped", mine.flipped_in_subset > theirs.flipped_in_subset),
            ("cleanlab time", mine.selection_s > theirs.selection_s),
        ] if missed]  # fmt: skip
    row["misses"] = ", ".join(misses) or "none"
    return row


def with_variant_rows(rows, variants, candidate):
    """`rows` and the `candidate`'s rows of `variants` on the fold-draws `rows` hold (but
    not for the candidate already: a fold-draw is never counted twice)."""
    keys = [*CELL, *PAIR]
    own = variants[variants["method"] == candidate]
    held = rows.loc[rows["method"] != FULL, keys].drop_duplicates()
    had = rows.loc[rows["method"] == candidate, keys]
    joined = own.merge(held, on=keys).merge(had, on=keys, how="left", indicator=True)
    added = joined[joined["_merge"] == "left_only"]
    return pd.concat([rows, added.reindex(columns=rows.columns)])


def times_as(times, candidate, method):
    """`times` with `method`'s taken as the `candidate`'s (`--times-as`)."""
    times = times[times["method"] != candidate]
    return pd.concat([times, times[times["method"] == method].assign(method=candidate)])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="+", help="rows.csv files of the grid's parts")
    parser.add_argument("--candidate", default="asss")
    parser.add_argument("--exclude", nargs="*", default=[],
                        help="methods left out of the comparison (other candidates)")
    parser.add_argument("--times", nargs="*", default=[],
                        help="bench_selection_time.py --out files: the time bar's times")
    parser.add_argument("--reach", nargs="*", metavar="VARIANTS",
                        help="which cells any configuration meets (with variants' rows)")
    parser.add_argument("--regimes", action="store_true",
                        help="a summary per regime instead of the cells")
    parser.add_argument("--with-variants", action="store_true",
                        help="the candidate's rows from the variants.csv beside each rows file")
    parser.add_argument("--times-as", metavar="METHOD",
                        help="the candidate takes METHOD's times from --times")
    args = parser.parse_args()
    if args.reach is not None:
        rows = pd.concat([read_rows(path) for path in [*args.rows, *args.reach]])
        table = reach(rows[~rows["method"].isin(args.exclude)], args.candidate)
        met = (table["every bar but the time"] != "").sum()
        print(f"{met} of {len(table)} cells met by a configuration of {args.candidate}; "
              f"{(table['both best bars'] == '').sum()} in which no sampler meets both best "
              f"bars\n")  # fmt: skip
        print(table.to_markdown(index=False))
        return
    times = pd.concat(map(pd.read_csv, args.times)) if args.times else None
    if times is not None and args.times_as:
        times = times_as(times, args.candidate, args.times_as)
    for path in args.rows:
        rows = read_rows(path)
        if args.with_variants:
            variants = Path(path).with_name("variants.csv")
            rows = with_variant_rows(rows, read_rows(variants), args.candidate)
        rows = rows[~rows["method"].isin(args.exclude)]
        if args.candidate not in set(rows["method"]):
            print(f"{path}: no rows of {args.candidate}; skipped")
            continue
        if args.regimes:
            print(f"\n## {path}: {args.candidate} per regime (ahead / level / behind by one "
                  f"paired SE; flipped %: {args.candidate}/{FILTER_METHOD})\n")
            print(regimes(rows, args.candidate).to_markdown(index=False))
            continue
        table = cell_verdicts(rows, args.candidate, times)
        pairs = rows[rows["method"] == args.candidate].groupby(CELL)[PAIR].size()
        missed = int((table["misses"] != "none").sum())
        print(f"\n## {path}: {args.candidate}, {int(np.median(pairs))} fold-draws per cell; "
              f"{missed} of {len(table)} cells miss a bar\n")  # fmt: skip
        print("Rows made by: " + "; ".join(made_by(rows)) + "\n")
        counts = misses_by_bar(table)
        if len(counts):
            print("Cells missing each bar: "
                  + ", ".join(f"{bar} {n}" for bar, n in counts.items()) + "\n")  # fmt: skip
        print(table.to_markdown(index=False))


if __name__ == "__main__":
    main()
