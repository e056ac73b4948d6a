"""Performance retention rate and the other measures of the benchmark.

The ASSS paper judges a subset by the performance it *retains*: the score of
a model trained on the subset divided by the score of the same model trained
on all the data (PRR, section 4). This module holds that ratio, the three
scores it is applied to, the paired significance test used to compare two
samplers fold by fold, and the share of duplicate rows of a training set.
"""

import warnings

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

#: Names of the scores returned by :func:`classification_scores`, in order.
SCORE_NAMES = ("accuracy", "f1_macro", "roc_auc_ovr")


def performance_retention_rate(score, reference_score):
    """Performance retention rate: ``score / reference_score``.

    The score of a model trained on a subset, relative to the score of the
    same model trained on the full data. 1.0 means nothing was lost; above
    1.0 the subset did better than the full data.

    Parameters
    ----------
    score : float or array-like
        Score(s) of the model trained on the subset (higher is better).
    reference_score : float or array-like
        Score(s) of the model trained on the full data, broadcastable with
        `score` (for instance one per cross-validation fold). Must be positive.

    Returns
    -------
    prr : float or ndarray
        The ratio, a float when both inputs are scalars.

    Raises
    ------
    ValueError
        If a reference score is not positive or a score is NaN.

    Examples
    --------
    >>> from sklearn_asss.metrics import performance_retention_rate
    >>> performance_retention_rate(0.75, 0.96)
    0.78125
    >>> performance_retention_rate([0.9, 0.8], [0.9, 1.0])
    array([1. , 0.8])
    """
    score = np.asarray(score, dtype=float)
    reference_score = np.asarray(reference_score, dtype=float)
    if np.isnan(score).any() or np.isnan(reference_score).any():
        raise ValueError("performance_retention_rate got a NaN score.")
    if (reference_score <= 0).any():
        raise ValueError(
            "performance_retention_rate needs positive reference scores (the score "
            f"of the model trained on the full data); got {reference_score.min()}."
        )
    prr = score / reference_score
    return float(prr) if prr.ndim == 0 else prr


def roc_auc_ovr_macro(y_true, y_proba, labels=None):
    """Macro one-vs-rest ROC AUC over the classes present in `y_true`.

    Each class that has both positive and negative rows in `y_true` gets
    the ROC AUC of its probability column against the rest; the result is
    their unweighted mean. A class absent from `y_true` (a rare class that
    missed a test fold) is skipped instead of making the score undefined,
    which :func:`sklearn.metrics.roc_auc_score` would do. When every class of
    `labels` is present this equals
    ``roc_auc_score(y_true, y_proba, multi_class="ovr", average="macro")``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities (or any scores), one column per class of
        `labels`.
    labels : array-like of shape (n_classes,), default=None
        The class of each column of `y_proba`; ``0..n_classes-1`` if None.

    Returns
    -------
    auc : float
        The macro average, NaN if no class has both positives and negatives.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_asss.metrics import roc_auc_ovr_macro
    >>> y = np.array([0, 0, 1, 1])
    >>> proba = np.array([[0.9, 0.1, 0.0], [0.6, 0.4, 0.0], [0.3, 0.7, 0.0], [0.5, 0.5, 0.0]])
    >>> roc_auc_ovr_macro(y, proba)  # class 2 is absent from y: skipped
    1.0
    """
    y_true = np.asarray(y_true)
    y_proba = np.asarray(y_proba, dtype=float)
    if y_proba.ndim != 2 or len(y_proba) != len(y_true):
        raise ValueError(
            f"y_proba must have shape (n_samples, n_classes) with n_samples={len(y_true)}; "
            f"got {y_proba.shape}."
        )
    labels = np.arange(y_proba.shape[1]) if labels is None else np.asarray(labels)
    if len(labels) != y_proba.shape[1]:
        raise ValueError(f"{len(labels)} labels for {y_proba.shape[1]} probability columns.")
    aucs = []
    for column, label in enumerate(labels):
        positive = y_true == label
        if positive.any() and not positive.all():
            aucs.append(roc_auc_score(positive, y_proba[:, column]))
    return float(np.mean(aucs)) if aucs else float("nan")


def classification_scores(y_true, y_proba, labels=None):
    """Accuracy, macro F1 and macro one-vs-rest ROC AUC of predicted probabilities.

    The three scores of the ASSS paper. The predicted class is the column of
    highest probability. Macro F1 averages over the classes present in
    `y_true` or predicted (scikit-learn's default), a class never predicted
    and never present counting for nothing; see :func:`roc_auc_ovr_macro`
    for the AUC.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted class probabilities.
    labels : array-like of shape (n_classes,), default=None
        The class of each column of `y_proba`; ``0..n_classes-1`` if None.

    Returns
    -------
    scores : dict
        ``{"accuracy": ..., "f1_macro": ..., "roc_auc_ovr": ...}``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_asss.metrics import classification_scores
    >>> y = np.array([0, 1, 1])
    >>> proba = np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    >>> {k: round(v, 3) for k, v in classification_scores(y, proba).items()}
    {'accuracy': 0.667, 'f1_macro': 0.667, 'roc_auc_ovr': 1.0}
    """
    y_true = np.asarray(y_true)
    y_proba = np.asarray(y_proba)
    labels = np.arange(y_proba.shape[1]) if labels is None else np.asarray(labels)
    y_pred = labels[np.argmax(y_proba, axis=1)]
    return {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "f1_macro": float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        "roc_auc_ovr": roc_auc_ovr_macro(y_true, y_proba, labels),
    }


def paired_wilcoxon(x, y, alternative="two-sided"):
    """p-value of the Wilcoxon signed-rank test of paired samples `x` and `y`.

    A thin guard around :func:`scipy.stats.wilcoxon` for fold-by-fold
    comparisons: pairs with a NaN are dropped; when every difference is zero
    (two identical methods) the answer is 1.0 instead of an error; with no
    pair left it is NaN. Note that with n pairs and no ties the smallest
    possible two-sided p-value is ``2 / 2**n``: 0.0625 for 5 folds, so five
    folds can never reach p < 0.05.

    Parameters
    ----------
    x, y : array-like of shape (n_pairs,)
        The paired measurements (for instance one PRR per fold).
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        As in :func:`scipy.stats.wilcoxon`; "greater" tests ``x > y``.

    Returns
    -------
    p_value : float

    Examples
    --------
    >>> from sklearn_asss.metrics import paired_wilcoxon
    >>> paired_wilcoxon([0.9, 0.8, 0.7], [0.9, 0.8, 0.7])
    1.0
    >>> round(paired_wilcoxon([1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0]), 4)
    0.0312
    """
    from scipy.stats import wilcoxon

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"x and y must be 1-d of the same length; got {x.shape}, {y.shape}.")
    keep = ~(np.isnan(x) | np.isnan(y))
    difference = x[keep] - y[keep]
    if len(difference) == 0:
        return float("nan")
    if np.all(difference == 0):
        return 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "sample size too small" for exact p-values
        return float(wilcoxon(difference, alternative=alternative).pvalue)


def duplicate_share(X):
    """Share of rows that exactly repeat an earlier row of `X`.

    ``1 - n_unique_rows / n_rows``: 0.0 when all rows differ. On the KDD Cup
    99 training file it is about 0.70.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numeric data.

    Returns
    -------
    share : float

    Examples
    --------
    >>> from sklearn_asss.metrics import duplicate_share
    >>> duplicate_share([[0, 1], [0, 1], [2, 3], [0, 1]])
    0.5
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-d; got {X.ndim} dimensions.")
    if len(X) == 0:
        return 0.0
    # one opaque byte string per row: sorting those is ~30x faster than
    # np.unique(axis=0) (0.5 s on the 494,021 x 118 KDD Cup table)
    X = np.ascontiguousarray(X + 0.0 if X.dtype.kind == "f" else X)  # -0.0 == 0.0
    rows = X.view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel()
    return float(1 - len(np.unique(rows)) / len(X))


__all__ = [
    "SCORE_NAMES",
    "classification_scores",
    "duplicate_share",
    "paired_wilcoxon",
    "performance_retention_rate",
    "roc_auc_ovr_macro",
]
