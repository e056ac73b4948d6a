"""The report writer on rows whose figures are known."""

import numpy as np
import pandas as pd
import pytest

from sklearn_asss.benchmark import COLUMNS, Study, made_by, paired_differences, \
    plot_against_keep_ratio, summarize, write_report
from sklearn_asss.metrics import paired_wilcoxon


def make_rows(prr_by_method, keep_ratio=0.1, dataset="toy"):
    """Rows of one cell: ``{method: [prr per fold-draw]}`` (F1 and accuracy the same)."""
    rows = []
    for method, values in prr_by_method.items():
        for i, value in enumerate(values):
            row = dict.fromkeys(COLUMNS, np.nan)
            row.update(
                dataset=dataset, noise_kind="none", noise_rate=0.0,
                keep_ratio=1.0 if method == "full" else keep_ratio, repeat=0, fold=i // 2,
                draw=i % 2, method=method, status="ok", downstream="mlp", n_train=100,
                n_kept=10, accuracy=0.9 * value, f1_macro=0.8 * value,
                roc_auc_ovr=0.95, prr_accuracy=value, prr_f1_macro=value, prr_roc_auc_ovr=1.0,
                selection_s=0.5, train_s=1.0, peak_mb=3.0,
            )  # fmt: skip
            rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def test_summary_means_and_paired_differences_with_standard_errors():
    reference = [0.80, 0.82, 0.84, 0.86]
    other = [0.85, 0.86, 0.90, 0.91]
    rows = make_rows({"full": [1.0, 1.0], "random": reference, "asss": other})
    summary = summarize(rows).set_index("method")
    assert summary.loc["asss", "prr_f1_macro_mean"] == pytest.approx(np.mean(other))
    assert summary.loc["asss", "n"] == 4
    assert list(summary.index) == ["random", "asss", "full"]  # by keep ratio, then registry
    paired = paired_differences(rows, "random").set_index("method")
    assert list(paired.index) == ["asss"]
    diff = 100 * (np.array(other) - reference)
    assert paired.loc["asss", "d_prr_f1_macro"] == pytest.approx(diff.mean())
    assert paired.loc["asss", "se_prr_f1_macro"] == pytest.approx(diff.std(ddof=1) / 2)
    assert paired.loc["asss", "p_prr_f1_macro"] == pytest.approx(
        paired_wilcoxon(other, reference)
    )
    assert paired.loc["asss", "n_pairs"] == 4


def test_a_reference_that_ignores_the_keep_ratio_pairs_with_every_keep_ratio():
    rows = pd.concat([
        make_rows({"adv_all": [0.9, 0.9]}, keep_ratio=1.0),
        make_rows({"adv_random": [0.8, 0.7]}, keep_ratio=0.25),
        make_rows({"adv_random": [0.85, 0.85]}, keep_ratio=0.5),
    ])  # fmt: skip
    paired = paired_differences(rows, "adv_all").set_index("keep_ratio")
    assert paired.loc[0.25, "d_prr_accuracy"] == pytest.approx(-15.0)
    assert paired.loc[0.5, "d_prr_accuracy"] == pytest.approx(-5.0)


def test_a_reference_measured_at_one_other_keep_ratio_pairs_with_none_of_the_others():
    rows = pd.concat([
        make_rows({"old": [0.9, 0.9], "new": [0.8, 0.8]}, keep_ratio=0.03),
        make_rows({"new": [0.7, 0.7]}, keep_ratio=0.3),
    ])  # fmt: skip
    paired = paired_differences(rows, "old")
    assert paired["keep_ratio"].tolist() == [0.03]
    assert paired["d_prr_accuracy"].tolist() == pytest.approx([-10.0])


def test_failed_rows_are_counted_not_averaged():
    rows = make_rows({"random": [0.8, 0.9], "asss": [0.7, 0.7]})
    rows.loc[rows.index[-1], ["status", "prr_f1_macro"]] = ["error: boom", 0.0]
    summary = summarize(rows).set_index("method")
    assert summary.loc["asss", "n"] == 1 and summary.loc["asss", "n_failed"] == 1
    assert summary.loc["asss", "prr_f1_macro_mean"] == pytest.approx(0.7)


def test_write_report_writes_the_page_tables_and_charts(tmp_path):
    pytest.importorskip("matplotlib")
    rows = pd.concat([
        make_rows({"full": [1.0] * 4, "random": [0.7, 0.72, 0.74, 0.7],
                   "asss": [0.8, 0.78, 0.83, 0.8]}, keep_ratio=0.1),
        make_rows({"random": [0.9, 0.91, 0.92, 0.9], "asss": [0.93, 0.92, 0.9, 0.94]},
                  keep_ratio=0.3),
    ])  # fmt: skip
    rows["code"], rows["platform"] = "abc123", "a toy CPU"
    study = Study(title="Toy study", description="What this measures.", out=str(tmp_path))
    paths = write_report(rows, study, notes=["a note"], command="python -m x", wall_s=90)
    text = paths["markdown"].read_text()
    assert text.startswith("# Toy study\n\nWhat this measures.")
    assert "python -m x" in text and "1.5 min" in text
    assert f"Made by:\n\n- {len(rows)} rows by `abc123` on a toy CPU\n" in text
    assert "| 0.1 | asss | 4 | 80.2 ± 2.1 |" in text
    assert "![macro-F1 PRR against keep ratio](prr_f1_macro_vs_keep_ratio.png)" in text
    assert "- a note" in text
    for key in ("prr_f1_macro", "prr_accuracy", "summary", "paired"):
        assert paths[key].stat().st_size > 0
    assert paths["prr_f1_macro"].read_bytes()[:4] == b"\x89PNG"


def test_made_by_counts_the_rows_of_each_code_and_platform_in_the_order_written():
    rows = make_rows({"random": [0.8] * 6})
    rows["code"] = ["b2", "b2", None, "a1", "b2", None]
    rows["platform"] = ["cpu", "cpu", None, "gpu", "gpu", None]
    assert made_by(rows) == [
        "2 rows by `b2` on cpu",
        "2 rows written before the runner recorded what made them",
        "1 row by `a1` on gpu",
        "1 row by `b2` on gpu",
    ]


def test_the_chart_legend_names_a_method_missing_from_the_first_panel():
    clean = make_rows({"full": [1.0] * 4, "random": [0.8, 0.82, 0.84, 0.86],
                       "asss": [0.85, 0.86, 0.87, 0.88]})  # fmt: skip
    noisy = make_rows({"full": [1.0] * 4, "random": [0.7, 0.72, 0.74, 0.76],
                       "cleanlab": [0.8, 0.81, 0.82, 0.83]})  # fmt: skip
    noisy["noise_kind"], noisy["noise_rate"] = "symmetric", 0.2
    fig = plot_against_keep_ratio(summarize(pd.concat([clean, noisy])))
    (legend,) = fig.legends
    assert [text.get_text() for text in legend.get_texts()] == ["random", "asss", "cleanlab"]
    # the title names the score, not the legend's last method
    assert fig.get_suptitle().startswith("PRR F1 (%) against keep ratio")
