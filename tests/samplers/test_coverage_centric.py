import numpy as np
import pytest
from sklearn.base import clone

from sklearn_asss import CoverageCentricSampler, RandomSampler, class_budgets
from sklearn_asss.samplers._coverage_centric import equal_width_strata, spread_evenly

KEEP_RATIO = 0.1
NOISE = 0.05  # share of flipped labels


@pytest.fixture(scope="module")
def noisy_shuttle(shuttle):
    """Shuttle with 5% of the labels flipped to another class; the flipped mask."""
    X, y = shuttle
    rng = np.random.RandomState(0)
    classes = np.unique(y)
    rows = rng.choice(len(y), int(NOISE * len(y)), replace=False)
    y_noisy = y.copy()
    shift = rng.randint(1, len(classes), len(rows))
    y_noisy[rows] = classes[(np.searchsorted(classes, y[rows]) + shift) % len(classes)]
    flipped = np.zeros(len(y), dtype=bool)
    flipped[rows] = True
    return X, y_noisy, flipped


@pytest.fixture(scope="module")
def fitted(noisy_shuttle):
    X, y, _ = noisy_shuttle
    return CoverageCentricSampler(keep_ratio=KEEP_RATIO, random_state=0).fit(X, y)


def test_budgets_are_exact_on_shuttle(fitted, noisy_shuttle):
    _, y, _ = noisy_shuttle
    _, counts = np.unique(y, return_counts=True)
    kept = fitted.sample_indices_
    expected = class_budgets(counts, round(KEEP_RATIO * len(y)))
    np.testing.assert_array_equal(np.unique(y[kept], return_counts=True)[1], expected)
    assert len(np.unique(kept)) == len(kept)


def test_the_hardest_share_of_each_class_is_cut(fitted, noisy_shuttle):
    _, y, flipped = noisy_shuttle
    difficulty = fitted.difficulty_scores_
    assert not fitted.hard_cut_[fitted.sample_indices_].any()
    np.testing.assert_array_equal(fitted.strata_ == -1, fitted.hard_cut_)
    for label, budget in zip(fitted.classes_, fitted.class_budgets_):
        in_class = y == label
        n_rows = in_class.sum()
        cut = fitted.hard_cut_ & in_class
        assert cut.sum() == min(int(0.1 * n_rows), n_rows - budget)
        if cut.any():  # the cut rows are the hardest of the class
            assert difficulty[cut].min() >= difficulty[in_class & ~cut].max()
    # in the large classes the flipped-in rows are a minority, and the cut takes most
    labels, counts = np.unique(y, return_counts=True)
    large = np.isin(y, labels[counts > 500])
    assert fitted.hard_cut_[flipped & large].mean() > 0.8
    kept = np.zeros(len(y), dtype=bool)
    kept[fitted.sample_indices_] = True
    # fewer than a random draw keeps (their share, 1.7%); not far fewer: equal quotas per
    # stratum oversample the sparse hard strata, where the flipped rows the cut missed are
    assert flipped[kept & large].mean() < flipped[large].mean()


def test_every_stratum_is_covered_evenly(fitted, noisy_shuttle):
    X, y, _ = noisy_shuttle
    kept = fitted.sample_indices_
    random_kept = RandomSampler(keep_ratio=KEEP_RATIO, random_state=0).fit(X, y).sample_indices_
    for label, budget in zip(fitted.classes_, fitted.class_budgets_):
        in_class = (y == label) & ~fitted.hard_cut_
        sizes = np.bincount(fitted.strata_[in_class], minlength=fitted.n_strata)
        kept_counts = np.bincount(fitted.strata_[kept][y[kept] == label], minlength=len(sizes))
        np.testing.assert_array_equal(kept_counts, spread_evenly(sizes, budget))
        partial = kept_counts < sizes  # strata not kept whole share the budget evenly
        if partial.any():
            assert np.ptp(kept_counts[partial]) <= 1
            assert sizes[~partial].max(initial=0) <= kept_counts[partial].min() + 1
    # class 3 (2,155 real rows): CCS reaches every non-empty stratum, a random draw does not
    in_class = (y == 3) & ~fitted.hard_cut_
    non_empty = np.unique(fitted.strata_[in_class])
    assert set(np.unique(fitted.strata_[kept][y[kept] == 3])) == set(non_empty)
    random_strata = fitted.strata_[random_kept][(y[random_kept] == 3)]
    assert len(np.unique(random_strata[random_strata >= 0])) < len(non_empty)


def test_el2n_and_reproducibility(noisy_shuttle):
    X, y, _ = noisy_shuttle
    sampler = CoverageCentricSampler(
        keep_ratio=KEEP_RATIO, difficulty="el2n", warmup_epochs=2, random_state=1
    )
    a = sampler.fit(X, y).sample_indices_
    scores = sampler.difficulty_scores_
    assert scores.min() >= 0 and scores.max() <= np.sqrt(2) + 1e-6
    b = clone(sampler).fit(X, y).sample_indices_
    c = clone(sampler).set_params(random_state=2).fit(X, y).sample_indices_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize(
    "sizes, budget, expected",
    [
        ([10, 10, 10], 10, [4, 3, 3]),  # CCS's floor would give 3, 3, 3 (one row short)
        ([1, 100, 100], 10, [1, 5, 4]),
        ([0, 2, 50, 7], 20, [0, 2, 11, 7]),
        ([5, 5], 10, [5, 5]),
    ],
)
def test_spread_evenly(sizes, budget, expected):
    np.testing.assert_array_equal(spread_evenly(np.array(sizes), budget), expected)


def test_spread_evenly_meets_any_feasible_budget():
    rng = np.random.RandomState(0)
    for _ in range(300):
        sizes = rng.randint(0, 30, size=rng.randint(1, 12))
        budget = rng.randint(0, sizes.sum() + 1)
        quotas = spread_evenly(sizes, budget)
        assert quotas.sum() == budget and np.all(quotas <= sizes) and np.all(quotas >= 0)


def test_equal_width_strata():
    scores = np.array([0.0, 0.24, 0.25, 0.5, 0.99, 1.0])
    np.testing.assert_array_equal(equal_width_strata(scores, 4), [0, 0, 1, 2, 3, 3])
    np.testing.assert_array_equal(equal_width_strata(np.full(3, 2.0), 4), [0, 0, 0])
