"""Plain regression tests of the bugs found by tests/test_properties.py."""

import numpy as np
import pandas as pd
import pytest

from sklearn_asss import (
    ASSSSampler,
    CleanlabSampler,
    GradientMatchingSampler,
    KMeansSampler,
    RandomSampler,
    class_budgets,
)


def test_gradient_matching_scores_are_finite_on_huge_float32_features():
    # features near 1e30 kept as float32: the product of the gradient norms overflowed
    # float32, and the cosine of the first row was inf / inf = NaN
    X = np.array([[1.7640523e30], [4.0015720e29]], dtype=np.float32)
    y = np.array([-7, 0])
    sampler = GradientMatchingSampler(
        keep_ratio=0.5, warmup_epochs=1, hidden_layer_sizes=(8,), random_state=0
    ).fit(X, y)
    assert np.all(np.isfinite(sampler.selection_scores_))
    assert np.all(np.abs(sampler.selection_scores_) <= 1.0)


def test_kmeans_keeps_the_rows_nearest_their_centre_on_huge_float32_features():
    # the distances to the centres were float32: near 1e30 their squares overflowed to inf,
    # every row tied, and the finite-score check of the ranking refused the subset
    X = np.array([[1e30], [1.1e30], [3e30], [-2e30], [-2.2e30], [5e29], [0.0], [1.0]],
                 dtype=np.float32)  # fmt: skip
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    sampler = KMeansSampler(keep_ratio=0.5, n_clusters=1, random_state=0).fit(X, y)
    first = X[:6, 0].astype(np.float64)
    nearest = np.argsort(np.abs(first - first.mean()), kind="stable")[:3]
    assert sampler.class_budgets_.tolist() == [3, 1]
    np.testing.assert_array_equal(sampler.sample_indices_[:3], np.sort(nearest))


def test_cleanlab_names_cv_when_no_class_fills_its_folds():
    pytest.importorskip("cleanlab")
    X = np.arange(4.0).reshape(-1, 1)
    y = np.array([0, 1, 2, 3])
    with pytest.raises(ValueError, match=r"at least cv=3 rows.*largest class has 1. Lower cv"):
        CleanlabSampler(keep_ratio=0.5, cv=3, random_state=0).fit_resample(X, y)


def test_class_budgets_breaks_equal_remainders_by_the_lower_class_index():
    # 49 rows of 126: classes of 22 and 4 rows have shares 8 + 70/126 and 1 + 70/126, equal
    # remainders that floats computed as 0.5555555555555554 and ...556, giving the spare row
    # to the higher class index
    counts = np.array([1, 22, 4, 15, 28, 28, 28])
    assert class_budgets(counts, 49).tolist() == [1, 9, 1, 6, 10, 11, 11]


@pytest.mark.parametrize(
    "y", [np.array(["class 0", 1], dtype=object), pd.Series(["a", 2.0], index=[5, 7])]
)
def test_labels_mixing_strings_and_numbers_raise_a_clear_type_error(y):
    # numpy's sort failed inside scikit-learn's type_of_target with
    # "'<' not supported between instances of 'int' and 'str'"
    with pytest.raises(TypeError, match="mix of label types: (float|int), str"):
        RandomSampler(keep_ratio=0.5).fit_resample(np.ones((2, 1)), y)


def test_asss_probabilities_are_finite_when_the_last_batch_has_one_row():
    # 65 rows in batches of 64: the standardised look-ahead gradient of the one-row batch
    # divided by torch's std of a single value (NaN), and every p became NaN
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(65, 2)), np.arange(65) % 2
    sampler = ASSSSampler(
        keep_ratio=0.5, selection="top", max_epochs=1, warmup_epochs=1, batch_size=64,
        hidden_layer_sizes=(8,), selector_hidden_layer_sizes=(8, 8), random_state=0,
    ).fit(X, y)  # fmt: skip
    assert np.all(np.isfinite(sampler.selection_scores_))
