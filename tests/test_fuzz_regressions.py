"""Plain regression tests of the bugs found by tests/test_properties.py."""

import numpy as np

from sklearn_asss import GradientMatchingSampler


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
