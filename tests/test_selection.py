import numpy as np
import pytest

from sklearn_asss import class_budgets
from sklearn_asss._selection import (
    n_to_keep,
    select_sample,
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


def test_n_to_keep_rounds_and_keeps_one_per_class():
    assert n_to_keep(1000, 3, 0.3) == 300
    assert n_to_keep(10, 5, 0.1) == 5
    assert n_to_keep(10, 2, 1.0) == 10


def test_select_top_keeps_the_highest_scores_of_each_class():
    y = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.1, 0.9, 0.5, 0.3, 0.2, 0.8])
    assert select_top(scores, y, np.array([2, 1])).tolist() == [1, 2, 5]


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
