"""The one base class of every sampler of the package."""

from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
from imblearn.base import BaseSampler
from imblearn.utils import Substitution, check_target_type
from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing, check_random_state
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ._selection import class_budgets, n_to_keep

_subsampler_docstring = {
    "keep_ratio": """keep_ratio : float, default=0.3
        Share of the rows kept, in ``(0, 1]``. The subset has
        ``round(keep_ratio * n_samples)`` rows (at least one per class), split
        among the classes in proportion to their sizes with at least
        `min_samples_per_class` rows for every class, so that no class
        vanishes (see :func:`~sklearn_asss.class_budgets`).""",
    "min_samples_per_class": """min_samples_per_class : int, default=1
        Rows every class keeps at least (all of its rows when it has fewer),
        taken from the largest classes. Capped at ``n_kept // n_classes`` so
        that the floors fit in the budget. The default keeps the proportional
        split of a stratified draw, with one row for a class whose share
        rounds to zero.""",
    "random_state": """random_state : int, RandomState instance or None, default=None
        Controls every random draw of the sampler. Pass an int for results
        that are reproducible across calls: the same seed gives the same
        ``sample_indices_``.""",
    "fitted_attributes": """sample_indices_ : ndarray of shape (n_kept,)
        Indices of the kept rows in the training data, in ascending order.

    classes_ : ndarray of shape (n_classes,)
        The class labels.

    class_budgets_ : ndarray of shape (n_classes,)
        Number of rows kept of each class, in the order of ``classes_``.

    sampling_strategy_ : dict
        The same budgets as imbalanced-learn reports them: class label to
        number of rows kept.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit. Defined only when `X` has feature
        names that are all strings.""",
}


class BaseSubsampler(BaseSampler):
    """Base class of the subsamplers: validation, budgets and the resampling API.

    A subclass implements :meth:`_select`, which receives validated float
    arrays, integer-encoded labels and the per-class budgets, and returns the
    indices to keep. Everything else (parameter and input validation, the
    per-class budget rule, ``sample_indices_`` in ascending order, returning
    the rows of the original container unchanged) lives here, once.

    Warning: This class should not be used directly. Use the derived classes
    instead.
    """

    # the per-class budgets replace imbalanced-learn's ``sampling_strategy``
    _sampling_type = "bypass"

    _parameter_constraints: dict = {
        "keep_ratio": [Interval(Real, 0, 1, closed="right")],
        "min_samples_per_class": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, keep_ratio=0.3, min_samples_per_class=1, random_state=None):
        self.keep_ratio = keep_ratio
        self.min_samples_per_class = min_samples_per_class
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y):
        """Select the subset; :meth:`fit_resample` also returns it.

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : object
            The fitted sampler.
        """
        self._fit_indices(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit_resample(self, X, y):
        """Select the subset and return its rows.

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        X_resampled : {ndarray, dataframe} of shape (n_kept, n_features)
            The kept rows of `X`, unchanged, in their original order and of the
            same type (a DataFrame keeps its columns, dtypes and index).
        y_resampled : {ndarray, series} of shape (n_kept,)
            The labels of the kept rows.
        """
        indices = self._fit_indices(X, y)
        return _safe_indexing(X, indices), _safe_indexing(y, indices)

    def _fit_resample(self, X, y):
        indices = self._fit_indices(X, y)
        return X[indices], y[indices]

    def _fit_indices(self, X, y):
        try:
            return self._fit_indices_or_fail(X, y)
        except BaseException:
            # an interrupted or failed fit must not look fitted (e.g. a subset from a
            # half-trained selector): drop every fitted attribute, as before any fit
            self._discard_fitted_attributes()
            raise

    def _discard_fitted_attributes(self):
        for name in [key for key in vars(self) if key.endswith("_") and not key.startswith("__")]:
            delattr(self, name)

    def _fit_indices_or_fail(self, X, y):
        X_valid, y_encoded = self._validate_training_data(X, y)
        counts = np.bincount(y_encoded, minlength=len(self.classes_))
        self._set_class_budgets(class_budgets(
            counts,
            n_to_keep(len(y_encoded), len(counts), self.keep_ratio),
            self.min_samples_per_class,
        ))  # fmt: skip
        random_state = check_random_state(self.random_state)
        indices = self._select(X_valid, y_encoded, self.class_budgets_, random_state)
        self.sample_indices_ = np.sort(np.asarray(indices, dtype=np.intp))
        return self.sample_indices_

    def _set_class_budgets(self, budgets):
        """Keep `budgets` as ``class_budgets_`` and ``sampling_strategy_``; return them."""
        self.class_budgets_ = budgets
        # imbalanced-learn's fitted attribute: the number of rows kept per class
        self.sampling_strategy_ = dict(zip(self.classes_.tolist(), budgets.tolist()))
        return budgets

    def _validate_training_data(self, X, y):
        """Check `X` and `y`; set ``classes_``; return float `X` and encoded `y`."""
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                "None: it selects rows per class."
            )
        X = _densify_sparse_frame(X)
        _check_one_label_type(y, type(self).__name__)
        y, _ = check_target_type(y, indicate_one_vs_all=True)
        check_classification_targets(y)
        X, y = validate_data(
            self, X, y, reset=True, dtype=[np.float64, np.float32], y_numeric=False
        )
        if y.ndim == 2:  # one-vs-all label indicator matrix
            y = np.argmax(y, axis=1)
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        n_classes = len(self.classes_)
        if n_classes < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got 1 class "
                f"({self.classes_[0]!r})."
            )
        return X, y_encoded.astype(np.intp)

    @abstractmethod
    def _select(self, X, y_encoded, budgets, random_state):
        """Return the indices of the rows to keep: ``budgets[c]`` rows of class ``c``."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.sampler_tags.sample_indices = True
        return tags


def _check_one_label_type(y, sampler_name):
    """Raise a clear TypeError for labels that mix strings and numbers (they do not sort)."""
    labels = np.asarray(y)
    if labels.dtype == object:
        label_types = {type(label).__name__ for label in labels.ravel()}
        if len({name == "str" for name in label_types}) > 1:
            raise TypeError(
                f"{sampler_name} needs class labels of one type in y (all numbers or all "
                f"strings); got a mix of label types: {', '.join(sorted(label_types))}."
            )


def _densify_sparse_frame(X):
    """A DataFrame of sparse columns as a dense one (the returned rows stay sparse)."""
    sparse_accessor = getattr(X, "sparse", None)
    if sparse_accessor is not None and hasattr(X, "columns"):
        return sparse_accessor.to_dense()
    return X


__all__ = ["BaseSubsampler", "Substitution", "_subsampler_docstring"]
