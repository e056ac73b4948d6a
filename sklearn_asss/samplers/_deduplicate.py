"""A random draw that takes distinct rows before exact repeats."""

import numpy as np

from .._base import BaseSubsampler, Substitution, _subsampler_docstring
from .._selection import select_top
from .._utils import distinct_rows


@Substitution(**_subsampler_docstring)
class DeduplicateSampler(BaseSubsampler):
    """Keep a random share of the rows, distinct rows before exact repeats.

    Within each class budget the first copies of the distinct feature rows
    come first, in random order; the other copies (exact repeats of a row
    already available) are drawn only when a class has fewer distinct rows
    than its budget. ``-0.0`` and ``0.0`` count as equal. On data without
    repeats this is :class:`RandomSampler`; on the kddcup 10% file, where
    about 70% of the rows repeat another, it alone is a strong baseline, the
    one any sampler has to beat there.

    Parameters
    ----------
    {keep_ratio}

    {min_samples_per_class}

    {random_state}

    Attributes
    ----------
    {fitted_attributes}

    n_distinct_ : int
        Number of distinct feature rows of the training data.

    See Also
    --------
    RandomSampler : Keep a uniformly random share of the rows.
    KMeansSampler : Keep the rows nearest to K-means centroids.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_asss import DeduplicateSampler
    >>> X = np.repeat(np.arange(10.0), 3)[:, None]  # 10 distinct rows, 3 copies each
    >>> y = (X[:, 0] >= 5).astype(int)
    >>> sampler = DeduplicateSampler(keep_ratio=0.3, random_state=0).fit(X, y)
    >>> len(np.unique(X[sampler.sample_indices_]))  # 9 rows kept, all distinct
    9
    """

    def _select(self, X, y_encoded, budgets, random_state):
        _, first, _, _ = distinct_rows(X)
        self.n_distinct_ = len(first)
        is_first = np.zeros(len(X), dtype=bool)
        is_first[first] = True
        # random keys in [0, 1), plus one for a first copy: first copies rank first
        keys = random_state.uniform(size=len(X)) + is_first
        return select_top(keys, y_encoded, budgets)
