"""Margin-based selection: the rows a briefly trained network is least sure of."""

import numpy as np
import torch

from .._base import Substitution, _subsampler_docstring
from ..nn._scores import logit_margin
from ._warmup import WarmupScoringSampler, _warmup_docstring


@Substitution(**_subsampler_docstring, **_warmup_docstring)
class MarginSampler(WarmupScoringSampler):
    """Keep, per class, the rows with the smallest logit margin.

    A :class:`~sklearn_asss.nn.TaskMLP` (the task network of ASSS) is
    trained briefly on all rows (a warm-up of ``warmup_epochs`` epochs with
    the package's own training code); the margin of a row is its correct
    logit minus the largest other logit. Small or negative margins mark rows
    near the decision boundary or on its wrong side, the rows the
    selective-adversarial-training paper spends its budget on. Each class
    keeps its budget of smallest-margin rows (``selection_scores_`` is minus
    the margin).

    Parameters
    ----------
    {keep_ratio}

    {min_samples_per_class}

    {warmup_parameters}

    {verbose}

    {random_state}

    Attributes
    ----------
    {fitted_attributes}

    {scores}

    See Also
    --------
    GradientMatchingSampler : Keep the rows whose gradient matches the data's.
    ASSSSampler : Learn which rows to keep.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_asss import MarginSampler
    >>> X, y = load_iris(return_X_y=True)
    >>> sampler = MarginSampler(keep_ratio=0.2, warmup_epochs=5, random_state=0)
    >>> X_sub, y_sub = sampler.fit_resample(X, y)
    >>> X_sub.shape
    (30, 4)
    >>> sampler.selection_scores_.shape
    (150,)
    """

    def _score(self, activations, y_encoded, n_classes):
        margins = np.empty(len(y_encoded))
        for rows, _, logits in activations:
            y = torch.as_tensor(y_encoded[rows], device=logits.device)
            margins[rows] = logit_margin(logits, y).cpu().numpy()
        return -margins
