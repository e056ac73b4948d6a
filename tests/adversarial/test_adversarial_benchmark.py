"""The adversarial benchmark command, at a tiny scale."""

import pandas as pd
import pytest

from sklearn_asss.adversarial.benchmark import (
    main,
    paired_differences,
    paired_markdown,
    run_benchmark,
    summarize,
    to_markdown,
)

def test_benchmark_command_writes_runs_and_table(tmp_path, capsys):
    csv, md = tmp_path / "runs.csv", tmp_path / "table.md"
    code = main([
        "--datasets", "digits", "--seeds", "0", "1", "--ratios", "0.5",
        "--methods", "clean", "all", "random", "--max-train-rows", "200", "--max-epochs", "1",
        "--out-csv", str(csv), "--out-md", str(md), "--quiet",
    ])
    assert code == 0
    runs = pd.read_csv(csv)
    assert len(runs) == 3 * 2
    assert set(runs["method"]) == {"clean", "all", "random"}
    assert runs["robust_acc"].between(0, 1).all() and runs["clean_acc"].between(0, 1).all()
    passes = runs.groupby("method")["adv_passes"].mean()
    assert passes["clean"] == 0
    # 200 rows, batches of 128 and 72, PGD-10, one epoch: all = 2000 passes, rho 0.5 = 1000
    assert passes["all"] == 2000 and passes["random"] == 1000
    table = md.read_text()
    assert "| digits | random | 0.50 |" in table and "| digits | all | - |" in table
    assert table in capsys.readouterr().out  # the table is printed too
    assert "| digits | random | 0.50 | all |" in table  # paired with all, per seed
    assert main(["--from-csv", str(csv), "--out-md", str(tmp_path / "again.md")]) == 0
    assert (tmp_path / "again.md").read_text() == table


def test_summarize_mean_std_and_relative_passes():
    runs = pd.DataFrame({
        "dataset": ["d"] * 4, "method": ["all", "all", "margin", "margin"],
        "rho": [1.0, 1.0, 0.25, 0.25], "seed": [0, 1, 0, 1],
        "clean_acc": [0.9, 0.8, 0.7, 0.7], "robust_acc": [0.5, 0.7, 0.6, 0.6],
        "adv_passes": [400, 400, 100, 100], "fit_seconds": [1.0, 1.0, 0.5, 0.5],
    })
    summary = summarize(runs).set_index("method")
    assert summary.loc["all", "robust_mean"] == pytest.approx(0.6)
    assert summary.loc["all", "robust_std"] == pytest.approx(0.1414, abs=1e-3)
    assert summary.loc["margin", "passes_vs_all"] == pytest.approx(0.25)
    assert "| d | margin | 0.25 | 70.00 ± 0.00 | 60.00 ± 0.00 | 100 | 0.25 |" in to_markdown(
        summarize(runs)
    )
    diffs = paired_differences(runs, "all").set_index("method")
    assert diffs.loc["margin", "diff_mean"] == pytest.approx(0.0)  # +0.1 and -0.1
    assert diffs.loc["margin", "wins"] == 1 and diffs.loc["margin", "n_pairs"] == 2
    assert "| d | margin | 0.25 | all | +0.00 ± 14.14 | 1/2 |" in paired_markdown(
        paired_differences(runs, "all")
    )


def test_benchmark_on_a_shuttle_subsample(data_dir):
    runs = run_benchmark(["shuttle"], seeds=[0], ratios=[0.25], methods=["margin"],
                         data_home=data_dir("shuttle.csv.gz"), max_train_rows=500, max_epochs=1, verbose=0)
    assert runs.loc[0, "n_train"] == 500
    # batches of 256 and 244 rows: ceil(0.25 * n) = 64 + 61 rows, PGD-10
    assert runs.loc[0, "adv_passes"] == 10 * (64 + 61)
    assert 0 <= runs.loc[0, "robust_acc"] <= runs.loc[0, "clean_acc"] + 1e-9


def test_timing_mode(tmp_path):
    out = tmp_path / "times.md"
    assert main(["--timing", "--datasets", "digits", "--methods", "all", "random",
                 "--ratios", "0.25", "--rounds", "1", "--max-train-rows", "300",
                 "--out-md", str(out)]) == 0
    table = out.read_text()
    assert "| digits | 128 | all | - |" in table and "| digits | 128 | random | 0.25 |" in table
