"""Behaviour every baseline sampler shares: counts, budgets, determinism, pipelines."""

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from sklearn_asss import (
    CoverageCentricSampler,
    DeduplicateSampler,
    GradientMatchingSampler,
    KMeansSampler,
    MarginSampler,
    NNThinningSampler,
    RandomSampler,
)

SAMPLERS = [
    RandomSampler(random_state=0),
    RandomSampler(stratify=False, random_state=0),
    KMeansSampler(random_state=0),
    KMeansSampler(per_class=False, random_state=0),
    NNThinningSampler(random_state=0),
    MarginSampler(warmup_epochs=2, random_state=0),
    GradientMatchingSampler(warmup_epochs=2, random_state=0),
    DeduplicateSampler(random_state=0),
    CoverageCentricSampler(warmup_epochs=2, random_state=0),
]
IDS = [repr(sampler) for sampler in SAMPLERS]

# The budgets of the `imbalanced` blobs (300, 150, 45, 3 and 2 rows), worked out by hand:
# 10% = 50 rows: shares 30, 15, 4.5, 0.3, 0.2 floor to 30, 15, 4, 0, 0; the leftover row
#   goes to the largest remainder (0.5): 30, 15, 5, 0, 0; the floor of one row per class
#   costs the largest class two rows: 28, 15, 5, 1, 1
# 30% = 150 rows: 90, 45, 13.5, 0.9, 0.6 floor to 90, 45, 13, 0, 0; the two leftover rows
#   go to the remainders 0.9 and 0.6: 90, 45, 13, 1, 1
EXPECTED_BUDGETS = {0.1: [28, 15, 5, 1, 1], 0.3: [90, 45, 13, 1, 1], 1.0: [300, 150, 45, 3, 2]}


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
@pytest.mark.parametrize("keep_ratio", [0.1, 0.3, 1.0])
def test_kept_count_and_class_floor(sampler, keep_ratio, imbalanced):
    X, y = imbalanced
    sampler = clone(sampler).set_params(keep_ratio=keep_ratio)
    X_res, y_res = sampler.fit_resample(X, y)
    assert len(y_res) == round(keep_ratio * len(y))
    # every class survives, the tiny ones (3 and 2 rows) included
    counts = np.bincount(y_res, minlength=5)
    assert counts.min() >= 1
    if sampler.get_params().get("stratify", True):
        np.testing.assert_array_equal(counts, EXPECTED_BUDGETS[keep_ratio])
    np.testing.assert_array_equal(sampler.sample_indices_, np.sort(sampler.sample_indices_))
    assert len(np.unique(sampler.sample_indices_)) == len(y_res)
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
def test_min_samples_per_class_raises_the_small_classes(sampler, imbalanced):
    X, y = imbalanced
    if not sampler.get_params().get("stratify", True):
        pytest.skip("an unstratified random draw has no per-class budgets")
    sampler = clone(sampler).set_params(keep_ratio=0.3, min_samples_per_class=20)
    _, y_res = sampler.fit_resample(X, y)
    counts = np.bincount(y_res, minlength=5)
    # 45 rows would keep 14 by share; the classes of 3 and 2 rows keep all they have
    np.testing.assert_array_equal(counts[2:], [20, 3, 2])
    assert counts.sum() == 150
    np.testing.assert_array_equal(counts, sampler.class_budgets_)


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
def test_deterministic_under_random_state(sampler, imbalanced):
    X, y = imbalanced
    first = clone(sampler).fit(X, y).sample_indices_
    second = clone(sampler).fit(X, y).sample_indices_
    np.testing.assert_array_equal(first, second)
    other = clone(sampler).set_params(random_state=1).fit(X, y).sample_indices_
    if not isinstance(sampler, (MarginSampler, GradientMatchingSampler)):
        # a different seed draws a different subset (the score-based samplers may agree)
        assert not np.array_equal(first, other)


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
def test_inputs_and_torch_rng_untouched(sampler, imbalanced):
    X, y = imbalanced
    X_before, y_before = X.copy(), y.copy()
    torch_state = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    clone(sampler).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    assert torch.equal(torch.get_rng_state(), torch_state)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
def test_dataframe_in_dataframe_out(sampler, imbalanced):
    X, y = imbalanced
    frame = pd.DataFrame(X, columns=["a", "b"], index=np.arange(len(y)) * 10)
    target = pd.Series(y, index=frame.index, name="label")
    X_res, y_res = clone(sampler).fit_resample(frame, target)
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == ["a", "b"]
    assert isinstance(y_res, pd.Series)
    np.testing.assert_array_equal(X_res.index, y_res.index)


BAD_PARAMS = [
    (RandomSampler, {"keep_ratio": 0.0}),
    (RandomSampler, {"keep_ratio": 1.5}),
    (RandomSampler, {"stratify": "yes"}),
    (KMeansSampler, {"n_clusters": 0}),
    (KMeansSampler, {"n_clusters": "many"}),
    (KMeansSampler, {"batch_size": 0}),
    (KMeansSampler, {"keep_ratio": -0.1}),
    (NNThinningSampler, {"radius": -1.0}),
    (NNThinningSampler, {"tol": 1.0}),
    (NNThinningSampler, {"max_iter": 0}),
    (NNThinningSampler, {"block_size": 0}),
    (MarginSampler, {"warmup_epochs": 0}),
    (MarginSampler, {"hidden_layer_sizes": (0, 4)}),
    (MarginSampler, {"hidden_layer_sizes": ()}),
    (MarginSampler, {"lr": 0.0}),
    (GradientMatchingSampler, {"reference": "batch"}),
    (GradientMatchingSampler, {"batch_size": 0}),
    (DeduplicateSampler, {"min_samples_per_class": 0}),
    (CoverageCentricSampler, {"difficulty": "loss"}),
    (CoverageCentricSampler, {"hard_cut_ratio": 1.0}),
    (CoverageCentricSampler, {"n_strata": 0}),
]


@pytest.mark.parametrize(
    "cls, params", BAD_PARAMS, ids=[f"{c.__name__}-{p}" for c, p in BAD_PARAMS]
)
def test_bad_parameters_raise_value_error_naming_them(cls, params, imbalanced):
    X, y = imbalanced
    name = next(iter(params))
    with pytest.raises(ValueError, match=name):
        cls(**params).fit_resample(X, y)


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
def test_bad_input_raises(sampler, imbalanced):
    X, y = imbalanced
    with pytest.raises(ValueError, match="2 classes"):
        clone(sampler).fit_resample(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="NaN"):
        X_nan = X.copy()
        X_nan[0, 0] = np.nan
        clone(sampler).fit_resample(X_nan, y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        clone(sampler).fit_resample(X, y[:-1])


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
def test_pipeline_with_grid_search(sampler, imbalanced):
    X, y = imbalanced
    keep = y < 3  # the three blobs: enough rows of each class for 3-fold CV
    pipeline = Pipeline([("sampler", clone(sampler)), ("model", LogisticRegression())])
    search = GridSearchCV(pipeline, {"sampler__keep_ratio": [0.2, 0.5]}, cv=3)
    search.fit(X[keep], y[keep])
    # the refit is the pipeline fitted by hand with the best parameters
    best_ratio = search.best_params_["sampler__keep_ratio"]
    manual = clone(pipeline).set_params(sampler__keep_ratio=best_ratio).fit(X[keep], y[keep])
    refit_sampler = search.best_estimator_.named_steps["sampler"]
    assert len(refit_sampler.sample_indices_) == round(best_ratio * keep.sum())
    np.testing.assert_array_equal(
        refit_sampler.sample_indices_, manual.named_steps["sampler"].sample_indices_
    )
    np.testing.assert_allclose(
        search.best_estimator_.named_steps["model"].coef_, manual.named_steps["model"].coef_
    )
    # the sampler only acts in fit: predict sees every row
    assert search.predict(X[keep]).shape == (keep.sum(),)
    assert search.score(X[keep], y[keep]) > 0.9


@pytest.mark.parametrize("sampler", SAMPLERS, ids=IDS)
def test_shuttle_count_and_floor(sampler, shuttle):
    X, y = shuttle
    sampler = clone(sampler).set_params(keep_ratio=0.05)
    X_res, y_res = sampler.fit_resample(X, y)
    assert len(y_res) == round(0.05 * len(y))
    counts = np.bincount(y_res, minlength=7)
    # the classes of 4 and 2 rows each keep one
    assert counts.min() >= 1
    if sampler.get_params().get("stratify", True):
        # 725 of 11478, 13, 39, 2155, 809, 4, 2 rows: shares 573.9, 0.65, 1.95, 107.75,
        # 40.45, 0.2, 0.1 floor to 573, 0, 1, 107, 40, 0, 0; the 4 leftover rows go to the
        # remainders .95, .9, .75, .65; the floor of one row for the last two classes
        # costs the largest class two rows
        np.testing.assert_array_equal(counts, [572, 1, 2, 108, 40, 1, 1])
