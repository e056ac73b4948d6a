import numpy as np
import pytest
from sklearn.metrics import pairwise_distances

from sklearn_asss import NNThinningSampler, RandomSampler
from sklearn_asss.samplers._nn_thinning import _GreedyThinning, _resolve_in_order


def _naive_thinning(points, radius):
    """Greedy thinning one point at a time, the definition."""
    distances = pairwise_distances(points)
    dropped = np.zeros(len(points), dtype=bool)
    kept = []
    for i in range(len(points)):
        if not dropped[i]:
            kept.append(i)
            dropped |= distances[i] <= radius
    return np.array(kept)


@pytest.mark.parametrize("block_size", [1, 7, 64, 5000])
@pytest.mark.parametrize("radius", [0.3, 0.9])
def test_blocked_thinning_equals_the_definition(block_size, radius):
    points = np.random.RandomState(0).normal(size=(800, 3))
    expected = _naive_thinning(points, radius)
    got = _GreedyThinning(points - points.mean(axis=0), block_size).thin(radius)
    np.testing.assert_array_equal(got, expected)


def test_resolve_in_order_equals_sequential():
    rng = np.random.RandomState(0)
    for _ in range(20):
        conflicts = np.tril(rng.uniform(size=(60, 60)) < 0.05, k=-1)
        kept = []
        for i in range(60):
            if not any(conflicts[i, j] for j in kept):
                kept.append(i)
        np.testing.assert_array_equal(np.flatnonzero(_resolve_in_order(conflicts)), kept)


def test_searched_radius_thins_to_about_the_budget():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(3000, 2))
    y = (X[:, 0] > 0.5).astype(int)
    sampler = NNThinningSampler(keep_ratio=0.2, tol=0.01, random_state=0).fit(X, y)
    assert np.all(sampler.radius_ > 0)
    gap = np.abs(sampler.n_thinned_ - sampler.class_budgets_)
    assert np.all(gap <= 0.011 * sampler.class_budgets_)
    for c in range(2):
        kept = X[sampler.sample_indices_][y[sampler.sample_indices_] == c]
        dropped = X[np.setdiff1d(np.flatnonzero(y == c), sampler.sample_indices_)]
        if sampler.n_thinned_[c] >= sampler.class_budgets_[c]:
            # trimmed greedy pass: kept rows stay more than the radius apart
            distances = pairwise_distances(kept)
            np.fill_diagonal(distances, np.inf)
            assert distances.min() > sampler.radius_[c]
        else:
            # topped up: every dropped row is within the radius of a kept row
            assert pairwise_distances(dropped, kept).min(axis=1).max() <= sampler.radius_[c]


def test_explicit_radius_then_exact_count():
    rng = np.random.RandomState(1)
    X = rng.uniform(size=(2000, 2))
    y = np.zeros(2000, int)
    y[:500] = 1
    sampler = NNThinningSampler(keep_ratio=0.1, radius=0.05, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), sampler.class_budgets_)
    np.testing.assert_array_equal(sampler.radius_, [0.05, 0.05])
    # the thinning alone keeps a 0.05-net of the unit square: a few hundred rows
    assert 150 < sampler.n_thinned_[0] < 600


def test_duplicates_are_thinned_first():
    # class 0: 500 copies of 10 distinct rows; class 1: 100 distinct rows
    rng = np.random.RandomState(0)
    distinct = rng.normal(size=(10, 3))
    X = np.vstack([distinct[rng.randint(10, size=500)], rng.normal(size=(100, 3)) + 5])
    y = np.r_[np.zeros(500, int), np.ones(100, int)]
    sampler = NNThinningSampler(keep_ratio=0.3, random_state=0).fit(X, y)
    kept0 = X[sampler.sample_indices_[sampler.sample_indices_ < 500]]
    # budget 150 >= 10 distinct rows: every distinct row once, radius 0, then duplicates
    assert sampler.radius_[0] == 0 and sampler.n_thinned_[0] == 10
    assert len(np.unique(kept0, axis=0)) == 10
    # a budget below the distinct rows keeps distinct rows only
    sampler = NNThinningSampler(keep_ratio=0.01, random_state=0).fit(X, y)
    kept0 = X[sampler.sample_indices_[sampler.sample_indices_ < 500]]
    assert len(kept0) == sampler.class_budgets_[0] == 5
    assert len(np.unique(kept0, axis=0)) == 5


def test_verbose_prints_the_search(capsys):
    X = np.random.RandomState(0).normal(size=(300, 2))
    y = np.repeat([0, 1], 150)
    NNThinningSampler(verbose=2, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "class 0 pass 0" in out and "budget 45" in out


def test_more_spread_than_random_on_shuttle(shuttle, mean_nn_distance):
    X, y = shuttle
    thinned = NNThinningSampler(keep_ratio=0.3, random_state=0).fit(X, y).sample_indices_
    spreads_random = [
        mean_nn_distance(X[RandomSampler(random_state=seed).fit(X, y).sample_indices_])
        for seed in range(3)
    ]
    assert mean_nn_distance(X[thinned]) > 1.3 * max(spreads_random)
