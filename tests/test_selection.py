import threading

import numpy as np
import pytest

from sklearn_asss import _selection, class_budgets, select_subset
from sklearn_asss._selection import (
    _apportion,
    _clusters_per_class,
    n_to_keep,
    select_sample,
    select_sample_in_clusters,
    select_stratified,
    select_top,
)


@pytest.mark.parametrize(
    "counts, n_keep",
    [([50, 30, 20], 30), ([1000, 3, 2], 301), ([5, 5], 2), ([7, 1, 1, 1], 4), ([10, 10], 20)],
)
def test_class_budgets_sum_floor_and_cap(counts, n_keep):
    budgets = class_budgets(np.array(counts), n_keep)
    assert budgets.sum() == n_keep
    assert np.all(budgets >= 1)
    assert np.all(budgets <= counts)


def test_class_budgets_are_proportional_when_no_floor_binds():
    assert class_budgets(np.array([500, 300, 200]), 100).tolist() == [50, 30, 20]


def test_class_budgets_floor_keeps_tiny_classes_and_takes_from_largest():
    # kddcup-like: 30% of 2 and 3 rows rounds to 1 row each, never 0
    budgets = class_budgets(np.array([9995, 3, 2]), 3000)
    assert budgets.tolist() == [2998, 1, 1]


@pytest.mark.parametrize("min_per_class", [1, 5, 50, 1000])
@pytest.mark.parametrize(
    "counts, n_keep", [([1000, 40, 8, 3], 300), ([500, 500], 10), ([90, 5, 5], 12)]
)
def test_class_budgets_floor_holds_and_fits_in_the_budget(counts, n_keep, min_per_class):
    counts = np.array(counts)
    budgets = class_budgets(counts, n_keep, min_per_class)
    assert budgets.sum() == n_keep
    assert np.all(budgets <= counts)
    floor = np.minimum(counts, max(1, min(min_per_class, n_keep // len(counts))))
    assert np.all(budgets >= floor)


def test_class_budgets_floor_is_paid_by_the_largest_class():
    # shuttle's training folds: the classes of 40, 8 and 10 rows keep all of them
    counts = np.array([36469, 40, 137, 7122, 2614, 8, 10])
    budgets = class_budgets(counts, 13920, min_per_class=50)
    proportional = class_budgets(counts, 13920)
    assert budgets.tolist() == [10891, 40, 50, 2137, 784, 8, 10]
    np.testing.assert_array_equal(budgets[3:5], proportional[3:5])


def test_class_budgets_floor_of_a_larger_class_is_raised_only_to_its_trusted_rows():
    # shuttle at 1% kept with 20% symmetric flips: rare classes flooded with flipped rows
    counts = np.array([29484, 1600, 1595, 7023, 3602, 1511, 40])
    trusted = np.array([29122, 10, 30, 5747, 2110, 0, 3])
    labels = class_budgets(counts, 464, min_per_class=50)
    budgets = class_budgets(counts, 464, min_per_class=50, trusted_counts=trusted)
    proportional = class_budgets(counts, 464)
    assert labels[[1, 2, 5]].tolist() == [50, 50, 50] and labels[6] == 40
    # raised to its 30 trusted rows; with trusted rows below their proportional share, the
    # others keep that; with enough, the floor; a class of 40 rows, under it, is kept whole
    assert budgets[2] == 30 and budgets[4] == 50 and budgets[6] == 40
    np.testing.assert_array_equal(budgets[[1, 3, 5]], proportional[[1, 3, 5]])
    # what the floor no longer takes goes back to the largest class
    assert budgets.sum() == 464 and budgets[0] > labels[0]
    trusting_all = class_budgets(counts, 464, min_per_class=50, trusted_counts=counts)
    np.testing.assert_array_equal(trusting_all, labels)
    with pytest.raises(ValueError, match="one count per class"):
        class_budgets(counts, 464, min_per_class=50, trusted_counts=trusted[:3])


def test_n_to_keep_rounds_and_keeps_one_per_class():
    assert n_to_keep(1000, 3, 0.3) == 300
    assert n_to_keep(10, 5, 0.1) == 5
    assert n_to_keep(10, 2, 1.0) == 10


def test_select_top_keeps_the_highest_scores_of_each_class():
    y = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.9, 0.5, 0.3, 0.2, 0.8])
    assert select_top(scores, y, np.array([2, 1])).tolist() == [1, 2, 5]


def test_select_top_breaks_ties_by_row_index_and_allows_empty_budgets():
    y = np.array([1, 0, 1, 0, 1, 2])
    scores = np.array([0.5, 0.5, 0.5, 0.5, 0.9, 0.1])
    assert select_top(scores, y, np.array([1, 2, 0])).tolist() == [0, 1, 4]


def test_select_sample_in_clusters_gives_each_cluster_its_share():
    # class 0: clusters of 600, 300 and 100 rows; class 1: one cluster of 50
    y = np.r_[np.zeros(1000, int), np.ones(50, int)]
    clusters = np.repeat([0, 1, 2, 3], [600, 300, 100, 50])
    # p favours cluster 0 strongly: a draw over the class would over-fill it
    p = np.where(clusters == 0, 0.9, 0.3)
    kept = select_sample_in_clusters(p, y, clusters, np.array([100, 5]), np.random.RandomState(0))
    np.testing.assert_array_equal(np.bincount(clusters[kept]), [60, 30, 10, 5])
    one_draw = select_sample(p, y, np.array([100, 5]), np.random.RandomState(0))
    assert np.sum(clusters[one_draw] == 0) > 70


def test_select_sample_in_clusters_draws_by_p_within_a_cluster():
    y = np.zeros(400, int)
    clusters = np.repeat([0, 1], 200)
    p = np.tile(np.r_[np.full(100, 0.9), np.full(100, 0.01)], 2)
    kept = select_sample_in_clusters(p, y, clusters, np.array([100]), np.random.RandomState(0))
    np.testing.assert_array_equal(np.bincount(clusters[kept]), [50, 50])
    assert np.mean(p[kept] == 0.9) > 0.9


def test_select_sample_in_clusters_pools_isolated_rows_instead_of_passing_them_over():
    # ten clusters of 18 rows (share 5.4 each) and ten isolated rows (share 0.3
    # each): rounded cluster by cluster, the larger remainders of the big
    # clusters would take every leftover row and no isolated row would be kept
    y = np.zeros(190, int)
    clusters = np.r_[np.repeat(np.arange(10), 18), np.arange(10, 20)]
    isolated = clusters >= 10
    p = np.where(isolated, 0.9, 0.1)
    kept = select_sample_in_clusters(p, y, clusters, np.array([57]), np.random.RandomState(0))
    assert len(kept) == 57
    assert isolated[kept].sum() == 3  # the pool of ten keeps its share, 10 * 57 / 190
    never_pooled = select_sample_in_clusters(
        p, y, clusters, np.array([57]), np.random.RandomState(0), min_share=0.0
    )
    assert isolated[never_pooled].sum() == 0


def test_select_sample_in_clusters_cuts_clusters_the_selector_rejects():
    # cluster 2 (rows of another class's region, say) has a mean p of 1/20 of the class's
    y = np.zeros(300, int)
    clusters = np.repeat([0, 1, 2], 100)
    p = np.r_[np.full(200, 0.45), np.full(100, 0.001)]
    kept = select_sample_in_clusters(p, y, clusters, np.array([90]), np.random.RandomState(0))
    counts = np.bincount(clusters[kept], minlength=3)
    assert counts.sum() == 90
    assert counts[2] <= 2
    assert abs(counts[0] - counts[1]) <= 1


def test_select_sample_never_draws_zero_probability_rows_when_avoidable():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 50)
    p = np.tile(np.r_[np.zeros(25), np.full(25, 0.5)], 2)
    kept = select_sample(p, y, np.array([20, 20]), rng)
    assert len(kept) == 40
    assert np.all(p[kept] > 0)


def test_select_sample_follows_the_probabilities():
    rng = np.random.RandomState(0)
    y = np.zeros(2000, dtype=int)
    p = np.r_[np.full(1000, 0.9), np.full(1000, 0.1)]
    kept = select_sample(p, y, np.array([200]), rng)
    assert np.mean(kept < 1000) > 0.8


def test_select_stratified_drops_lowest_band_and_spreads_over_the_rest():
    rng = np.random.RandomState(0)
    y = np.zeros(1000, dtype=int)
    p = np.linspace(0, 1, 1000)
    kept = select_stratified(p, y, np.array([90]), rng)
    assert len(np.unique(kept)) == 90
    assert p[kept].min() >= p[100]  # the lowest tenth is dropped
    # evenly spread: every remaining band of p holds 10 of the 90 rows
    counts = np.histogram(p[kept], bins=np.linspace(0.1, 1, 10))[0]
    assert np.all(np.abs(counts - 10) <= 1)


def test_select_stratified_keeps_the_lowest_band_when_the_budget_needs_it():
    rng = np.random.RandomState(0)
    y = np.zeros(10, dtype=int)
    kept = select_stratified(np.linspace(0, 1, 10), y, np.array([10]), rng)
    assert kept.tolist() == list(range(10))


def _scored_classes(seed=0):
    """Two classes of 300 and 100 rows in two dimensions, with scores in (0, 1)."""
    rng = np.random.RandomState(seed)
    y = np.repeat([0, 1], [300, 100])
    X = rng.normal(size=(len(y), 2)) + 4 * y[:, None]
    return X, y, rng.uniform(size=len(y))


@pytest.mark.parametrize("selection", ["clustered", "top", "sample", "stratified"])
def test_select_subset_keeps_each_budget(selection):
    X, y, scores = _scored_classes()
    budgets = np.array([120, 0])
    kept = select_subset(scores, y, budgets, selection=selection, X=X, random_state=0)
    np.testing.assert_array_equal(np.bincount(y[kept], minlength=2), budgets)
    assert np.all(np.diff(kept) > 0)  # ascending, no row twice
    again = select_subset(scores, y, budgets, selection=selection, X=X, random_state=0)
    np.testing.assert_array_equal(kept, again)


def test_select_subset_applies_the_named_rule():
    X, y, scores = _scored_classes()
    budgets = np.array([60, 20])
    np.testing.assert_array_equal(
        select_subset(scores, y, budgets, selection="top"), select_top(scores, y, budgets)
    )
    np.testing.assert_array_equal(
        select_subset(scores, y, budgets, selection="sample", random_state=3),
        select_sample(scores, y, budgets, np.random.RandomState(3)),
    )
    np.testing.assert_array_equal(
        select_subset(scores, y, budgets, selection="stratified", random_state=3),
        select_stratified(scores, y, budgets, np.random.RandomState(3)),
    )


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(selection="best"), ValueError, "selection must be one of"),
        (dict(selection="clustered"), ValueError, "pass them as X"),
        (dict(scores_shift=-1.0, selection="sample"), ValueError, "non-negative"),
        (dict(scores_nan=True), ValueError, "finite"),
        (dict(budgets=[301, 10]), ValueError, "between 0 and the rows"),
        (dict(budgets=[10]), ValueError, "class codes 0 .. 0"),
        (dict(budgets=[10.5, 3]), TypeError, "integers"),
        (dict(y_short=True), ValueError, "one class per score"),
    ],
)
def test_select_subset_rejects_bad_input(kwargs, error, match):
    X, y, scores = _scored_classes()
    scores = scores + kwargs.pop("scores_shift", 0.0)
    if kwargs.pop("scores_nan", False):
        scores[3] = np.nan
    if kwargs.pop("y_short", False):
        y = y[:-1]
    budgets = kwargs.pop("budgets", [30, 10])
    with pytest.raises(error, match=match):
        select_subset(scores, y, budgets, **kwargs)


def _call_in_thread(function, *args, timeout=10.0):
    """The exception `function` raised, or a failure if it has not returned after `timeout` s.

    ``_apportion`` used to loop forever on a NaN weight: a thread keeps the test from hanging.
    """
    outcome = {}

    def target():
        try:
            outcome["value"] = function(*args)
        except Exception as error:  # handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        pytest.fail(f"{function.__name__} did not return within {timeout} s")
    return outcome.get("error")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize("function", ["top", "sample", "stratified", "clusters", "apportion"])
def test_non_finite_scores_are_a_value_error_naming_the_row(function, bad):
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 50)
    scores = rng.rand(100)
    scores[7] = bad
    calls = {
        "top": (select_top, scores, y, [10, 10]),
        "sample": (select_sample, scores, y, [10, 10], rng),
        "stratified": (select_stratified, scores, y, [10, 10], rng),
        "clusters": (select_sample_in_clusters, scores, y, y * 5 + np.arange(100) % 5,
                     [10, 10], rng),
        "apportion": (_apportion, scores, 30, np.full(100, 2)),
    }
    error = _call_in_thread(*calls[function])
    assert isinstance(error, ValueError)
    assert "must be finite" in str(error) and "first at row 7" in str(error)


def test_clustered_retrieval_caps_the_clusters_of_a_class(monkeypatch):
    # one cluster per five kept rows, but no more than the cap: the 60 kept rows of class 0
    # make 12 clusters, capped at 3; class 1 keeps 20 rows, under the 50 to cluster at all
    monkeypatch.setattr(_selection, "_MAX_CLUSTERS_PER_CLASS", 3)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 2))
    y = np.repeat([0, 1], 200)
    clusters = _clusters_per_class(X, y, np.array([60, 20]), np.random.RandomState(0))
    assert len(np.unique(clusters[y == 0])) == 3
    assert len(np.unique(clusters[y == 1])) == 1
    monkeypatch.setattr(_selection, "_MAX_CLUSTERS_PER_CLASS", 1000)
    clusters = _clusters_per_class(X, y, np.array([60, 20]), np.random.RandomState(0))
    assert len(np.unique(clusters[y == 0])) == 12


def test_a_large_class_is_clustered_from_centres_drawn_by_weight(monkeypatch):
    """k-means++ costs a pass per cluster; the retrieval's MiniBatchKMeans starts from rows
    drawn by their copies, while KMeansSampler (whose centres pick its rows) keeps it."""
    from sklearn.cluster import MiniBatchKMeans

    from sklearn_asss import KMeansSampler, _utils

    inits = []

    class Recording(MiniBatchKMeans):
        def fit(self, X, y=None, sample_weight=None):
            inits.append(self.init)
            return super().fit(X, y, sample_weight=sample_weight)

    monkeypatch.setattr(_utils, "MiniBatchKMeans", Recording)
    monkeypatch.setattr(_utils, "LLOYD_MAX_DISTANCES", 0)  # every K-means a mini-batch one
    X = np.random.default_rng(0).normal(size=(400, 2)).astype(np.float32)
    y = np.zeros(400, dtype=np.intp)
    clusters = _clusters_per_class(X, y, np.array([60]), np.random.RandomState(0))
    assert inits == ["random"]
    assert len(np.unique(clusters)) == 12  # one per five rows to keep
    KMeansSampler(keep_ratio=0.1, random_state=0).fit_resample(X, np.arange(400) % 2)
    assert inits[1:] == ["k-means++", "k-means++"]  # one K-means per class
