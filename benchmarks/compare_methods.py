"""One method against another on the quality grid's rows: per cell, pooled, and against chance.

Usage::

    python benchmarks/compare_methods.py doc/benchmarks/quality_grid/large_mlp/rows.csv \
        doc/benchmarks/quality_grid/large_mlp/variants.csv --new asss --old asss_0b7eb5f \
        [--datasets shuttle connect-4] [--keep-ratios 0.03 0.3] [--noise-kinds none symmetric] \
        [--by-fit]

Reads the rows of every file given (e.g. a part's ``rows.csv`` and
``variants.csv``), pairs ``--new`` with ``--old`` by fold and draw in every
cell kept by the filters, and prints for accuracy and macro-F1 PRR:

- each cell's mean difference, new minus old, in points, and its paired
  standard error;
- the cells worse by more than one standard error, and how many a method of
  the same quality as the old one would show by chance: a mean of n
  fold-draws falls more than one standard error below its true value with
  probability ``t.cdf(-1, n - 1)`` (0.165 for 20);
- the mean of the cells' differences per data set and label setting, its
  standard error from theirs, and the mean of all the differences in
  standard errors (its standard error is 1 over the square root of their
  number, when the methods are of the same quality).

It first says what made each method's rows (their code and platform, where
the runner recorded them), and warns when the two come from different
platforms: the same code gives other subsets on another machine or build.

With ``--by-fit``, each fit counts once: the scores of a fold's draws are
averaged first, and a cell's standard error is that of its fits. The grid's
later draws of a fold redraw from the sampler fitted for its first
(``reuse_fits``), so their differences share the fit's, and the standard
error over fold-draws understates the uncertainty of a change in the fit.
"""

import argparse

import numpy as np
import pandas as pd
from scipy import stats

from sklearn_asss.benchmark import made_by, paired_differences, read_rows
from sklearn_asss.benchmark._report import CELL, PAIRED

SCORES = {"prr_accuracy": "accuracy", "prr_f1_macro": "macro F1"}


def cell_differences(rows, new, old):
    """Per cell of `rows`: `new` minus `old` (``d_``/``se_`` of each score, ``n_pairs``)."""
    paired = paired_differences(rows[rows["method"].isin([new, old])], reference=old)
    if paired.empty:  # no cell holds both
        return paired
    return paired[paired["method"] == new].reset_index(drop=True)


def fit_means(rows):
    """One row per fit: each (cell, repeat, fold, method)'s scores averaged over its draws."""
    ok = rows[rows["status"] == "ok"]
    means = ok.groupby(CELL + ["repeat", "fold", "method"], as_index=False)[PAIRED].mean()
    return means.assign(draw=0, status="ok")


def chance_summary(cells):
    """Per score: cells worse by more than one SE, as many expected by chance, mean z."""
    summary = {}
    for score in SCORES:
        z = cells[f"d_{score}"] / cells[f"se_{score}"]
        summary[score] = dict(
            worse=int((z < -1).sum()),
            expected=float(stats.t.cdf(-1, cells["n_pairs"] - 1).sum()),
            mean_z=float(z.mean()),
        )
    return summary


def pooled(cells):
    """The mean of the cells' differences per data set and label setting, with its SE."""
    groups = cells.groupby(["dataset", "noise_kind"], sort=False)
    out = {}
    for score in SCORES:
        out[f"d_{score}"] = groups[f"d_{score}"].mean()
        out[f"se_{score}"] = groups[f"se_{score}"].apply(_pooled_se)
    return pd.DataFrame(out).reset_index()


def provenance_lines(rows, new, old):
    """What made `new`'s and `old`'s rows (:func:`~sklearn_asss.benchmark.made_by`), and a
    warning where their recorded platforms differ."""
    lines, platforms = [], []
    for method in (new, old):
        of_method = rows[rows["method"] == method]
        lines += [f"{method}: {line}" for line in made_by(of_method)]
        platforms.append(set(of_method["platform"].dropna()))
    if all(platforms) and platforms[0] != platforms[1]:
        lines.append(
            f"warning: {new}'s and {old}'s rows were made on different platforms; the same "
            "code gives other subsets on another machine or build, so their differences "
            "include that noise"
        )
    return lines


def _pooled_se(standard_errors):
    """The standard error of the mean of independent means with these standard errors."""
    return np.sqrt((standard_errors**2).sum()) / len(standard_errors)


def _with_scores(frame, columns):
    """`frame`'s `columns` and each score as "difference (SE)", for printing."""
    table = frame[columns].copy()
    for score, name in SCORES.items():
        pairs = frame[[f"d_{score}", f"se_{score}"]].values
        table[name] = [f"{d:+.2f} ({se:.2f})" for d, se in pairs]
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="+", help="rows.csv / variants.csv files")
    parser.add_argument("--new", required=True)
    parser.add_argument("--old", required=True)
    parser.add_argument("--datasets", nargs="*")
    parser.add_argument("--keep-ratios", type=float, nargs="*")
    parser.add_argument("--noise-kinds", nargs="*", help="none, symmetric, pair")
    parser.add_argument("--by-fit", action="store_true", help="one pair per fit, not per draw")
    args = parser.parse_args(argv)
    rows = pd.concat([read_rows(path) for path in args.rows], ignore_index=True)
    for column, kept in (("dataset", args.datasets), ("keep_ratio", args.keep_ratios),
                         ("noise_kind", args.noise_kinds)):  # fmt: skip
        if kept:
            rows = rows[rows[column].isin(kept)]
    print("\n".join(provenance_lines(rows, args.new, args.old)) + "\n")
    if args.by_fit:
        rows = fit_means(rows)
    cells = cell_differences(rows, args.new, args.old)
    if cells.empty:
        raise SystemExit(f"no cell holds paired rows of both {args.new} and {args.old}")
    unit = "fit" if args.by_fit else "fold-draw"
    print(f"{args.new} minus {args.old}, points of PRR (paired SE, one pair per {unit})\n")
    print(_with_scores(cells, CELL + ["n_pairs"]).to_markdown(index=False) + "\n")
    for score, s in chance_summary(cells).items():
        print(f"{SCORES[score]}: {s['worse']} of {len(cells)} cells worse by more than one SE "
              f"(a method of the same quality: {s['expected']:.1f} on average); "
              f"mean difference {s['mean_z']:+.2f} SE ({1 / np.sqrt(len(cells)):.2f})")  # fmt: skip
    print("\npooled over the cells of each data set and label setting:\n")
    print(_with_scores(pooled(cells), ["dataset", "noise_kind"]).to_markdown(index=False))


if __name__ == "__main__":
    main()
