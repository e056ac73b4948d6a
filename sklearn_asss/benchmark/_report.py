"""The one report writer: summary and paired tables, the Markdown page, CSV and charts."""

from pathlib import Path

import numpy as np
import pandas as pd

from ..metrics import SCORE_NAMES, paired_wilcoxon
from ._methods import METHODS
from ._runner import FULL, PROVENANCE

#: A cell of the results: the rows of one cell are compared with each other.
CELL = ["dataset", "noise_kind", "noise_rate", "keep_ratio"]
#: Rows of one fold-draw pair across methods.
PAIR = ["repeat", "fold", "draw"]
_AVERAGED = [
    *SCORE_NAMES, *(f"prr_{s}" for s in SCORE_NAMES), "robust_accuracy", "adv_passes",
    "flipped_in_subset", "flipped_kept", "selection_s", "train_s", "peak_mb", "n_kept",
]  # fmt: skip
#: The paired differences reported (points: 100 x the difference of two fractions).
PAIRED = ["prr_accuracy", "prr_f1_macro", "prr_roc_auc_ovr", "robust_accuracy"]
_LABEL = {"prr_accuracy": "acc.", "prr_f1_macro": "F1", "prr_roc_auc_ovr": "AUC",
          "robust_accuracy": "PGD acc."}  # fmt: skip
_SCORE_TEXT = {"accuracy": "accuracy", "f1_macro": "macro F1", "roc_auc_ovr": "macro AUC"}


def _ok(rows):
    return rows[rows["status"] == "ok"]


def _method_rank(method):
    order = [FULL, *METHODS]
    return order.index(method) if method in order else len(order)


def summarize(rows):
    """Mean, standard deviation and count per cell and method, over folds and draws.

    Returns
    -------
    summary : pandas.DataFrame
        One row per (dataset, noise_kind, noise_rate, keep_ratio, method):
        ``<column>_mean`` and ``<column>_std`` of the scores, PRRs, flipped
        shares, seconds and memory, ``n`` rows that ran and ``n_failed``.
    """
    ok = _ok(rows)
    grouped = ok.groupby([*CELL, "method"], sort=False)[_AVERAGED]
    summary = grouped.mean().add_suffix("_mean").join(grouped.std(ddof=1).add_suffix("_std"))
    summary["n"] = grouped.size()
    failed = rows[rows["status"] != "ok"].groupby([*CELL, "method"]).size()
    summary["n_failed"] = failed.reindex(summary.index, fill_value=0)
    summary = summary.reset_index()
    # data sets and noise settings in the order they ran, then keep ratio, then method
    order = {key: i for i, key in enumerate(dict.fromkeys(zip(*(rows[c] for c in CELL[:3]))))}
    summary["_setting"] = [order[key] for key in zip(*(summary[c] for c in CELL[:3]))]
    summary["_method"] = summary["method"].map(_method_rank)
    summary = summary.sort_values(["_setting", "keep_ratio", "_method"], kind="stable")
    return summary.drop(columns=["_setting", "_method"]).reset_index(drop=True)


def paired_differences(rows, reference):
    """Each method minus `reference`, paired by fold and draw, in every cell.

    A method that ignores the keep ratio (recorded at 1.0) is the reference
    of every keep ratio of its data set and noise setting.

    Returns
    -------
    paired : pandas.DataFrame
        One row per cell and method other than the reference: ``n_pairs`` and
        for each of :data:`PAIRED` ``d_<score>`` (mean difference, points),
        ``se_<score>`` (its standard error) and ``p_<score>`` (two-sided
        paired Wilcoxon p over the fold-draws).
    """
    ok = _ok(rows)
    ok = ok[ok["method"] != FULL]
    ignores_keep = ok[(ok["method"] == reference) & (ok["keep_ratio"] == 1.0)]
    results = []
    for cell, data in ok.groupby(CELL, sort=False):
        ref = data[data["method"] == reference]
        if ref.empty:
            setting = pd.Series(cell[:3], CELL[:3])
            ref = ignores_keep[(ignores_keep[CELL[:3]] == setting).all(axis=1)]
            if ref.empty:
                continue
        ref = ref.set_index(PAIR)
        for method, rows_m in data.groupby("method", sort=False):
            if method == reference:
                continue
            joined = rows_m.set_index(PAIR).join(ref[PAIRED].add_suffix("_ref"), how="inner")
            result = dict(zip(CELL, cell), method=method, n_pairs=len(joined))
            for score in PAIRED:
                diff = 100 * (joined[score] - joined[f"{score}_ref"]).dropna()
                result[f"d_{score}"] = diff.mean() if len(diff) else np.nan
                result[f"se_{score}"] = diff.std(ddof=1) / np.sqrt(len(diff)) \
                    if len(diff) > 1 else np.nan  # fmt: skip
                result[f"p_{score}"] = paired_wilcoxon(joined[score], joined[f"{score}_ref"]) \
                    if len(diff) else np.nan  # fmt: skip
            results.append(result)
    return pd.DataFrame(results)


def _setting(kind, rate):
    return "clean labels" if rate == 0 else f"{100 * rate:g}% {kind} label noise"


def _pm(mean, std, scale=1.0, digits=1):
    if pd.isna(mean):
        return "–"
    if pd.isna(std):
        return f"{scale * mean:.{digits}f}"
    return f"{scale * mean:.{digits}f} ± {scale * std:.{digits}f}"


def _diff(row, score):
    d, se, p = row.get(f"d_{score}"), row.get(f"se_{score}"), row.get(f"p_{score}")
    if d is None or pd.isna(d):
        return "–"
    se_text = "–" if pd.isna(se) else f"{se:.1f}"
    p_text = "–" if pd.isna(p) else (f"{p:.3f}" if p >= 0.001 else f"{p:.0e}")
    return f"{d:+.1f} ({se_text}; p {p_text})"


def markdown_tables(rows, reference):
    """One section per data set and noise setting: full-data scores, then every method.

    Returns
    -------
    text : str
    """
    summary = summarize(rows)
    paired = paired_differences(rows, reference)
    index = paired.set_index([*CELL, "method"]) if len(paired) else None
    robust = summary["robust_accuracy_mean"].notna().any()
    noisy = summary["flipped_kept_mean"].notna().any()
    lines = []
    for (dataset, kind, rate), data in summary.groupby(CELL[:3], sort=False):
        lines += [f"## {dataset}, {_setting(kind, rate)}", ""]
        full = data[data["method"] == FULL]
        if len(full):
            f = full.iloc[0]
            text = ", ".join(
                f"{_SCORE_TEXT[s]} {_pm(f[f'{s}_mean'], f[f'{s}_std'], digits=4)}"
                for s in SCORE_NAMES
            )
            if robust:
                text += f", PGD accuracy {_pm(f['robust_accuracy_mean'], np.nan, digits=4)}"
            lines += [f"Model trained on the whole training fold ({int(f['n'])} folds): "
                      f"{text}.", ""]  # fmt: skip
        scores = ["prr_accuracy", "prr_f1_macro", "prr_roc_auc_ovr"]
        header = ["keep", "method", "n", *(f"PRR {_LABEL[s]} (%)" for s in scores),
                  *(f"Δ PRR {_LABEL[s]} vs {reference} (SE; p)" for s in scores[:2])]
        if robust:
            header += ["PGD acc. (%)", f"Δ PGD acc. vs {reference} (SE; p)", "PGD passes"]
        if noisy:
            header += ["flipped in subset (%)", "flipped kept (%)"]
        header += ["selection (s)", "training (s)", "peak memory (MB)"]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for _, r in data[data["method"] != FULL].iterrows():
            key = (dataset, kind, rate, r["keep_ratio"], r["method"])
            pair = index.loc[key].to_dict() if index is not None and key in index.index else {}
            name = f"**{r['method']}**" if r["method"] == reference else r["method"]
            cells = [f"{r['keep_ratio']:g}", name, str(int(r["n"]))]
            cells += [_pm(r[f"{s}_mean"], r[f"{s}_std"], 100) for s in scores]
            cells += [_diff(pair, s) for s in scores[:2]]
            if robust:
                cells += [_pm(r["robust_accuracy_mean"], r["robust_accuracy_std"], 100),
                          _diff(pair, "robust_accuracy"),
                          f"{r['adv_passes_mean']:,.0f}" if pd.notna(r["adv_passes_mean"])
                          else "–"]  # fmt: skip
            if noisy:
                cells += [_pm(r["flipped_in_subset_mean"], np.nan, 100),
                          _pm(r["flipped_kept_mean"], np.nan, 100)]  # fmt: skip
            cells += [_pm(r["selection_s_mean"], np.nan, digits=2),
                      _pm(r["train_s_mean"], np.nan, digits=2),
                      _pm(r["peak_mb_mean"], np.nan, digits=0)]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def plot_against_keep_ratio(summary, path=None, *, score="prr_f1_macro", title=None):
    """Mean `score` against the keep ratio, one panel per data set and noise setting.

    A line per method with a band of ± one standard error over the fold-draws;
    the keep ratio on a log scale. matplotlib is imported here only.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    data = summary[summary["method"] != FULL]
    panels = list(dict.fromkeys(zip(data["dataset"], data["noise_kind"], data["noise_rate"])))
    methods = sorted(dict.fromkeys(data["method"]), key=_method_rank)
    columns = min(len(panels), 3)
    n_rows = -(-len(panels) // columns)
    fig = Figure(figsize=(4.2 * columns, 3.2 * n_rows + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(n_rows, columns, squeeze=False)).ravel()
    colors = colormaps["tab10"]
    label = f"{'PRR ' if score.startswith('prr') else ''}{_LABEL.get(score, score)} (%)"
    for ax, (dataset, kind, rate) in zip(axes, panels):
        panel = data[(data["dataset"] == dataset) & (data["noise_kind"] == kind)
                     & (data["noise_rate"] == rate)]  # fmt: skip
        for i, method in enumerate(methods):
            line = panel[panel["method"] == method].sort_values("keep_ratio")
            if line.empty:
                continue
            mean = 100 * line[f"{score}_mean"].to_numpy(float)
            se = 100 * (line[f"{score}_std"].fillna(0) / np.sqrt(line["n"])).to_numpy(float)
            x = line["keep_ratio"].to_numpy(float)
            color = colors(i % 10)
            ax.plot(x, mean, color=color, label=method, marker="o", markersize=3,
                    linestyle="-" if i < 10 else "--",
                    linewidth=2 if method.startswith("asss") else 1)  # fmt: skip
            ax.fill_between(x, mean - se, mean + se, color=color, alpha=0.15)
        if score.startswith("prr"):
            ax.axhline(100, color="black", linestyle="--", linewidth=0.8)
        ax.set_xscale("log")
        ticks = sorted(set(panel["keep_ratio"]))
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.minorticks_off()
        ax.set_title(f"{dataset}, {_setting(kind, rate)}", fontsize="medium")
        ax.set_xlabel("keep ratio")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    # every method once, from whichever panel has it (cleanlab only in the noisy ones)
    legend = {}
    for ax in axes:
        for handle, method in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(method, handle)
    labels, handles = list(legend), list(legend.values())
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 6),
               fontsize="small")  # fmt: skip
    fig.suptitle(title or f"{label} against keep ratio (mean ± standard error over fold-draws)")
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def write_report(rows, study, *, notes=(), command=None, wall_s=None, cpu_s=None,
                 new_rows=None):  # fmt: skip
    """Write ``results.md``, ``summary.csv``, ``paired.csv`` and the charts into ``study.out``.

    `wall_s` and `cpu_s` are the times of the run that wrote `new_rows` of the
    rows (None: all of them); a resumed run's page says how many it added.
    The page says which code and platform made the rows (:func:`made_by`).

    Returns
    -------
    paths : dict of str -> pathlib.Path
    """
    out = Path(study.out)
    out.mkdir(parents=True, exist_ok=True)
    notes = list(notes)
    summary = summarize(rows)
    paths = {"rows": out / "rows.csv", "summary": out / "summary.csv",
             "paired": out / "paired.csv", "markdown": out / "results.md"}  # fmt: skip
    summary.to_csv(paths["summary"], index=False)
    paired_differences(rows, study.reference).to_csv(paths["paired"], index=False)
    charts = {"prr_f1_macro": "macro-F1 PRR", "prr_accuracy": "accuracy PRR"}
    if summary["robust_accuracy_mean"].notna().any():
        charts["robust_accuracy"] = "PGD accuracy"
    images = []
    try:
        for score, label in charts.items():
            paths[score] = out / f"{score}_vs_keep_ratio.png"
            plot_against_keep_ratio(summary, paths[score], score=score)
            images.append(f"![{label} against keep ratio]({paths[score].name})")
    except ImportError as error:
        notes.append(f"charts not written: {error} (pip install matplotlib)")
    failed = rows[rows["status"] != "ok"]
    notes += [f"{r.dataset} {r.noise_kind} keep {r.keep_ratio:g} fold {r.fold} draw {r.draw} "
              f"{r.method}: {r.status}" for r in failed.itertuples()]  # fmt: skip
    text = _page(rows, study, notes, command, (wall_s, cpu_s, new_rows), images)
    paths["markdown"].write_text(text)
    return paths


def made_by(rows):
    """What made `rows`: one line per code and platform (their ``code`` and ``platform``),
    with its count of rows, in the order the rows were written."""
    counts = rows[PROVENANCE].fillna("").groupby(PROVENANCE, sort=False).size()
    lines = []
    for (code, platform), n in counts.items():
        rows_text = f"{n:,} row{'' if n == 1 else 's'}"
        if code:
            lines.append(f"{rows_text} by `{code}` on {platform}")
        else:
            lines.append(f"{rows_text} written before the runner recorded what made them")
    return lines


def _page(rows, study, notes, command, seconds, images):
    ok = _ok(rows)
    lines = [f"# {study.title}", ""]
    if study.description:
        lines += [study.description.strip(), ""]
    lines += ["Regenerate this page (from the repository root, data directory in "
              "`SKLEARN_ASSS_DATA`):", "", "```bash", command or "", "```", ""]  # fmt: skip
    wall_s, cpu_s, new_rows = seconds
    run = [f"wall time {wall_s / 60:.1f} min" if wall_s is not None else None,
           f"CPU time {cpu_s / 60:.1f} min (all threads; the machine may have been shared)"
           if cpu_s is not None else None]  # fmt: skip
    resumed = new_rows is not None and new_rows < len(rows)
    times = ", ".join(x for x in run if x)
    if resumed:
        times += (f"; a resumed run: these times are those of its last {new_rows:,} of "
                  f"{len(rows):,} rows, the others were read back from `rows.csv`")  # fmt: skip
    if times:
        lines += ["This run: " + times + ".", ""]
    lines += ["Made by:", "", *(f"- {line}" for line in made_by(rows)), ""]
    lines += [
        f"Protocol: stratified {study.cv}-fold cross-validation x {study.repeats} repeat(s) x "
        f"{study.draws} draw(s) per fold; downstream model `{study.downstream}`"
        + (f" ({study.epochs} epochs"
           + (f", at least {study.min_steps} steps" if study.min_steps else "")
           + f", batch {study.batch_size}, hidden {tuple(study.hidden_layer_sizes)})"
           if study.downstream == "mlp" else
           " (random forest, 100 trees)")
        + (f"; data sets capped at {study.max_samples:,} rows" if study.max_samples else "")
        + ". PRR = score of the model trained on the subset / score of the same model (same "
        "seed) trained on the whole training fold, in percent, mean ± std over "
        "fold-draws. Δ = the method's PRR minus the reference's, paired by fold and draw, "
        "in points, with its standard error and the two-sided Wilcoxon p. Peak memory: the "
        "increase of resident memory while the sampler fitted. Rows per fold-draw: "
        "`rows.csv`; means: `summary.csv`; paired differences: `paired.csv`.",
        "",
    ]  # fmt: skip
    lines += [*images, ""] if images else []
    lines += [markdown_tables(ok if len(ok) else rows, study.reference)]
    if notes:
        lines += ["## Notes", "", *(f"- {note}" for note in notes), ""]
    return "\n".join(lines) + "\n"


__all__ = ["made_by", "markdown_tables", "paired_differences", "plot_against_keep_ratio",
           "summarize", "write_report"]  # fmt: skip
