"""What BaseSubsampler promises every sampler, whatever its _select returns."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from sklearn_asss._base import BaseSubsampler


class KeepsRowsLastFirst(BaseSubsampler):
    """Keeps the last ``budgets[c]`` rows of each class, listed last row first."""

    def _select(self, X, y_encoded, budgets, random_state):
        kept = [np.flatnonzero(y_encoded == c)[::-1][:budget] for c, budget in enumerate(budgets)]
        return np.concatenate(kept)


class FailsInSelect(BaseSubsampler):
    def _select(self, X, y_encoded, budgets, random_state):
        self.half_done_ = True
        raise RuntimeError("the selector failed")


def test_sample_indices_are_ascending_whatever_order_select_returns():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.repeat([0, 1], 10)
    sampler = KeepsRowsLastFirst(keep_ratio=0.5)
    X_res, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(sampler.sample_indices_, [5, 6, 7, 8, 9, 15, 16, 17, 18, 19])
    np.testing.assert_array_equal(X_res, X[sampler.sample_indices_])
    np.testing.assert_array_equal(y_res, y[sampler.sample_indices_])


def test_a_fit_that_fails_leaves_no_fitted_attribute():
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.repeat([0, 1], 10)
    sampler = KeepsRowsLastFirst().fit(X, y)
    failing = FailsInSelect()
    failing.__dict__.update({k: v for k, v in vars(sampler).items() if k.endswith("_")})
    with pytest.raises(RuntimeError, match="the selector failed"):
        failing.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(failing)
    assert [name for name in vars(failing) if name.endswith("_")] == []
    assert failing.get_params() == FailsInSelect().get_params()
