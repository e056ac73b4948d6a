"""The runner at a tiny scale: rows, pairing, resume, label noise and downstream models."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

from sklearn_asss import KMeansSampler
from sklearn_asss.benchmark import COLUMNS, METHODS, PROVENANCE, Method, Study, read_rows, \
    run_study
from sklearn_asss.benchmark._provenance import provenance
from sklearn_asss.benchmark._runner import fit_downstream

#: Columns that depend on the machine's load, not on the computation.
TIMING = ["selection_s", "train_s", "peak_mb", "warnings"]
ROOT = Path(__file__).resolve().parents[2]


def tiny(tmp_path, **settings):
    defaults = dict(
        datasets=["digits"], methods=["random", "kmeans"], keep_ratios=[0.2, 0.5], cv=2,
        draws=2, epochs=2, max_samples=300, out=str(tmp_path / "run"),
    )  # fmt: skip
    return Study(**{**defaults, **settings})


def comparable(rows):
    """`rows` without what depends on the machine and the process: the timings and the
    provenance (a child process runs on another number of threads)."""
    return rows.drop(columns=TIMING + PROVENANCE).sort_values(
        ["dataset", "noise_kind", "keep_ratio", "repeat", "fold", "draw", "method"]
    ).reset_index(drop=True)


def test_one_row_per_fold_draw_keep_ratio_and_method(tmp_path):
    rows, notes = run_study(tiny(tmp_path), progress=False)
    assert (rows["status"] == "ok").all(), rows["status"].unique()
    assert len(rows) == 2 * (1 + 2 * 2 * 2)  # folds x (full + draws x keeps x methods)
    assert not rows.duplicated(["fold", "draw", "keep_ratio", "method"]).any()
    full = rows[rows["method"] == "full"]
    assert np.allclose(full["prr_accuracy"], 1.0)
    kept = rows[rows["method"] != "full"]
    assert np.all(kept["n_kept"] < kept["n_train"])
    assert (kept["keep_ratio"] == 0.5).sum() == 8
    # a draw is a sampler random state: two draws of random sampling differ
    random = kept[(kept["method"] == "random") & (kept["keep_ratio"] == 0.2)]
    assert random.groupby("fold")["accuracy"].nunique().max() == 2
    assert read_rows(Path(tmp_path / "run" / "rows.csv")).shape == rows.shape


def test_same_study_gives_the_same_rows_and_methods_do_not_disturb_each_other(tmp_path):
    both, _ = run_study(tiny(tmp_path / "a"), progress=False)
    alone, _ = run_study(tiny(tmp_path / "b", methods=["kmeans"]), progress=False)
    both = comparable(both[both["method"] != "random"])
    pd.testing.assert_frame_equal(both, comparable(alone))


def _flaky_random(calls_before_failure):
    """random sampling that raises KeyboardInterrupt (like a kill) at one call."""
    calls = {"n": 0}
    base = METHODS["random"]

    def build(keep_ratio, random_state, study, **params):
        calls["n"] += 1
        if calls["n"] == calls_before_failure:
            raise KeyboardInterrupt("killed")
        return base.build(keep_ratio, random_state, study, **params)

    return Method("random", build, base.description)


def test_resume_after_an_interruption_completes_with_identical_rows(tmp_path, monkeypatch):
    study = tiny(tmp_path / "interrupted")
    monkeypatch.setitem(METHODS, "random", _flaky_random(calls_before_failure=4))
    with pytest.raises(KeyboardInterrupt):
        run_study(study, progress=False)
    partial = read_rows(Path(study.out) / "rows.csv")
    assert 0 < len(partial) < 18
    monkeypatch.setitem(METHODS, "random", _flaky_random(calls_before_failure=-1))
    resumed, _ = run_study(study, resume=True, progress=False)
    # the rows written before the interruption were kept, not recomputed
    pd.testing.assert_frame_equal(resumed.iloc[: len(partial)], partial)
    uninterrupted, _ = run_study(tiny(tmp_path / "whole"), progress=False)
    pd.testing.assert_frame_equal(comparable(resumed), comparable(uninterrupted))


@pytest.mark.slow  # a child process imports torch and runs: 5-30 s on a busy machine
def test_resume_after_the_process_is_killed(tmp_path):
    out = tmp_path / "killed"
    args = [sys.executable, "-m", "sklearn_asss.benchmark", "--datasets", "digits",
            "--methods", "random", "kmeans", "--keep-ratios", "0.2", "0.5", "--cv", "2",
            "--draws", "2", "--epochs", "2", "--max-samples", "300", "--downstream", "forest",
            "--out", str(out), "--quiet"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        path = out / "rows.csv"
        if path.is_file() and len(path.read_text().splitlines()) >= 4:  # header + 3 rows
            break
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    partial = read_rows(out / "rows.csv")
    assert 3 <= len(partial) < 18
    study = tiny(tmp_path, downstream="forest", out=str(out))  # the child's settings
    resumed, _ = run_study(study, resume=True, progress=False)
    pd.testing.assert_frame_equal(resumed.iloc[: len(partial)], partial)
    whole, _ = run_study(replace(study, out=str(tmp_path / "whole")), progress=False)
    pd.testing.assert_frame_equal(comparable(resumed), comparable(whole))


def test_a_failing_method_gives_an_error_row_and_the_study_goes_on(tmp_path, monkeypatch):
    def broken(keep_ratio, random_state, study, **params):  # fails in fit_resample
        return KMeansSampler(keep_ratio=keep_ratio, n_clusters="many")

    monkeypatch.setitem(METHODS, "kmeans", Method("kmeans", broken, "broken"))
    rows, _ = run_study(tiny(tmp_path, draws=1, keep_ratios=[0.5]), progress=False)
    failed = rows[rows["method"] == "kmeans"]
    assert len(failed) == 2
    assert failed["status"].str.contains("error: InvalidParameterError.*n_clusters").all()
    assert (rows[rows["method"] == "random"]["status"] == "ok").all()


def test_resume_keeps_the_finished_rows_as_written_and_runs_the_failed_ones_again(
    tmp_path, monkeypatch
):
    def broken(keep_ratio, random_state, study, **params):
        return KMeansSampler(keep_ratio=keep_ratio, n_clusters="many")

    study = tiny(tmp_path, draws=1, keep_ratios=[0.5])
    with monkeypatch.context() as patch:
        patch.setitem(METHODS, "kmeans", Method("kmeans", broken, "broken"))
        run_study(study, progress=False)
    path = Path(study.out) / "rows.csv"
    header, *lines = path.read_text().splitlines(keepends=True)
    finished = [line for line in lines if ",ok," in line]
    assert len(finished) == 4  # the full model's and random's rows of the two folds
    rows, _ = run_study(study, resume=True, progress=False)
    # not read and written again: a float may change in its last digit that way
    assert path.read_text().startswith(header + "".join(finished))
    assert len(rows) == 6 and (rows["status"] == "ok").all()


def test_pair_noise_and_forest_downstream_on_shuttle(tmp_path, data_dir):
    study = Study(
        datasets=["shuttle"], methods=["random", "random_floor"], keep_ratios=[0.3],
        label_noise=[0.0, 0.2], noise_kinds=["pair"], cv=2, max_samples=2000,
        downstream="forest", data_home=str(data_dir("shuttle.csv.gz")),
        out=str(tmp_path / "shuttle"),
    )  # fmt: skip
    rows, _ = run_study(study, progress=False)
    assert (rows["status"] == "ok").all()
    assert set(zip(rows["noise_kind"], rows["noise_rate"])) == {("none", 0.0), ("pair", 0.2)}
    clean_full = rows[(rows["method"] == "full") & (rows["noise_rate"] == 0)]
    assert clean_full["accuracy"].min() > 0.97  # the forest is stable on shuttle
    assert rows.loc[rows["noise_rate"] == 0, "flipped_kept"].isna().all()
    noisy = rows[(rows["method"] == "random") & (rows["noise_rate"] == 0.2)]
    # a random draw keeps about the noise rate of flipped rows, and about 30% of them
    assert np.allclose(noisy["flipped_in_subset"], 0.2, atol=0.05)
    assert np.allclose(noisy["flipped_kept"], 0.3, atol=0.05)
    noisy_full = rows[(rows["method"] == "full") & (rows["noise_rate"] == 0.2)]
    assert noisy_full["accuracy"].mean() < clean_full["accuracy"].mean()


def test_adversarial_trainers_run_once_per_fold_when_they_ignore_the_keep_ratio(tmp_path):
    study = tiny(
        tmp_path, methods=["adv_all", "adv_random"], keep_ratios=[0.5], draws=1,
        epochs=1, max_samples=200, attack={"epsilon": 0.3, "train_steps": 2, "eval_steps": 3},
        reference="adv_all",
    )  # fmt: skip
    rows, _ = run_study(study, progress=False)
    assert (rows["status"] == "ok").all()
    assert sorted(zip(rows["method"], rows["keep_ratio"]))[:2] == [("adv_all", 1.0)] * 2
    trained = rows.set_index(["fold", "method"])
    assert rows["robust_accuracy"].notna().all()
    for fold in (0, 1):
        passes_all = trained.loc[(fold, "adv_all"), "adv_passes"]
        passes_random = trained.loc[(fold, "adv_random"), "adv_passes"]
        assert 0 < passes_random < passes_all


def test_existing_rows_are_replaced_without_resume(tmp_path):
    study = tiny(tmp_path, draws=1, keep_ratios=[0.5], methods=["random"])
    run_study(study, progress=False)
    rows, _ = run_study(replace(study, methods=["kmeans"]), progress=False)
    assert set(rows["method"]) == {"full", "kmeans"}


def test_a_row_cut_short_by_a_kill_is_dropped_and_run_again(tmp_path):
    study = tiny(tmp_path, draws=1, keep_ratios=[0.5], methods=["random"])
    whole, _ = run_study(study, progress=False)
    path = Path(study.out) / "rows.csv"
    text = path.read_text()
    path.write_text(text[: text.rstrip("\n").rfind("\n") + 1] + text.splitlines()[-1][:40])
    assert len(read_rows(path)) == len(whole) - 1
    resumed, _ = run_study(study, resume=True, progress=False)
    pd.testing.assert_frame_equal(comparable(resumed), comparable(whole))


def test_resume_refuses_a_file_of_another_format(tmp_path):
    study = tiny(tmp_path)
    Path(study.out).mkdir(parents=True)
    (Path(study.out) / "rows.csv").write_text("dataset,method\ndigits,random\n")
    with pytest.raises(ValueError, match="not written by this version"):
        run_study(study, resume=True, progress=False)


def test_every_row_records_the_code_and_the_platform_that_made_it(tmp_path):
    study = tiny(tmp_path, draws=1, keep_ratios=[0.5], methods=["random"])
    rows, _ = run_study(study, progress=False)
    made = provenance()
    assert (rows["code"] == made["code"]).all() and (rows["platform"] == made["platform"]).all()
    assert made["code"] and "torch" in made["platform"] and "CPUs" in made["platform"]


def test_rows_of_a_runner_that_did_not_record_provenance_are_read_and_resumed(tmp_path):
    study = tiny(tmp_path, keep_ratios=[0.5], methods=["random"])
    whole, _ = run_study(study, progress=False)
    path = Path(study.out) / "rows.csv"
    earlier = whole[whole["draw"] == 0].drop(columns=PROVENANCE)
    earlier.to_csv(path, index=False)  # the columns of the runner before
    read = read_rows(path)
    assert list(read.columns) == COLUMNS and read[PROVENANCE].isna().all().all()
    old_lines = path.read_text().splitlines()
    resumed, _ = run_study(study, resume=True, progress=False)
    # each old row as it was written, its provenance fields added empty
    new_lines = path.read_text().splitlines()
    assert new_lines[0] == ",".join(COLUMNS)
    assert new_lines[1 : len(old_lines)] == [line + ",," for line in old_lines[1:]]
    assert resumed["code"].isna().sum() == len(earlier)  # nothing claimed for the old rows
    assert (resumed.loc[resumed["draw"] == 1, "code"] == provenance()["code"]).all()
    pd.testing.assert_frame_equal(comparable(resumed), comparable(whole))


def _counting_asss_fits(monkeypatch):
    """Count ASSSSampler fits (``fit_resample`` calls) made by the runner."""
    from sklearn_asss import ASSSSampler

    calls = {"n": 0}
    fit_resample = ASSSSampler.fit_resample

    def counted(self, X, y):
        calls["n"] += 1
        return fit_resample(self, X, y)

    monkeypatch.setattr(ASSSSampler, "fit_resample", counted)
    return calls


ASSS_QUICK = {"asss": {"max_epochs": 1, "warmup_epochs": 1}}


def test_reuse_fits_plays_one_game_per_fold_and_redraws_the_later_draws(tmp_path, monkeypatch):
    calls = _counting_asss_fits(monkeypatch)
    study = tiny(tmp_path / "reuse", methods=["asss", "random"], keep_ratios=[0.3], draws=3,
                 reuse_fits=True, params=ASSS_QUICK)  # fmt: skip
    rows, _ = run_study(study, progress=False)
    assert (rows["status"] == "ok").all(), rows["status"].unique()
    assert calls["n"] == 2  # one fit per fold, not one per fold and draw
    asss = rows[rows["method"] == "asss"]
    assert len(asss) == 2 * 3
    # the later draws are other subsets: their models differ
    assert asss.groupby("fold")["f1_macro"].nunique().min() > 1
    # the first draw is the same as without reuse
    plain, _ = run_study(replace(study, reuse_fits=False, draws=1, out=str(tmp_path / "plain")),
                         progress=False)  # fmt: skip
    pd.testing.assert_frame_equal(
        comparable(rows[rows["draw"] == 0]), comparable(plain)
    )


def test_reuse_fits_resumed_with_more_draws_gives_the_rows_of_one_run(tmp_path, monkeypatch):
    settings = dict(methods=["asss"], keep_ratios=[0.3], reuse_fits=True, params=ASSS_QUICK)
    study = tiny(tmp_path / "resumed", draws=2, **settings)
    run_study(study, progress=False)
    resumed, _ = run_study(replace(study, draws=3), resume=True, progress=False)
    whole, _ = run_study(tiny(tmp_path / "whole", draws=3, **settings), progress=False)
    pd.testing.assert_frame_equal(comparable(resumed), comparable(whole))


def test_min_steps_raise_the_epochs_of_the_downstream_mlp_on_a_small_subset(tmp_path):
    X, y = load_digits(return_X_y=True)
    study = tiny(tmp_path, epochs=2, batch_size=32, min_steps=10)
    small = fit_downstream(study, X[:64], y[:64], 10, seed=0)  # 2 steps an epoch
    large = fit_downstream(study, X[:640], y[:640], 10, seed=0)  # 20 steps an epoch
    assert (len(small.history), len(large.history)) == (5, 2)
    assert len(fit_downstream(replace(study, min_steps=0), X[:64], y[:64], 10, 0).history) == 2
    with pytest.raises(ValueError, match="min_steps must be 0 or more"):
        replace(study, min_steps=-1).validate()
