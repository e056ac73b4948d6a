import numpy as np
import pytest

import sklearn_asss._utils as clustering
from sklearn_asss import KMeansSampler, RandomSampler
from sklearn_asss.samplers._kmeans import (
    _credible_first,
    _in_clusters_of_typical_size,
    _nearest_per_cluster,
)


def _three_blobs():
    """One class made of three tight, far apart blobs of 600, 300 and 100 rows."""
    rng = np.random.RandomState(0)
    centers = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    sizes = [600, 300, 100]
    X = np.vstack([c + rng.normal(size=(n, 2)) for c, n in zip(centers, sizes)])
    blob = np.repeat([0, 1, 2], sizes)
    # a second class far away, so the check sees per-class clustering
    X = np.vstack([X, rng.normal(size=(50, 2)) + [30.0, 30.0]])
    y = np.r_[np.zeros(1000, int), np.ones(50, int)]
    return X, y, blob, centers


def test_each_cluster_contributes_in_proportion_nearest_first():
    X, y, blob, centers = _three_blobs()
    sampler = KMeansSampler(keep_ratio=0.1, n_clusters=3, random_state=0).fit(X, y)
    kept = sampler.sample_indices_[sampler.sample_indices_ < 1000]
    np.testing.assert_array_equal(np.bincount(blob[kept], minlength=3), [60, 30, 10])
    assert sampler.n_clusters_[0] == 3
    # within each blob, the kept rows are nearer the blob's mean than every dropped row
    for b in range(3):
        rows = np.flatnonzero(blob == b)
        centroid = X[rows].mean(axis=0)
        distance = np.linalg.norm(X[rows] - centroid, axis=1)
        is_kept = np.isin(rows, kept)
        assert distance[is_kept].max() <= distance[~is_kept].min() + 0.05


def test_auto_uses_one_cluster_per_kept_row():
    X, y, _, _ = _three_blobs()
    sampler = KMeansSampler(keep_ratio=0.2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(sampler.n_clusters_, sampler.class_budgets_)


def test_clusters_capped_by_budget_and_distinct_rows():
    # class 0: 40 copies of 5 distinct rows
    X = np.vstack([np.repeat(np.arange(5.0)[:, None], 8, axis=0), np.arange(20.0)[:, None] + 100])
    y = np.r_[np.zeros(40, int), np.ones(20, int)]
    sampler = KMeansSampler(keep_ratio=0.5, n_clusters=50, random_state=0).fit(X, y)
    np.testing.assert_array_equal(sampler.n_clusters_, [5, 10])
    # each distinct row is a cluster of 8 copies: each contributes 4
    kept = sampler.sample_indices_[sampler.sample_indices_ < 40]
    np.testing.assert_array_equal(np.bincount(X[kept, 0].astype(int)), [4] * 5)


@pytest.mark.parametrize(
    "lloyd_max, minibatch_max", [(0, 10_000), (0, 2)], ids=["minibatch", "two-level"]
)
def test_large_data_paths(monkeypatch, lloyd_max, minibatch_max):
    # force MiniBatchKMeans, then the two-level K-means, on small data
    monkeypatch.setattr(clustering, "LLOYD_MAX_DISTANCES", lloyd_max)
    monkeypatch.setattr(clustering, "MINIBATCH_MAX_CLUSTERS", minibatch_max)
    X, y, blob, _ = _three_blobs()
    sampler = KMeansSampler(keep_ratio=0.1, n_clusters=30, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), sampler.class_budgets_)
    kept = sampler.sample_indices_[sampler.sample_indices_ < 1000]
    # thirty clusters over blobs of 600/300/100 rows: every blob is represented in proportion
    counts = np.bincount(blob[kept], minlength=3)
    assert np.all(np.abs(counts - [60, 30, 10]) <= 4)
    np.testing.assert_array_equal(sampler.n_clusters_, [30, 5])


def test_global_clustering_keeps_the_class_budgets():
    X, y, _, _ = _three_blobs()
    sampler = KMeansSampler(keep_ratio=0.05, per_class=False, n_clusters=80, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), sampler.class_budgets_)
    # round(0.05 * 1050) = 52 rows kept: the 80 clusters are capped at 52
    np.testing.assert_array_equal(sampler.n_clusters_, [52, 52])


def test_more_spread_than_random_on_shuttle(shuttle, mean_nn_distance):
    X, y = shuttle
    kmeans = KMeansSampler(keep_ratio=0.3, random_state=0).fit(X, y).sample_indices_
    spreads_random = [
        mean_nn_distance(X[RandomSampler(random_state=seed).fit(X, y).sample_indices_])
        for seed in range(3)
    ]
    assert mean_nn_distance(X[kmeans]) > 1.3 * max(spreads_random)


def test_verbose_prints_each_class(capsys):
    X, y, _, _ = _three_blobs()
    KMeansSampler(keep_ratio=0.1, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "class 0: 1000 rows, 100 clusters, 100 kept" in out
    assert "class 1: 50 rows" in out


def test_a_class_with_no_rows_to_keep_is_passed_over():
    # ASSSSampler's prototypes: a class whose rows the label filter flagged whole has a
    # budget of 0 and no rows to cluster
    X = np.random.RandomState(0).normal(size=(20, 2))
    y_encoded = np.ones(20, dtype=int)
    sampler = KMeansSampler()
    kept = sampler._select(X, y_encoded, np.array([0, 3]), np.random.RandomState(0))
    assert len(kept) == 3 and (y_encoded[kept] == 1).all()
    np.testing.assert_array_equal(sampler.n_clusters_, [0, 3])


def test_credible_first_ranks_each_clusters_less_credible_half_last():
    labels = np.array([0, 0, 0, 0, 1, 1, 1])
    distances = np.array([3.0, 1.0, 4.0, 2.0, 1.0, 2.0, 3.0])
    credibility = np.array([0.9, 0.1, 0.8, 0.2, 0.5, 0.6, 0.7])
    ranked = _credible_first(labels, distances, credibility)
    # cluster 0: rows 0 and 2 credible, row 0 the nearer; cluster 1 (odd): rows 5 and 6
    np.testing.assert_array_equal(_nearest_per_cluster(labels, ranked, 2), [0, 5])
    # a cluster keeping more than its credible half takes the others after, nearest first
    np.testing.assert_array_equal(_nearest_per_cluster(labels, ranked, 7), np.arange(7))
    np.testing.assert_array_equal(np.argsort(ranked[:4], kind="stable"), [0, 2, 1, 3])


def test_prototypes_by_credibility_pass_over_an_incredible_row_at_the_centroid():
    # a ring of 40 rows and one row at its centre, whose label a filter doubts: the
    # centroid of the ring is its centre, so the plain prototype is that row
    angle = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    X = np.vstack([5 * np.c_[np.cos(angle), np.sin(angle)], [[0.0, 0.0]]])
    y_encoded = np.zeros(41, dtype=int)
    credibility = np.r_[np.full(40, 0.9), 0.4]
    budgets = np.array([1])
    plain = KMeansSampler()._select(X, y_encoded, budgets, np.random.RandomState(0))
    assert plain.tolist() == [40]
    credible = KMeansSampler()._select(
        X, y_encoded, budgets, np.random.RandomState(0), credibility=credibility
    )
    assert len(credible) == 1 and credible[0] < 40


def test_prototypes_by_credibility_pass_over_a_row_isolated_in_its_own_cluster():
    # two blobs of 50 rows and one far row: K-means into three clusters isolates that row
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(size=(50, 2)), rng.normal(size=(50, 2)) + 10, [[40.0, 40.0]]])
    y_encoded = np.zeros(101, dtype=int)
    budgets = np.array([3])
    plain = KMeansSampler()._select(X, y_encoded, budgets, np.random.RandomState(0))
    assert 100 in plain
    credible = KMeansSampler()._select(
        X, y_encoded, budgets, np.random.RandomState(0), credibility=np.ones(101)
    )
    assert len(credible) == 3 and 100 not in credible
    assert {0, 1} <= set(np.asarray(credible) // 50)  # both blobs


def test_clusters_of_typical_size_keep_every_row_where_the_others_fall_short():
    labels = np.r_[np.zeros(10, int), np.ones(10, int), 2]  # mean 7 rows, a quarter 1.75
    np.testing.assert_array_equal(_in_clusters_of_typical_size(labels, 3), np.arange(21) < 20)
    assert _in_clusters_of_typical_size(labels, 21).all()
