"""Confident learning's label-issue flags, from any model's class probabilities.

Two of cleanlab's rules (``find_label_issues(filter_by=...)``), without the
dependency: ``"confident_learning"`` and ``"prune_by_noise_rate"``. Each is
fitted on some rows (:func:`fit_label_filter`: the thresholds) and flags any
rows against them (:func:`flag_label_issues`), so that the partitions of a
larger table are flagged as the fitted rows were.
"""

import numpy as np

#: ``ASSSSampler(label_filter=...)`` values
LABEL_FILTERS = ("prune_by_noise_rate", "confident_learning")
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


def fit_label_filter(probabilities, y_encoded, label_filter):
    """The thresholds `label_filter` flags rows against: :func:`confident_thresholds`
    (one per class) or :func:`noise_rate_cutoffs` (one per pair of classes)."""
    fit, _ = _RULES[label_filter]
    return fit(probabilities, y_encoded)


def fitted_label_filter(thresholds):
    """The rule whose :func:`fit_label_filter` gave `thresholds` (None for None)."""
    return {1: "confident_learning", 2: "prune_by_noise_rate"}.get(np.ndim(thresholds))


def flag_label_issues(probabilities, y_encoded, thresholds):
    """The rows flagged against fitted `thresholds` (their shape tells the rule)."""
    _, flag = _RULES[fitted_label_filter(thresholds)]
    return flag(probabilities, y_encoded, thresholds)


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
    guess, has_guess = _confident_guesses(probabilities, thresholds)
    return has_guess & (guess != y_encoded) & _outranked(_margins(probabilities, y_encoded))


def _confident_guesses(probabilities, thresholds):
    """Each row's guessed class (the most probable of those at their threshold) and
    whether it has one."""
    confident = probabilities >= thresholds - _TOLERANCE
    n_confident = confident.sum(axis=1)
    guess = np.where(n_confident > 1, probabilities.argmax(axis=1), confident.argmax(axis=1))
    return guess, n_confident > 0


def noise_rate_cutoffs(probabilities, y_encoded):
    """Each pair of classes' smallest flagged margin, by cleanlab's ``prune_by_noise_rate``.

    Confident learning estimates how many rows labelled k belong to class j
    (the calibrated confident joint, each class keeping at least one row);
    that many rows labelled k, those of largest margin ``p_j - p_k``, are
    flagged. The cutoff of (k, j) is the margin of the last of them.

    Returns
    -------
    cutoffs : ndarray of shape (n_classes, n_classes)
        Row k, column j: the margin a row labelled k needs for the pair
        (k, j) to flag it; ``inf`` on the diagonal and where no row is.
    """
    n_classes = probabilities.shape[1]
    counts = _noise_counts(probabilities, y_encoded)
    cutoffs = np.full((n_classes, n_classes), np.inf)
    label_counts = np.bincount(y_encoded, minlength=n_classes)
    for k in np.flatnonzero(label_counts > 1):  # cleanlab leaves a class of one row alone
        margins = _margins(probabilities[y_encoded == k], np.full(label_counts[k], k))
        for j in np.flatnonzero(counts[k] > 0):
            if j != k:
                last = label_counts[k] - min(counts[k, j], label_counts[k])
                cutoffs[k, j] = np.partition(margins[:, j], last)[last]
    return cutoffs


def noise_rate_issues(probabilities, y_encoded, cutoffs=None):
    """The rows ``prune_by_noise_rate`` flags: a margin at a cutoff, and not their label.

    The flags of cleanlab's ``find_label_issues(labels, pred_probs)`` (its
    default rule) where no two margins tie at a cutoff; rows tied there
    are all flagged, so copies of a row share their flag.

    Parameters
    ----------
    probabilities : ndarray of shape (n_samples, n_classes)
    y_encoded : ndarray of int of shape (n_samples,)
    cutoffs : ndarray of shape (n_classes, n_classes), default=None
        :func:`noise_rate_cutoffs` of other rows (a fitted sample); None
        computes them from these rows.

    Returns
    -------
    issues : ndarray of bool of shape (n_samples,)
    """
    if cutoffs is None:
        cutoffs = noise_rate_cutoffs(probabilities, y_encoded)
    margins = _margins(probabilities, y_encoded)
    return (margins >= cutoffs[y_encoded]).any(axis=1) & _outranked(margins)


def _margins(probabilities, y_encoded):
    """Each class's probability minus the label's."""
    return probabilities - probabilities[np.arange(len(y_encoded)), y_encoded][:, None]


def _outranked(margins):
    """Rows whose most probable class is not their label (cleanlab's tolerance)."""
    return (margins > _TOLERANCE).any(axis=1)


def _noise_counts(probabilities, y_encoded):
    """cleanlab's prune counts: row k, column j, how many rows labelled k to flag for j."""
    n_classes = probabilities.shape[1]
    label_counts = np.bincount(y_encoded, minlength=n_classes)
    guess, has_guess = _confident_guesses(probabilities, confident_thresholds(
        probabilities, y_encoded))  # fmt: skip
    joint = np.zeros((n_classes, n_classes))
    np.add.at(joint, (y_encoded[has_guess], guess[has_guess]), 1)
    np.fill_diagonal(joint, joint.diagonal().clip(min=1))
    joint = joint / joint.sum(axis=1, keepdims=True) * label_counts[:, None]
    joint = _round_rows(joint / joint.sum() * label_counts.sum())
    # every class keeps at least one row: raise the diagonal, lowering the class's other
    # non-zero counts evenly (cleanlab's _keep_at_least_n_per_class, n=1, by given label)
    diagonal = joint.diagonal()
    raised = np.maximum(diagonal, 1) - diagonal
    others = np.maximum(np.count_nonzero(joint, axis=1) - 1, 1)
    counts = np.clip(joint - (raised / others)[:, None], 0, None)
    np.fill_diagonal(counts, diagonal + raised)
    return counts.astype(int)


def _round_rows(values):
    """Each row rounded to integers with its rounded total kept (cleanlab's rounding)."""
    rounded = values.round()
    for row, (wanted, floats) in enumerate(zip(values.sum(axis=1).round(), values)):
        missing = int(wanted - rounded[row].sum())
        if missing:
            step = 1 if missing > 0 else -1
            order = np.argsort(floats - rounded[row])[::-step][: abs(missing)]
            rounded[row, order] += step
    return rounded


#: Each rule's fit (its thresholds) and flags against them.
_RULES = {
    "confident_learning": (confident_thresholds, confident_learning_issues),
    "prune_by_noise_rate": (noise_rate_cutoffs, noise_rate_issues),
}
