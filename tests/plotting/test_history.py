import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sklearn_asss.plotting import plot_history


class _Fitted:
    """A fitted object with a history_ shaped like ASSSSampler's."""

    def __init__(self, history, keep_ratio=0.3):
        self.history_ = history
        self.keep_ratio = keep_ratio

    def fit(self, X, y):  # pragma: no cover - only makes it an estimator
        return self


def _history():
    rows = [
        {"epoch": 1, "phase": "warmup", "task_loss": 1.2, "mean_p": 0.5, "tau": 1.0},
        {"epoch": 2, "phase": "warmup", "task_loss": 0.9, "mean_p": 0.5, "tau": 1.0},
    ]
    for epoch, (lc, lg, p, tau) in enumerate(
        [(0.7, 0.8, 0.4, 1.0), (0.5, 0.6, 0.32, 0.3), (0.4, 0.45, 0.3, 0.1)], start=3
    ):
        rows.append({"epoch": epoch, "phase": "game", "task_loss": lc,
                     "selector_loss": lg, "mean_p": p, "tau": tau})
    return rows


def _line(axis, label):
    (line,) = [ln for ln in axis.get_lines() if ln.get_label() == label]
    return line


def test_plot_history_draws_every_curve():
    axes = plot_history(_Fitted(_history()))
    assert len(axes) == 3
    np.testing.assert_array_equal(_line(axes[0], r"task loss $L_C$").get_xdata(),
                                  [1, 2, 3, 4, 5])
    np.testing.assert_allclose(_line(axes[0], r"task loss $L_C$").get_ydata(),
                               [1.2, 0.9, 0.7, 0.5, 0.4])
    # L_G is not computed during the warm-up: a gap, not a zero
    np.testing.assert_allclose(_line(axes[0], r"selector loss $L_G$").get_ydata(),
                               [np.nan, np.nan, 0.8, 0.6, 0.45])
    np.testing.assert_allclose(_line(axes[1], r"mean $p$").get_ydata(),
                               [0.5, 0.5, 0.4, 0.32, 0.3])
    np.testing.assert_allclose(_line(axes[1], "keep_ratio = 0.3").get_ydata(), 0.3)
    np.testing.assert_allclose(_line(axes[2], r"temperature $\tau$").get_ydata(),
                               [1.0, 1.0, 1.0, 0.3, 0.1])
    assert axes[2].get_xlabel() == "epoch"
    # the two warm-up epochs are shaded on every panel
    for axis in axes:
        (span,) = axis.patches
        x0, width = span.get_x(), span.get_width()
        assert (x0, x0 + width) == pytest.approx((0.5, 2.5))
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert "warm-up" in labels


def test_plot_history_on_given_axes():
    import matplotlib.pyplot as plt

    _, given = plt.subplots(1, 3)
    axes = plot_history(_Fitted(_history()), ax=given)
    assert list(axes) == list(given)
    _, two = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="ax must hold 3 Axes"):
        plot_history(_Fitted(_history()), ax=two)


def test_plot_history_without_warmup_or_keep_ratio():
    rows = [r for r in _history() if r["phase"] == "game"]
    axes = plot_history(_Fitted(rows, keep_ratio=None))
    assert all(len(axis.patches) == 0 for axis in axes)
    assert [ln.get_label() for ln in axes[1].get_lines()] == [r"mean $p$"]


def test_plot_history_bad_input():
    with pytest.raises(NotFittedError):
        plot_history(_Fitted.__new__(_Fitted))
    with pytest.raises(ValueError, match="history_ is empty"):
        plot_history(_Fitted([]))
    with pytest.raises(ValueError, match="not the history of an ASSSSampler"):
        plot_history(_Fitted([{"epoch": 1, "train_loss": 0.3}]))
    with pytest.raises(TypeError, match="per-epoch dicts"):
        plot_history(_Fitted([0.1, 0.2]))


def test_plot_history_clear_error_without_matplotlib(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="plot_history requires matplotlib"):
        plot_history(_Fitted(_history()))


def test_plot_history_of_a_fitted_asss_sampler():
    from sklearn.datasets import load_iris

    from sklearn_asss import ASSSSampler

    X, y = load_iris(return_X_y=True)
    sampler = ASSSSampler(keep_ratio=0.4, max_epochs=3, warmup_epochs=2,
                          random_state=0).fit(X, y)
    axes = plot_history(sampler)
    # one point per epoch: 2 warm-up + 3 game epochs
    task = _line(axes[0], r"task loss $L_C$")
    np.testing.assert_array_equal(task.get_xdata(), [1, 2, 3, 4, 5])
    np.testing.assert_allclose(task.get_ydata(), sampler.history_[:, "task_loss"])
    np.testing.assert_allclose(_line(axes[1], r"mean $p$").get_ydata(),
                               sampler.history_[:, "mean_p"])
    np.testing.assert_allclose(_line(axes[1], "keep_ratio = 0.4").get_ydata(), 0.4)
    tau = _line(axes[2], r"temperature $\tau$").get_ydata()
    # no temperature in the warm-up; it falls during the game
    assert np.isnan(tau[:2]).all() and np.all(np.diff(tau[2:]) < 0)
    (span,) = axes[0].patches
    assert (span.get_x(), span.get_x() + span.get_width()) == pytest.approx((0.5, 2.5))
