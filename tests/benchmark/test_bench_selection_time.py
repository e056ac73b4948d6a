"""benchmarks/bench_selection_time.py: the timed fold and the samplers taking turns."""

import numpy as np
import pandas as pd
import pytest

from sklearn_asss import ASSSSampler, CleanlabSampler
from sklearn_asss.benchmark._datasets import load_dataset

from _scripts import load_script


def test_the_timed_fold_is_a_grid_training_fold_with_the_share_of_flips_asked():
    X, y = load_script("bench_selection_time").noisy_training_fold("digits", 0.2)
    X_all, y_all = load_dataset("digits")
    n_classes = len(np.unique(y_all))
    assert len(y) == len(X) and abs(len(y) - 0.8 * len(X_all)) <= n_classes  # 4 of 5 folds
    _, clean = load_script("bench_selection_time").noisy_training_fold("digits", 0.0)
    assert np.mean(y != clean) == pytest.approx(0.2, abs=1 / len(y))


def test_every_setting_is_timed_against_cleanlab_which_fits_last():
    samplers = load_script("bench_selection_time").timed_samplers(0.2, {"short": {"max_epochs": 1}})
    assert list(samplers) == ["asss", "short", "cleanlab"]
    assert isinstance(samplers["short"], ASSSSampler) and samplers["short"].max_epochs == 1
    assert isinstance(samplers["cleanlab"], CleanlabSampler)
    assert samplers["asss"].keep_ratio == samplers["cleanlab"].keep_ratio == 0.2


def test_a_setting_is_built_as_the_grid_builds_its_variant():
    from sklearn.ensemble import RandomForestClassifier

    from sklearn_asss.benchmark import FOREST_TREES

    settings = {"asss_judged": {"validation_estimator": "downstream"}}
    samplers = load_script("bench_selection_time").timed_samplers(0.1, settings)
    judge = samplers["asss_judged"].validation_estimator
    assert isinstance(judge, RandomForestClassifier) and judge.n_estimators == FOREST_TREES
    with pytest.raises(ValueError, match="max_epoch"):
        load_script("bench_selection_time").timed_samplers(0.1, {"typo": {"max_epoch": 1}})


def test_median_times_fits_each_sampler_as_many_times_as_asked():
    fitted = []

    class Counting(ASSSSampler):
        def fit_resample(self, X, y):
            fitted.append(self.random_state)
            return X, y

    times = load_script("bench_selection_time").median_times({"a": Counting(), "b": Counting()}, None, None, 3)
    assert fitted == [0, 0, 1, 1, 2, 2]  # turns: a, b, a, b, a, b, each fit with its seed
    assert set(times) == {"a", "b"} and all(t >= 0 for t in times.values())


def test_pair_flips_give_each_flipped_row_the_next_class():
    script = load_script("bench_selection_time")
    _, clean = script.noisy_training_fold("digits", 0.0)
    _, y = script.noisy_training_fold("digits", 0.2, "pair")
    flipped = y != clean
    assert np.mean(flipped) == pytest.approx(0.2, abs=1 / len(y))
    assert np.array_equal(y[flipped], (clean[flipped] + 1) % (clean.max() + 1))


def test_the_medians_are_written_one_row_per_cell_and_sampler(tmp_path):
    out = tmp_path / "times.csv"
    load_script("bench_selection_time").main([
        "--datasets", "digits", "--fits", "1", "--keep-ratios", "0.2", "0.3",
        "--noise-kinds", "pair", "--set", '{"short": {"max_epochs": 1}}', "--out", str(out),
    ])  # fmt: skip
    times = pd.read_csv(out)
    assert times[["dataset", "noise_kind", "noise_rate"]].drop_duplicates().values.tolist() == [
        ["digits", "pair", 0.2]
    ]
    assert times.groupby("keep_ratio")["method"].apply(list).to_dict() == {
        0.2: ["asss", "short", "cleanlab"], 0.3: ["asss", "short", "cleanlab"]
    }
    assert (times["selection_s"] > 0).all()
