import numpy as np
import pytest

from sklearn_asss import RandomSampler, class_budgets


def test_stratified_keeps_class_proportions():
    y = np.repeat([0, 1, 2], [700, 200, 100])
    X = np.arange(len(y), dtype=float)[:, None]
    _, y_res = RandomSampler(keep_ratio=0.3, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(np.bincount(y_res), [210, 60, 30])


def test_each_row_equally_likely():
    # over many seeds, every row is kept about keep_ratio of the time
    y = np.repeat([0, 1], [60, 40])
    X = np.zeros((100, 1))
    hits = np.zeros(100)
    for seed in range(400):
        hits[RandomSampler(keep_ratio=0.25, random_state=seed).fit(X, y).sample_indices_] += 1
    frequency = hits / 400
    assert abs(frequency.mean() - 0.25) < 1e-12
    # binomial(400, 0.25) has sd 0.0217: a 5-sd band
    assert np.all(np.abs(frequency - 0.25) < 0.11)


def test_unstratified_draw_is_not_proportional_but_keeps_every_class():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2, 3], [2000, 500, 3, 2])
    X = rng.normal(size=(len(y), 2))
    budgets = class_budgets(np.bincount(y), round(0.1 * len(y)))
    differs = 0
    for seed in range(20):
        sampler = RandomSampler(keep_ratio=0.1, stratify=False, random_state=seed)
        _, y_res = sampler.fit_resample(X, y)
        counts = np.bincount(y_res, minlength=4)
        assert len(y_res) == budgets.sum()
        assert counts.min() >= 1  # the 3- and 2-row classes are restored when missed
        differs += not np.array_equal(counts, budgets)
    assert differs > 0


@pytest.mark.parametrize("stratify", [True, False])
def test_reproducible(stratify):
    y = np.repeat([0, 1], [50, 50])
    X = np.zeros((100, 1))
    a = RandomSampler(stratify=stratify, random_state=3).fit(X, y).sample_indices_
    b = RandomSampler(stratify=stratify, random_state=np.random.RandomState(3)).fit(X, y)
    np.testing.assert_array_equal(a, b.sample_indices_)
