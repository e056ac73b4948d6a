import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs

from sklearn_asss import MarginSampler
from sklearn_asss.nn import TaskMLP
from sklearn_asss.samplers._warmup import _Activations


def _noisy_blobs(seed=0):
    """Two well separated blobs with 5% of the labels flipped."""
    X, y = make_blobs(n_samples=2000, centers=[[-3, 0], [3, 0]], random_state=seed)
    rng = np.random.RandomState(seed)
    flipped = rng.choice(len(y), size=100, replace=False)
    y_noisy = y.copy()
    y_noisy[flipped] = 1 - y_noisy[flipped]
    return X, y_noisy, flipped


def test_scores_are_minus_the_logit_margin():
    module = TaskMLP(n_features=3, n_classes=4, hidden_layer_sizes=(5,))
    X = np.random.RandomState(0).normal(size=(50, 3)).astype(np.float32)
    y = np.random.RandomState(1).randint(4, size=50)
    scores = MarginSampler()._score(_Activations(module, X, "cpu", 16), y, 4)
    with torch.no_grad():
        logits = module(torch.as_tensor(X)).numpy()
    others = logits.copy()
    others[np.arange(50), y] = -np.inf
    expected = logits[np.arange(50), y] - others.max(axis=1)
    np.testing.assert_allclose(scores, -expected, rtol=1e-5, atol=1e-6)


def test_keeps_smallest_margins_per_class():
    X, y, flipped = _noisy_blobs()
    sampler = MarginSampler(keep_ratio=0.2, warmup_epochs=5, random_state=0).fit(X, y)
    kept = np.zeros(len(y), dtype=bool)
    kept[sampler.sample_indices_] = True
    for c in range(2):
        in_class = y == c
        assert sampler.selection_scores_[kept & in_class].min() >= (
            sampler.selection_scores_[~kept & in_class].max()
        )
    # mislabeled rows have negative margins: the subset gathers them
    assert kept[flipped].mean() > 0.9


def test_verbose_shows_the_warmup(capsys):
    X, y, _ = _noisy_blobs()
    MarginSampler(warmup_epochs=2, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "[MarginSampler] scoring 2000 rows" in out


def test_hidden_layer_sizes_is_used():
    X, y, _ = _noisy_blobs()
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        MarginSampler(hidden_layer_sizes=(8, -1)).fit(X, y)
    a = MarginSampler(hidden_layer_sizes=[8], random_state=0).fit(X, y).selection_scores_
    b = MarginSampler(hidden_layer_sizes=(16, 8), random_state=0).fit(X, y).selection_scores_
    assert not np.allclose(a, b)
