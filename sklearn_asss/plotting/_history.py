"""Training curves of a fitted ASSSSampler."""

import numpy as np
from sklearn.exceptions import NotFittedError

from ._utils import check_matplotlib

# (key in history_, legend label, panel)
_CURVES = (
    ("task_loss", r"task loss $L_C$", 0),
    ("selector_loss", r"selector loss $L_G$", 0),
    ("mean_p", r"mean $p$", 1),
    ("tau", r"temperature $\tau$", 2),
)
_PANEL_TITLES = ("losses", "mean selection probability", "Gumbel-softmax temperature")


def plot_history(sampler, ax=None):
    """Draw the training curves of a fitted :class:`~sklearn_asss.ASSSSampler`.

    Three panels, one point per epoch: the task loss L_C (equation (3)) and
    the selector loss L_G; the mean selection probability ``mean_p`` with the
    target ``keep_ratio`` as a dashed line; the Gumbel-softmax temperature
    ``tau``. The warm-up epochs (``phase == "warmup"``, task network only)
    are shaded.

    The failure signatures of the method show here (see the user guide):
    ``mean_p`` falling toward 0 while L_C falls toward 0 is the collapse to an
    empty subset of ``objective="paper"``; ``mean_p`` pinned near 0 or 1
    with a flat L_G means the selector stopped learning.

    Parameters
    ----------
    sampler : fitted ASSSSampler
        Any fitted object whose ``history_`` is a sequence of per-epoch dicts
        (a skorch ``History``) with some of the keys ``"epoch"``,
        ``"phase"``, ``"task_loss"``, ``"selector_loss"``, ``"mean_p"`` and
        ``"tau"``. A key missing from an epoch is drawn as a gap.

    ax : array-like of 3 matplotlib Axes, default=None
        Axes for the three panels (losses, mean p, temperature). None makes a
        new figure with three stacked panels sharing the epoch axis.

    Returns
    -------
    axes : ndarray of 3 matplotlib Axes
        The three panels.

    See Also
    --------
    SelectionDisplay : Kept against dropped samples in two dimensions.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_asss import ASSSSampler
    >>> from sklearn_asss.plotting import plot_history
    >>> X, y = load_iris(return_X_y=True)
    >>> sampler = ASSSSampler(max_epochs=4, warmup_epochs=1, random_state=0)
    >>> sampler = sampler.fit(X, y)
    >>> axes = plot_history(sampler)
    >>> len(axes)
    3
    """
    plt = check_matplotlib("plot_history")
    if not hasattr(sampler, "history_"):
        raise NotFittedError(
            f"This {type(sampler).__name__} instance has no history_: fit it before "
            "plotting its training curves."
        )
    history = list(sampler.history_)
    if not history:
        raise ValueError(f"{type(sampler).__name__}.history_ is empty: nothing to plot.")
    if not all(hasattr(row, "get") for row in history):
        raise TypeError(
            "history_ must be a sequence of per-epoch dicts (a skorch History)."
        )
    present = [key for key, _, _ in _CURVES if any(key in row for row in history)]
    if not present:
        raise ValueError(
            "history_ has none of the keys 'task_loss', 'selector_loss', 'mean_p' "
            "and 'tau': it is not the history of an ASSSSampler."
        )

    if ax is None:
        _, axes = plt.subplots(3, 1, sharex=True, figsize=(6.4, 6.4),
                               layout="constrained")
    else:
        axes = np.asarray(ax, dtype=object).ravel()
        if axes.shape != (3,):
            raise ValueError(
                f"ax must hold 3 Axes (losses, mean p, temperature); got "
                f"{axes.size}."
            )

    epochs = np.array([row.get("epoch", i + 1) for i, row in enumerate(history)],
                      dtype=float)
    for key, label, panel in _CURVES:
        if key not in present:
            continue
        values = np.array([_as_float(row.get(key)) for row in history])
        axes[panel].plot(epochs, values, marker=".", label=label)

    keep_ratio = getattr(sampler, "keep_ratio", None)
    if "mean_p" in present and keep_ratio is not None:
        axes[1].axhline(keep_ratio, color="0.3", linestyle="--", linewidth=1,
                        label=f"keep_ratio = {keep_ratio:g}")

    warmup = np.array([row.get("phase") == "warmup" for row in history])
    if warmup.any():
        # shade from half an epoch before the first to half after the last warm-up epoch
        start, stop = epochs[warmup].min() - 0.5, epochs[warmup].max() + 0.5
        for panel, axis in enumerate(axes):
            axis.axvspan(start, stop, color="0.9", zorder=0,
                         label="warm-up" if panel == 0 else None)

    for axis, title in zip(axes, _PANEL_TITLES):
        axis.set_title(title, fontsize="medium")
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize="small", loc="best")
    axes[-1].set_xlabel("epoch")
    return axes


def _as_float(value):
    """A history entry as a float; None (not recorded) becomes NaN."""
    if value is None:
        return np.nan
    return float(value)
