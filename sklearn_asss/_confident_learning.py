"""Confident learning's label-issue flags, from any model's class probabilities."""

import numpy as np

#: ``ASSSSampler(label_filter=...)`` values
LABEL_FILTERS = ("confident_learning",)
# cleanlab's tolerances: a probability within this of its threshold reaches it, and a
# class within this of the label's probability does not outrank the label
_TOLERANCE = 1e-6


def confident_thresholds(probabilities, y_encoded):
    """Each class's threshold: the mean probability of the class over the rows labelled with it."""
    n_classes = probabilities.shape[1]
    own = probabilities[np.arange(len(y_encoded)), y_encoded]
    return np.bincount(y_encoded, weights=own, minlength=n_classes) / np.maximum(
        np.bincount(y_encoded, minlength=n_classes), 1
    )


def confident_learning_issues(probabilities, y_encoded, thresholds=None):
    """The rows whose label confident learning flags, as cleanlab's filter does.

    A class's threshold is the mean probability of that class over the rows
    labelled with it. A row's guessed class is the class whose probability
    reaches its threshold (the most probable class when several do); the row
    is flagged when it has a guess, the guess is not its label, and its most
    probable class is not its label either: the flags of cleanlab's
    ``find_label_issues(labels, pred_probs, filter_by="confident_learning")``
    (Northcutt et al. 2021), without the dependency. The last condition
    matters under class-dependent noise: a class whose labels are mostly
    another class's rows has its threshold lowered until genuine rows of
    that other class reach it (on shuttle with 20% pair flips, 22% of the
    genuine majority rows; none with the condition).

    Parameters
    ----------
    probabilities : ndarray of shape (n_samples, n_classes)
        Each row's class probabilities.
    y_encoded : ndarray of int of shape (n_samples,)
        Each row's label, ``0 .. n_classes - 1``.
    thresholds : ndarray of shape (n_classes,), default=None
        The classes' thresholds (:func:`confident_thresholds`) when they come
        from other rows (a fitted sample, for the partitions of a larger
        table); None computes them from these rows.

    Returns
    -------
    issues : ndarray of bool of shape (n_samples,)
    """
    if thresholds is None:
        thresholds = confident_thresholds(probabilities, y_encoded)
    own = probabilities[np.arange(len(y_encoded)), y_encoded]
    confident = probabilities >= thresholds - _TOLERANCE
    n_confident = confident.sum(axis=1)
    guess = np.where(n_confident > 1, probabilities.argmax(axis=1), confident.argmax(axis=1))
    outranked = (probabilities > (own + _TOLERANCE)[:, None]).any(axis=1)
    return (n_confident > 0) & (guess != y_encoded) & outranked
