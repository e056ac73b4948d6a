import numpy as np
import pandas as pd
import pytest

from sklearn_asss.benchmark import main
from sklearn_asss.benchmark._cli import parse_params

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _check_outputs(out, datasets, methods, n_folds):
    folds = pd.read_csv(out / "folds.csv")
    assert len(folds) == len(datasets) * n_folds * (len(methods) + 1)
    assert set(folds["dataset"]) == set(datasets)
    assert set(folds["method"]) == {"full", *methods}
    assert (folds["status"] == "ok").all()
    full = folds[folds["method"] == "full"]
    prr_columns = ["prr_accuracy", "prr_f1_macro", "prr_roc_auc_ovr"]
    np.testing.assert_allclose(full[prr_columns], 1.0)
    for name in ["accuracy", "f1_macro", "roc_auc_ovr"]:
        assert folds[name].between(0, 1).all()
        ok = folds[folds.method != "full"]
        ratio = ok[name].to_numpy() / np.repeat(full[name].to_numpy(), len(methods))
        np.testing.assert_allclose(ok[f"prr_{name}"], ratio)
    subsets = folds[folds["method"] != "full"]
    assert (subsets["n_kept"] == np.round(0.3 * subsets["n_train"])).all()
    assert (folds["selection_s"] >= 0).all() and (folds["train_s"] > 0).all()
    summary = pd.read_csv(out / "summary.csv")
    assert len(summary) == len(datasets) * (len(methods) + 1)
    text = (out / "results.md").read_text()
    for dataset in datasets:
        assert f"## {dataset}" in text
    for method in methods:
        assert f"| {method} |" in text or f"| **{method}** |" in text
    assert "PRR F1 (%)" in text and "Wilcoxon" in text
    assert "python -m sklearn_asss.benchmark" in text
    assert (out / "prr.png").read_bytes()[:8] == PNG_MAGIC
    return folds, text


def test_end_to_end_tiny(tmp_path, capsys):
    out = tmp_path / "bench"
    methods = ["random", "dedup", "asss"]
    status = main([
        "--datasets", "breast_cancer", "--max-samples", "300", "--cv", "2", "--epochs", "1",
        "--methods", *methods, "--param", "asss.max_epochs=1", "--param",
        "asss.warmup_epochs=0", "--out", str(out), "--quiet",
    ])  # fmt: skip
    assert status == 0
    folds, text = _check_outputs(out, ["breast_cancer"], methods, 2)
    assert (folds["n_samples"] == 300).all() and (folds["n_train"] == 150).all()
    assert "flipped samples kept" not in text
    assert "| asss_paper |" not in text
    assert "wrote" in capsys.readouterr().out


def test_end_to_end_label_noise_on_shuttle(tmp_path, data_dir):
    home = data_dir("shuttle.csv.gz")
    out = tmp_path / "noisy"
    methods = ["random", "kmeans"]
    main([
        "--datasets", "shuttle", "--data-home", str(home), "--max-samples", "400",
        "--cv", "2", "--epochs", "1", "--methods", *methods, "--label-noise", "0.2",
        "--reference", "kmeans", "--out", str(out), "--quiet",
    ])  # fmt: skip
    folds, text = _check_outputs(out, ["shuttle"], methods, 2)
    assert folds["n_classes"].iloc[0] == 7  # the cap keeps every class
    assert "flipped samples kept (%)" in text
    kept = folds[folds["method"] != "full"]["flipped_kept_pct"]
    assert kept.between(0, 100).all()
    assert "kmeans against each method" in text


def test_combine_merges_earlier_runs(tmp_path):
    for name in ["iris", "wine"]:
        main([
            "--datasets", name, "--cv", "2", "--epochs", "1", "--methods", "random",
            "--out", str(tmp_path / name), "--quiet",
        ])  # fmt: skip
    out = tmp_path / "both"
    main([
        "--combine", str(tmp_path / "iris" / "folds.csv"), str(tmp_path / "wine" / "folds.csv"),
        "--reference", "random", "--out", str(out),
    ])  # fmt: skip
    _check_outputs(out, ["iris", "wine"], ["random"], 2)


def test_parse_params():
    parsed = parse_params(["asss.max_epochs=20", "asss.objective=paper", "kmeans.x=(1, 2)"])
    assert parsed == {"asss": {"max_epochs": 20, "objective": "paper"}, "kmeans": {"x": (1, 2)}}
    with pytest.raises(ValueError, match="METHOD.NAME=VALUE"):
        parse_params(["max_epochs=20"])


@pytest.mark.parametrize(
    "argv",
    [["--param", "nonsense"], ["--cv", "1"], ["--label-noise", "1.5"], ["--methods", "bogus"]],
)
def test_bad_arguments_exit_with_a_message(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--quiet"])
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


def test_list(capsys):
    assert main(["--list"]) == 0
    text = capsys.readouterr().out
    assert "kddcup" in text and "asss_paper" in text and "cleanlab" in text
