"""benchmarks/compare_methods.py: one method against another, per cell, pooled and by chance."""

import numpy as np
import pandas as pd
import pytest
from _scripts import load_script
from scipy import stats
from test_report import make_rows

NEW = [0.90, 0.92, 0.91, 0.95]
OLD = [0.91, 0.90, 0.93, 0.92]


def two_cells():
    return pd.concat([
        make_rows({"new": NEW, "old": OLD, "other": OLD}, keep_ratio=0.1),
        make_rows({"new": OLD, "old": NEW}, keep_ratio=0.3),
    ], ignore_index=True)  # fmt: skip


def test_each_cell_pairs_the_new_method_with_the_old_by_fold_and_draw():
    cells = load_script("compare_methods").cell_differences(two_cells(), "new", "old")
    assert cells["keep_ratio"].tolist() == [0.1, 0.3] and set(cells["method"]) == {"new"}
    diff = 100 * (np.array(NEW) - OLD)
    assert cells["d_prr_f1_macro"].tolist() == pytest.approx([diff.mean(), -diff.mean()])
    assert cells.at[0, "se_prr_accuracy"] == pytest.approx(diff.std(ddof=1) / 2)


def test_cells_worse_by_a_standard_error_are_counted_against_what_chance_gives():
    script = load_script("compare_methods")
    cells = script.cell_differences(two_cells(), "new", "old")
    summary = script.chance_summary(cells)["prr_f1_macro"]
    assert summary["worse"] == 0  # +0.50 (1.04) and -0.50 (1.04): both within one SE
    assert summary["expected"] == pytest.approx(2 * stats.t.cdf(-1, 3))
    assert summary["mean_z"] == pytest.approx(0.0)


def test_pooling_averages_the_cells_and_adds_their_variances():
    script = load_script("compare_methods")
    cells = script.cell_differences(two_cells(), "new", "old")
    (group,) = script.pooled(cells).to_dict("records")
    assert group["d_prr_accuracy"] == pytest.approx(0.0)
    se = cells.at[0, "se_prr_accuracy"]  # both cells alike
    assert group["se_prr_accuracy"] == pytest.approx(np.sqrt(2) * se / 2)


def test_the_command_filters_cells_and_refuses_methods_never_paired(tmp_path, capsys):
    path = tmp_path / "rows.csv"
    two_cells().to_csv(path, index=False)
    script = load_script("compare_methods")
    script.main([str(path), "--new", "new", "--old", "old", "--keep-ratios", "0.3"])
    out = capsys.readouterr().out
    assert "| toy       | none         |            0 |          0.3 |" in out
    assert "0.1 |" not in out.split("pooled")[0]
    with pytest.raises(SystemExit, match="no cell holds paired rows of both new and missing"):
        script.main([str(path), "--new", "new", "--old", "missing"])


def test_by_fit_pairs_each_fit_once_with_its_draws_averaged(tmp_path, capsys):
    script = load_script("compare_methods")
    cells = script.cell_differences(script.fit_means(two_cells()), "new", "old")
    diff = 100 * (np.array(NEW) - OLD)
    per_fit = diff.reshape(2, 2).mean(axis=1)  # folds 0 and 1, two draws each
    assert cells["n_pairs"].tolist() == [2, 2]
    assert cells.at[0, "d_prr_accuracy"] == pytest.approx(diff.mean())
    assert cells.at[0, "se_prr_accuracy"] == pytest.approx(per_fit.std(ddof=1) / np.sqrt(2))
    path = tmp_path / "rows.csv"
    two_cells().to_csv(path, index=False)
    script.main([str(path), "--new", "new", "--old", "old", "--by-fit"])
    assert "one pair per fit" in capsys.readouterr().out


def test_it_says_what_made_each_methods_rows_and_warns_of_two_platforms():
    script = load_script("compare_methods")
    rows = two_cells()
    rows["code"], rows["platform"] = "c0de", "cpu A"
    lines = script.provenance_lines(rows, "new", "old")
    assert lines == ["new: 8 rows by `c0de` on cpu A", "old: 8 rows by `c0de` on cpu A"]
    rows.loc[rows["method"] == "old", "platform"] = "cpu B"
    assert script.provenance_lines(rows, "new", "old")[-1].startswith(
        "warning: new's and old's rows were made on different platforms"
    )
    rows.loc[rows["method"] == "old", ["code", "platform"]] = None  # not recorded: no warning
    assert not any(line.startswith("warning") for line in script.provenance_lines(
        rows, "new", "old"))  # fmt: skip
