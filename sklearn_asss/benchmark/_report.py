"""Turning the per-fold results into a Markdown table, CSV files and a chart."""

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..metrics import SCORE_NAMES, paired_wilcoxon

_LABELS = {"accuracy": "accuracy", "f1_macro": "macro F1", "roc_auc_ovr": "macro AUC"}
_SHORT = {"accuracy": "acc.", "f1_macro": "F1", "roc_auc_ovr": "AUC"}
_AVERAGED = [
    *SCORE_NAMES,
    *(f"prr_{name}" for name in SCORE_NAMES),
    "n_kept", "selection_s", "train_s", "total_s", "time_vs_full", "flipped_kept_pct",
]  # fmt: skip


def _method_order(folds):
    """"full" first, then the known methods in registry order, then any others."""
    from ._protocol import METHODS

    known = list(METHODS)
    methods = [m for m in dict.fromkeys(folds["method"]) if m != "full"]
    rank = {m: (known.index(m) if m in known else len(known), i) for i, m in enumerate(methods)}
    return ["full", *sorted(methods, key=rank.get)]


def summarize(folds):
    """Mean and standard deviation over folds, per data set and method.

    Failed fits (``status != "ok"``) are left out of the means and counted
    in ``n_failed``.

    Parameters
    ----------
    folds : pandas.DataFrame
        The per-fold rows of :func:`run_benchmark`.

    Returns
    -------
    summary : pandas.DataFrame
        One row per (dataset, method): ``<column>_mean`` and ``<column>_std``
        for the scores, PRRs, sizes and times, ``n_folds`` and ``n_failed``.
    """
    ok = folds[folds["status"] == "ok"]
    columns = [c for c in _AVERAGED if c in ok.columns]
    grouped = ok.groupby(["dataset", "method"], sort=False)[columns]
    summary = grouped.mean().add_suffix("_mean").join(grouped.std(ddof=1).add_suffix("_std"))
    counts = folds.groupby(["dataset", "method"], sort=False)["status"]
    summary["n_folds"] = counts.size()
    summary["n_failed"] = counts.apply(lambda s: int((s != "ok").sum()))
    summary = summary.reset_index()
    order = {m: i for i, m in enumerate(_method_order(folds))}
    datasets = {d: i for i, d in enumerate(dict.fromkeys(folds["dataset"]))}
    summary = summary.sort_values(
        ["dataset", "method"], key=lambda s: s.map(datasets if s.name == "dataset" else order)
    )
    return summary.reset_index(drop=True)


def paired_tests(folds, reference="asss"):
    """Two-sided paired Wilcoxon tests of `reference` against every other method.

    The pairs are the folds: within a fold both methods were scored on the
    same test rows by models with the same initial weights.

    Returns
    -------
    tests : pandas.DataFrame
        One row per (dataset, method): ``n_pairs`` and, per score,
        ``delta_prr_<score>`` (mean of reference minus method, in PRR
        points, i.e. percent) and ``p_<score>``. Empty if `reference` did
        not run.
    """
    ok = folds[folds["status"] == "ok"]
    rows = []
    for dataset, data in ok.groupby("dataset", sort=False):
        pivot = {
            name: data.pivot_table(
                index=["repeat", "fold"], columns="method", values=f"prr_{name}"
            )
            for name in SCORE_NAMES
        }
        if reference not in pivot[SCORE_NAMES[0]].columns:
            continue
        for method in _method_order(data):
            if method == reference or method not in pivot[SCORE_NAMES[0]].columns:
                continue
            row = {"dataset": dataset, "method": method}
            for name in SCORE_NAMES:
                pair = pivot[name][[reference, method]].dropna()
                row["n_pairs"] = len(pair)
                row[f"delta_prr_{name}"] = 100 * float(
                    (pair[reference] - pair[method]).mean()
                ) if len(pair) else np.nan  # fmt: skip
                row[f"p_{name}"] = paired_wilcoxon(pair[reference], pair[method])
            rows.append(row)
    return pd.DataFrame(rows)


def _pm(mean, std, scale=1.0, digits=3):
    if pd.isna(mean):
        return "–"
    if pd.isna(std):
        return f"{scale * mean:.{digits}f}"
    return f"{scale * mean:.{digits}f} ± {scale * std:.{digits}f}"


def _p(p):
    if pd.isna(p):
        return "–"
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def markdown_report(folds, notes=(), *, command=None, reference="asss", title=None):
    """The results as Markdown: one table per data set, then the paired tests.

    Parameters
    ----------
    folds : pandas.DataFrame
        The per-fold rows of :func:`run_benchmark`.
    notes : list of str, default=()
        Skipped methods and errors, listed at the end.
    command : str, default=None
        The command that produced the results, quoted at the top.
    reference : str, default="asss"
        The method the paired tests compare with the others.
    title : str, default=None
        The first heading.

    Returns
    -------
    text : str
    """
    summary = summarize(folds)
    tests = paired_tests(folds, reference)
    noisy = folds["flipped_kept_pct"].notna().any()
    lines = [f"# {title or 'Subsampling benchmark: performance retention'}", ""]
    if command:
        lines += ["Command:", "", "```", command, "```", ""]
    lines += [
        "Scores on the test folds, mean ± standard deviation over folds. PRR = score of "
        "the MLP trained on the method's subset / score of the same MLP (same initial "
        "weights, same epochs) trained on the whole training fold, in percent. Times are "
        "wall-clock seconds per fold; *total / full* = (selection + training on the "
        "subset) / training on the full fold.",
        "",
    ]
    for dataset, table in summary.groupby("dataset", sort=False):
        info = folds[folds["dataset"] == dataset].iloc[0]
        n_folds = folds[(folds["dataset"] == dataset) & (folds["method"] == "full")]
        dup = 100 * n_folds["duplicate_share"].mean()
        lines += [
            f"## {dataset}",
            "",
            f"{int(info['n_samples']):,} rows, {int(info['n_features'])} features, "
            f"{int(info['n_classes'])} classes; {len(n_folds)} folds "
            f"({n_folds['repeat'].nunique()} repeat(s)); training folds of "
            f"{int(info['n_train']):,} rows, of which {dup:.1f}% are exact duplicates "
            "of another row.",
            "",
        ]
        header = [
            "method", *(_LABELS[s] for s in SCORE_NAMES),
            *(f"PRR {_SHORT[s]} (%)" for s in SCORE_NAMES),
            "selection (s)", "training (s)", "total / full",
        ]  # fmt: skip
        if noisy:
            header.append("flipped samples kept (%)")
        if (table["n_failed"] > 0).any():
            header.append("failed folds")
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for _, r in table.iterrows():
            name = "full data" if r["method"] == "full" else r["method"]
            if r["method"] == reference:
                name = f"**{name}**"
            cells = [
                name,
                *(_pm(r[f"{s}_mean"], r[f"{s}_std"]) for s in SCORE_NAMES),
                *(_pm(r[f"prr_{s}_mean"], r[f"prr_{s}_std"], 100, 1) for s in SCORE_NAMES),
                _pm(r["selection_s_mean"], r["selection_s_std"], digits=2),
                _pm(r["train_s_mean"], r["train_s_std"], digits=2),
                _pm(r["time_vs_full_mean"], np.nan, digits=2),
            ]  # fmt: skip
            if noisy:
                cells.append(_pm(r["flipped_kept_pct_mean"], r["flipped_kept_pct_std"], 1, 1))
            if (table["n_failed"] > 0).any():
                cells.append(f"{int(r['n_failed'])}/{int(r['n_folds'])}")
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        lines += _tests_table(tests, dataset, reference)
    lines += _notes([*notes, *_warning_notes(folds)])
    return "\n".join(lines) + "\n"


def _tests_table(tests, dataset, reference):
    if tests.empty or dataset not in set(tests["dataset"]):
        return [f"(no paired test: {reference} did not run on {dataset})", ""]
    rows = tests[tests["dataset"] == dataset]
    n = int(rows["n_pairs"].max())
    lines = [
        f"Paired two-sided Wilcoxon signed-rank tests over the {n} folds, {reference} "
        f"against each method: Δ = mean PRR of {reference} − PRR of the method "
        f"(percentage points; > 0: {reference} better), p-value in brackets. With "
        f"{n} pairs the smallest attainable p-value is {2 / 2**n:.3g}.",
        "",
        "| method | " + " | ".join(f"Δ PRR {_SHORT[s]} (p)" for s in SCORE_NAMES) + " |",
        "|---|" + "---|" * len(SCORE_NAMES),
    ]
    for _, r in rows.iterrows():
        name = "full data" if r["method"] == "full" else r["method"]
        cells = [
            f"{r[f'delta_prr_{s}']:+.1f} ({_p(r[f'p_{s}'])})"
            if not pd.isna(r[f"delta_prr_{s}"]) else "–"
            for s in SCORE_NAMES
        ]  # fmt: skip
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def _warning_notes(folds):
    """One note per (data set, method, warning): in how many folds it was raised."""
    if "warnings" not in folds.columns:
        return []
    notes = []
    for (dataset, method), data in folds.groupby(["dataset", "method"], sort=False):
        # numbers vary from fold to fold: one note per message pattern
        raised = data["warnings"].dropna().astype(str).map(
            lambda text: {_NUMBER.sub("#", m) for m in text.split("; ") if m}
        )
        for message in sorted(set().union(*raised)):
            count = int(raised.map(lambda found, m=message: m in found).sum())
            notes.append(f"{dataset}, {method}: {message} ({count}/{len(data)} folds)")
    return notes


_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def merge_runs(frames):
    """Concatenate per-fold results; a later row replaces an earlier one of the same key.

    The key is (dataset, repeat, fold, method), so a run of a few methods
    with the same ``--seed``, ``--cv``, ``--repeats``, ``--max-samples`` and
    ``--label-noise`` as an earlier run updates those methods' rows. Returns
    the merged rows and notes, including a warning when the full-data models
    of the merged runs disagree (different folds or seeds).
    """
    folds = pd.concat(frames, ignore_index=True)
    key = ["dataset", "repeat", "fold", "method"]
    notes = []
    full = folds[folds["method"] == "full"]
    spread = full.groupby(key[:3])["accuracy"].agg(lambda s: s.max() - s.min())
    if (spread > 1e-9).any():
        notes.append(
            "the merged runs' full-data models differ in some folds: the runs did not "
            "share folds, seeds or settings, so their rows are not paired"
        )
    merged = folds.drop_duplicates(key, keep="last").reset_index(drop=True)
    return merged, notes


def _notes(notes):
    if not notes:
        return []
    return ["## Notes", "", *(f"- {note}" for note in notes), ""]


def plot_prr(summary, path=None, *, title=None):
    """Bar chart of the mean PRR per method and data set, with std error bars.

    One panel per score (accuracy, macro F1, macro AUC); a dashed line marks
    100% (the full data). matplotlib is imported only here.

    Parameters
    ----------
    summary : pandas.DataFrame
        The output of :func:`summarize`.
    path : str or path-like, default=None
        Where to save the PNG; None only returns the figure.
    title : str, default=None
        Title of the figure.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    data = summary[summary["method"] != "full"]
    datasets = list(dict.fromkeys(data["dataset"]))
    methods = _method_order(summary)[1:]
    width = 0.8 / max(len(methods), 1)
    fig = Figure(
        figsize=(max(7.0, 1.2 * len(datasets) * max(len(methods), 3) / 3 + 1.5), 9.5),
        layout="constrained",
    )
    axes = fig.subplots(len(SCORE_NAMES), 1, sharex=True)
    colors = _colors(len(methods))
    x = np.arange(len(datasets))
    for ax, score in zip(axes, SCORE_NAMES):
        for i, method in enumerate(methods):
            rows = data[data["method"] == method].set_index("dataset").reindex(datasets)
            ax.bar(
                x + (i - (len(methods) - 1) / 2) * width,
                100 * rows[f"prr_{score}_mean"].to_numpy(dtype=float),
                width,
                yerr=100 * rows[f"prr_{score}_std"].fillna(0).to_numpy(dtype=float),
                capsize=2,
                label=method,
                color=colors[i],
                edgecolor="black" if method.startswith("asss") else None,
            )
        ax.axhline(100, color="black", linestyle="--", linewidth=1)
        ax.set_ylabel(f"PRR {_SHORT[score]} (%)")
        means = 100 * data[f"prr_{score}_mean"].to_numpy(dtype=float)
        finite = means[np.isfinite(means)]
        if finite.size:
            ax.set_ylim(max(0.0, min(finite.min() - 10, 90)), max(finite.max() + 5, 105))
        ax.grid(axis="y", alpha=0.3)
    axes[-1].set_xticks(x, datasets)
    fig.legend(
        *axes[0].get_legend_handles_labels(), loc="outside lower center",
        ncol=min(len(methods), 5), fontsize="small",
    )  # fmt: skip
    fig.suptitle(title or "Performance retention of each subset (mean ± std over folds)")
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def _colors(n):
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def write_report(folds, notes, out, *, command=None, reference="asss", title=None):
    """Write ``results.md``, ``folds.csv``, ``summary.csv`` and ``prr.png`` into `out`.

    The chart is skipped with a note if matplotlib is not installed.

    Returns
    -------
    paths : dict
        ``{"markdown": ..., "folds": ..., "summary": ..., "chart": ...}``.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    notes = list(notes)
    paths = {
        "folds": out / "folds.csv",
        "summary": out / "summary.csv",
        "markdown": out / "results.md",
        "chart": out / "prr.png",
    }
    folds.to_csv(paths["folds"], index=False)
    summary = summarize(folds)
    summary.to_csv(paths["summary"], index=False)
    try:
        plot_prr(summary, paths["chart"], title=title)
    except ImportError as error:
        notes.append(f"chart not written: {error} (pip install matplotlib)")
        paths["chart"] = None
    text = markdown_report(folds, notes, command=command, reference=reference, title=title)
    if paths["chart"] is not None:
        text += f"\n![PRR per method and data set]({paths['chart'].name})\n"
    paths["markdown"].write_text(text)
    return paths


__all__ = ["merge_runs", "markdown_report", "paired_tests", "plot_prr", "summarize", "write_report"]
