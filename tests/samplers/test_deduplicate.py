import numpy as np

from sklearn_asss import DeduplicateSampler, RandomSampler, class_budgets
from sklearn_asss.metrics import duplicate_share


def _n_distinct(X):
    return len(np.unique(X, axis=0))


def test_distinct_rows_first_on_kddcup(kddcup_sample):
    X, y = kddcup_sample
    assert duplicate_share(X) > 0.3  # the sample is mostly repeats
    sampler = DeduplicateSampler(keep_ratio=0.2, random_state=0).fit(X, y)
    kept = sampler.sample_indices_
    classes, y_encoded = np.unique(y, return_inverse=True)
    np.testing.assert_array_equal(sampler.classes_, classes)
    np.testing.assert_array_equal(
        np.bincount(y_encoded[kept], minlength=len(classes)),
        class_budgets(np.bincount(y_encoded), round(0.2 * len(y))),
    )
    assert sampler.n_distinct_ == _n_distinct(X)
    for c, budget in enumerate(sampler.class_budgets_):
        class_rows = X[y_encoded == c]
        kept_rows = X[kept[y_encoded[kept] == c]]
        # a repeat is kept only once every distinct row of the class is
        assert _n_distinct(kept_rows) == min(budget, _n_distinct(class_rows))
    random_kept = RandomSampler(keep_ratio=0.2, random_state=0).fit(X, y).sample_indices_
    assert _n_distinct(X[kept]) > _n_distinct(X[random_kept])


def test_without_repeats_every_row_is_equally_likely():
    # no repeats: the sampler is a stratified random draw
    y = np.repeat([0, 1], [60, 40])
    X = np.arange(100.0)[:, None]
    hits = np.zeros(100)
    for seed in range(300):
        hits[DeduplicateSampler(keep_ratio=0.25, random_state=seed).fit(X, y).sample_indices_] += 1
    frequency = hits / 300
    # binomial(300, 0.25) has sd 0.025: a 5-sd band
    assert np.all(np.abs(frequency - 0.25) < 0.125)


def test_signed_zeros_are_one_row_and_input_unchanged():
    X = np.array([[0.0], [-0.0], [1.0], [2.0], [3.0], [4.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    X_before = X.copy()
    sampler = DeduplicateSampler(keep_ratio=0.5, random_state=0).fit(X, y)
    assert sampler.n_distinct_ == 5
    np.testing.assert_array_equal(X, X_before)


def test_reproducible(kddcup_sample):
    X, y = kddcup_sample
    a = DeduplicateSampler(keep_ratio=0.1, random_state=7).fit(X, y).sample_indices_
    b = DeduplicateSampler(keep_ratio=0.1, random_state=7).fit(X, y).sample_indices_
    c = DeduplicateSampler(keep_ratio=0.1, random_state=8).fit(X, y).sample_indices_
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
