import sys

import numpy as np
import pytest

from sklearn_asss import CleanlabSampler, class_budgets

NOISE = 0.1  # share of flipped labels


def _flip(y, share, seed):
    """Flip `share` of the labels of `y` to another class drawn uniformly."""
    rng = np.random.RandomState(seed)
    classes, y_encoded = np.unique(y, return_inverse=True)
    rows = rng.choice(len(y), int(round(share * len(y))), replace=False)
    y_noisy = y_encoded.copy()
    y_noisy[rows] = (y_noisy[rows] + rng.randint(1, len(classes), len(rows))) % len(classes)
    flipped = np.zeros(len(y), dtype=bool)
    flipped[rows] = True
    return classes[y_noisy], flipped


@pytest.mark.slow  # three networks of five epochs on 14,500 rows: a few seconds
def test_drops_flipped_labels_on_shuttle(shuttle):
    pytest.importorskip("cleanlab")
    X, y = shuttle
    y_noisy, flipped = _flip(y, NOISE, seed=0)
    sampler = CleanlabSampler(keep_ratio=0.3, max_epochs=5, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y_noisy)
    _, counts = np.unique(y_noisy, return_counts=True)
    np.testing.assert_array_equal(
        np.unique(y_res, return_counts=True)[1], class_budgets(counts, round(0.3 * len(y)))
    )
    # cleanlab flags most flipped rows, and few clean ones
    assert sampler.label_issues_[flipped].mean() > 0.8
    assert flipped[sampler.label_issues_].mean() > 0.8
    kept = np.zeros(len(y), dtype=bool)
    kept[sampler.sample_indices_] = True
    for label, budget in zip(sampler.classes_, sampler.class_budgets_):
        in_class = y_noisy == label
        n_unflagged = (in_class & ~sampler.label_issues_).sum()
        # flagged rows fill a budget only when the unflagged rows run out
        assert (kept & in_class & ~sampler.label_issues_).sum() == min(budget, n_unflagged)
    # the classes with enough real rows keep almost no flipped row (a random draw: 10%)
    labels, true_counts = np.unique(y, return_counts=True)
    large = np.isin(y_noisy, labels[true_counts > 500])
    assert flipped[kept & large].mean() < 0.01


def test_missing_cleanlab_is_a_clear_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "cleanlab", None)
    monkeypatch.setitem(sys.modules, "cleanlab.filter", None)
    X = np.random.RandomState(0).normal(size=(40, 3))
    y = np.repeat([0, 1], 20)
    sampler = CleanlabSampler(max_epochs=1)
    with pytest.raises(ImportError, match=r'pip install "sklearn-asss\[noise\]"'):
        sampler.fit(X, y)
    assert not hasattr(sampler, "sample_indices_")


def test_parameters_are_validated_at_fit():
    X = np.random.RandomState(0).normal(size=(40, 3))
    y = np.repeat([0, 1], 20)
    with pytest.raises(ValueError, match="cv"):
        CleanlabSampler(cv=1).fit(X, y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        CleanlabSampler(hidden_layer_sizes=(0,)).fit(X, y)
