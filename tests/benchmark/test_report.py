import numpy as np
import pandas as pd
import pytest

from sklearn_asss.benchmark import markdown_report, merge_runs, paired_tests, plot_prr, summarize


def _folds(noisy=False, failed=False):
    """Two data sets, 5 folds, full + asss + random with known PRRs."""
    rows = []
    for dataset in ["a", "b"]:
        for fold in range(5):
            base = dict(
                dataset=dataset, repeat=0, fold=fold, n_samples=100, n_features=4,
                n_classes=2, n_train=80, duplicate_share=0.25, full_train_s=2.0,
            )  # fmt: skip
            for method, prr in [("full", 1.0), ("asss", 0.95 + 0.01 * fold), ("random", 0.9)]:
                score = 0.8 * prr
                row = dict(
                    base, method=method, status="ok", n_kept=80 if method == "full" else 24,
                    accuracy=score, f1_macro=score, roc_auc_ovr=score, prr_accuracy=prr,
                    prr_f1_macro=prr, prr_roc_auc_ovr=prr, selection_s=0.5, train_s=1.0,
                    total_s=1.5, time_vs_full=0.75,
                    flipped_kept_pct=30.0 if noisy else np.nan,
                )  # fmt: skip
                row["warnings"] = "UserWarning: careful" if method == "asss" and fold < 2 else ""
                if failed and method == "random" and fold == 0:
                    row.update(status="error: boom", accuracy=np.nan, prr_f1_macro=np.nan)
                rows.append(row)
    return pd.DataFrame(rows)


def test_summarize_means_and_order():
    summary = summarize(_folds(failed=True))
    # full first, then the registry's order (random before asss), whatever the rows' order
    assert list(summary["method"][:3]) == ["full", "random", "asss"]
    asss = summary[(summary.dataset == "a") & (summary.method == "asss")].iloc[0]
    assert asss["prr_f1_macro_mean"] == pytest.approx(0.97)
    expected_std = np.std([0.95, 0.96, 0.97, 0.98, 0.99], ddof=1)
    assert asss["prr_f1_macro_std"] == pytest.approx(expected_std)
    random = summary[(summary.dataset == "a") & (summary.method == "random")].iloc[0]
    assert random["n_failed"] == 1 and random["n_folds"] == 5


def test_paired_tests_sign_and_p_value():
    tests = paired_tests(_folds(), reference="asss")
    row = tests[(tests.dataset == "a") & (tests.method == "random")].iloc[0]
    assert row["n_pairs"] == 5
    assert row["delta_prr_f1_macro"] == pytest.approx(7.0)  # mean 0.97 - 0.90, in points
    assert row["p_f1_macro"] == pytest.approx(0.0625)  # 5 of 5 folds in favour
    assert set(tests["method"]) == {"full", "random"}
    assert paired_tests(_folds(), reference="kmeans").empty


def test_markdown_report():
    text = markdown_report(_folds(), ["kmeans: skipped"], command="python -m x")
    assert "## a" in text and "## b" in text
    assert "| **asss** |" in text and "| full data |" in text
    assert "97.0 ± 1.6" in text  # PRR in percent
    assert "25.0% are exact duplicates" in text
    assert "- kmeans: skipped" in text
    assert "flipped samples kept" not in text
    assert "+7.0 (0.062)" in text
    assert "- a, asss: UserWarning: careful (2/5 folds)" in text


def test_warning_notes_group_messages_differing_by_numbers():
    folds = _folds()
    folds.loc[folds.method == "asss", "warnings"] = [
        f"UserWarning: mean p {v:.2e} at the end" for v in np.linspace(1e-3, 2e-3, 10)
    ]
    text = markdown_report(folds)
    assert "- a, asss: UserWarning: mean p # at the end (5/5 folds)" in text


def test_merge_runs_replaces_rows_and_checks_pairing():
    first = _folds()
    update = first[first.method.isin(["full", "asss"])].copy()
    update.loc[update.method == "asss", "prr_f1_macro"] = 0.5
    merged, notes = merge_runs([first, update])
    assert len(merged) == len(first) and notes == []
    assert (merged[merged.method == "asss"]["prr_f1_macro"] == 0.5).all()
    assert (merged[merged.method == "random"]["prr_f1_macro"] == 0.9).all()
    update.loc[update.method == "full", "accuracy"] = 0.1
    _, notes = merge_runs([first, update])
    assert len(notes) == 1 and "not paired" in notes[0]
    noisy = markdown_report(_folds(noisy=True, failed=True))
    assert "flipped samples kept (%)" in noisy and "failed folds" in noisy


def test_plot_prr(tmp_path):
    path = tmp_path / "chart.png"
    fig = plot_prr(summarize(_folds()), path)
    assert path.read_bytes()[:4] == b"\x89PNG"
    assert len(fig.axes) == 3
    # 2 methods x 2 data sets bars per panel
    assert len(fig.axes[0].patches) == 4
