"""Uniform random subsampling."""

import numpy as np

from .._base import BaseSubsampler, Substitution, _subsampler_docstring
from .._selection import select_top


@Substitution(**_subsampler_docstring)
class RandomSampler(BaseSubsampler):
    """Keep a uniformly random share of the rows.

    The baseline every other sampler has to beat.

    Parameters
    ----------
    {keep_ratio}

    {min_samples_per_class}

    stratify : bool, default=True
        If True, each class keeps its proportional share (the per-class
        budgets). If False, the rows are drawn uniformly from the whole data
        set, except that a class the draw missed gets one random row in place
        of a row of the largest class, so that no class vanishes;
        `min_samples_per_class` is then ignored.

    {random_state}

    Attributes
    ----------
    {fitted_attributes}

    See Also
    --------
    KMeansSampler : Keep the rows nearest to K-means centroids.
    ASSSSampler : Learn which rows to keep.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_asss import RandomSampler
    >>> X, y = load_iris(return_X_y=True)
    >>> X_sub, y_sub = RandomSampler(keep_ratio=0.2, random_state=0).fit_resample(X, y)
    >>> X_sub.shape
    (30, 4)
    """

    _parameter_constraints: dict = {
        **BaseSubsampler._parameter_constraints,
        "stratify": ["boolean"],
    }

    def __init__(
        self, *, keep_ratio=0.3, min_samples_per_class=1, stratify=True, random_state=None
    ):
        super().__init__(
            keep_ratio=keep_ratio,
            min_samples_per_class=min_samples_per_class,
            random_state=random_state,
        )
        self.stratify = stratify

    def _select(self, X, y_encoded, budgets, random_state):
        keys = random_state.uniform(size=len(y_encoded))
        if self.stratify:
            return select_top(keys, y_encoded, budgets)
        kept = np.argsort(-keys, kind="stable")[: budgets.sum()]
        return _restore_missing_classes(kept, keys, y_encoded)


def _restore_missing_classes(kept, keys, y_encoded):
    """Swap one row of each class absent from `kept` for a row of the largest kept class."""
    kept = kept.copy()
    n_classes = y_encoded.max() + 1
    for c in np.flatnonzero(np.bincount(y_encoded[kept], minlength=n_classes) == 0):
        rows = np.flatnonzero(y_encoded == c)
        largest = np.argmax(np.bincount(y_encoded[kept], minlength=n_classes))
        victims = np.flatnonzero(y_encoded[kept] == largest)
        kept[victims[np.argmin(keys[kept[victims]])]] = rows[np.argmax(keys[rows])]
    return kept
