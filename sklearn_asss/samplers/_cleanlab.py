"""cleanlab's label-issue filter, then a random draw."""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.model_selection import StratifiedKFold
from sklearn.utils._param_validation import Interval

from .._base import BaseSubsampler, Substitution, _subsampler_docstring
from .._selection import select_top
from .._utils import draw_seed
from ..nn import fit_task_classifier
from ..nn._utils import DEVICE_CONSTRAINT
from ._warmup import _check_hidden_layer_sizes, _warmup_docstring

# out-of-fold probabilities are clipped to this before renormalising: cleanlab
# divides by them, and an MLP trained a few epochs can output exact zeros
_MIN_PROBABILITY = 1e-6

_INSTALL_HINT = 'pip install "sklearn-asss[noise]"'


@Substitution(**_subsampler_docstring, **_warmup_docstring)
class CleanlabSampler(BaseSubsampler):
    """Drop the rows cleanlab flags as mislabeled, then draw at random.

    Out-of-fold class probabilities of the training rows come from the task
    network of the package (:class:`~sklearn_asss.nn.TaskMLP`, trained
    ``max_epochs`` epochs on each of ``cv`` stratified internal folds and
    evaluated on the held-out fold); :func:`cleanlab.filter.find_label_issues`
    flags the rows whose label disagrees with them (confident learning). Each
    class budget is then filled uniformly at random from the unflagged rows,
    and from the flagged ones only when a class has too few unflagged rows.
    The filter of the label-noise comparisons: on clean data it is a random
    draw that costs ``cv`` trainings.

    Needs the optional dependency cleanlab (``pip install
    "sklearn-asss[noise]"``); without it, :meth:`fit` raises an ImportError.

    Parameters
    ----------
    {keep_ratio}

    {min_samples_per_class}

    cv : int, default=3
        Number of internal folds of the out-of-fold probabilities; each row
        is scored by a network that did not see it.

    max_epochs : int, default=20
        Epochs of training of each internal network (the benchmark's task
        network trains 20).

    {network_parameters}

    {random_state}

    Attributes
    ----------
    {fitted_attributes}

    label_issues_ : ndarray of shape (n_samples,), dtype=bool
        True for the rows cleanlab flagged as mislabeled.

    See Also
    --------
    RandomSampler : Keep a uniformly random share of the rows.
    ASSSSampler : Learn which rows to keep, mislabeled rows last.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_asss import CleanlabSampler
    >>> X, y = load_iris(return_X_y=True)
    >>> sampler = CleanlabSampler(keep_ratio=0.2, max_epochs=5, random_state=0)
    >>> X_sub, y_sub = sampler.fit_resample(X, y)
    >>> X_sub.shape
    (30, 4)
    """

    _parameter_constraints: dict = {
        **BaseSubsampler._parameter_constraints,
        "cv": [Interval(Integral, 2, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [tuple, list],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "device": DEVICE_CONSTRAINT,
    }

    def __init__(
        self,
        *,
        keep_ratio=0.3,
        min_samples_per_class=1,
        cv=3,
        max_epochs=20,
        hidden_layer_sizes=(128, 64),
        batch_size=256,
        lr=1e-3,
        device="cpu",
        random_state=None,
    ):
        super().__init__(
            keep_ratio=keep_ratio,
            min_samples_per_class=min_samples_per_class,
            random_state=random_state,
        )
        self.cv = cv
        self.max_epochs = max_epochs
        self.hidden_layer_sizes = hidden_layer_sizes
        self.batch_size = batch_size
        self.lr = lr
        self.device = device

    def _select(self, X, y_encoded, budgets, random_state):
        find_label_issues = _import_find_label_issues()
        hidden_layer_sizes = _check_hidden_layer_sizes(self.hidden_layer_sizes)
        seed = draw_seed(random_state)
        proba = self._out_of_fold_probabilities(
            X, y_encoded, len(budgets), seed, hidden_layer_sizes
        )
        self.label_issues_ = np.asarray(find_label_issues(y_encoded, proba), dtype=bool)
        # random keys in [0, 1), plus one for an unflagged row: unflagged rows rank first
        keys = random_state.uniform(size=len(X)) + ~self.label_issues_
        return select_top(keys, y_encoded, budgets)

    def _out_of_fold_probabilities(self, X, y_encoded, n_classes, seed, hidden_layer_sizes):
        largest_class = np.bincount(y_encoded).max()
        if largest_class < self.cv:
            raise ValueError(
                f"CleanlabSampler needs a class of at least cv={self.cv} rows for its "
                f"internal folds; the largest class has {largest_class}. Lower cv."
            )
        splitter = StratifiedKFold(self.cv, shuffle=True, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # classes smaller than cv
            folds = list(splitter.split(X, y_encoded))
        proba = np.zeros((len(X), n_classes), dtype=np.float64)
        for train, test in folds:
            net = fit_task_classifier(
                X[train],
                y_encoded[train],
                n_classes,
                seed=seed,
                max_epochs=self.max_epochs,
                hidden_layer_sizes=hidden_layer_sizes,
                batch_size=self.batch_size,
                lr=self.lr,
                device=self.device,
            )
            proba[test] = net.predict_proba(X[test].astype(np.float32))
        proba = np.clip(proba, _MIN_PROBABILITY, None)
        return proba / proba.sum(axis=1, keepdims=True)


def _import_find_label_issues():
    try:
        from cleanlab.filter import find_label_issues
    except ImportError as error:
        raise ImportError(
            "CleanlabSampler needs the optional dependency cleanlab, which is not "
            f"installed: {_INSTALL_HINT}"
        ) from error
    return find_label_issues
