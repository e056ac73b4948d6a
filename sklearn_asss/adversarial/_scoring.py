"""Which rows of a minibatch to attack, and accuracy under attack as a scorer.

The selection rules are small pure functions on tensors (no module, no
state), so that each can be checked on a hand-made batch:

* :func:`logit_margin` and :func:`margin_weights`: the margin rule's weights
  ``w = 1 / (|margin| + eps)``, largest near the decision boundary;
* :func:`gradient_matching_scores`: cosine similarity between each row's
  last-layer gradient and the batch gradient;
* :func:`weighted_draw`: a draw without replacement with probabilities
  proportional to the weights, from a seeded ``torch.Generator``;
* :func:`select_rows`: the dispatcher the classifier calls.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils import check_random_state

from .._utils import draw_seed
from ..nn._scores import logit_margin
from ._pgd import check_attack_params, pgd_attack

#: The selection rules, in the order the documentation lists them.
SELECTION_RULES = ("margin", "gradient", "random", "all")

#: The paper's small constant in ``w = 1 / (|margin| + eps)``.
MARGIN_EPS = 1e-3


def margin_weights(logits, y, eps=MARGIN_EPS):
    """The margin rule's sampling weights ``w = 1 / (|margin| + eps)``.

    Rows near the decision boundary (small absolute margin) get large
    weights; confidently right and confidently wrong rows get small ones.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_samples, n_classes)
    y : torch.Tensor of shape (n_samples,)
    eps : float, default=1e-3
        Keeps the weight of a row exactly on the boundary finite.

    Returns
    -------
    weights : torch.Tensor of shape (n_samples,)
        Positive weights (not normalised).

    Examples
    --------
    >>> import torch
    >>> from sklearn_asss.adversarial import margin_weights
    >>> logits = torch.tensor([[5.0, 0.0], [0.1, 0.0], [0.0, 5.0]])
    >>> int(margin_weights(logits, torch.tensor([0, 0, 0])).argmax())
    1
    """
    return 1.0 / (logit_margin(logits, y).abs() + eps)


def gradient_matching_scores(logits, y, features=None):
    """Cosine similarity of each row's last-layer gradient with the batch gradient.

    For the cross-entropy of a final linear layer ``z = W h + b``, the
    gradient of row ``i`` with respect to ``(W, b)`` is
    ``(delta_i h_i^T, delta_i)`` with ``delta_i = softmax(z_i) - onehot(y_i)``.
    The batch gradient is their mean ``G``. The score of row ``i`` is
    ``<g_i, G> / (||g_i|| ||G|| + 1e-12)``, computed in closed form without
    materialising the per-row gradients (cost ``O(n * n_classes * width)``).

    Parameters
    ----------
    logits : torch.Tensor of shape (n_samples, n_classes)
        Outputs of the final linear layer (logits).
    y : torch.Tensor of shape (n_samples,)
        True class indices.
    features : torch.Tensor of shape (n_samples, width), default=None
        The input ``h`` of the final linear layer (the penultimate
        activations). If None, only the bias part is used, i.e. the gradient
        with respect to the logits.

    Returns
    -------
    scores : torch.Tensor of shape (n_samples,)
        Cosine similarities in ``[-1, 1]``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_asss.adversarial import gradient_matching_scores
    >>> logits = torch.tensor([[0.0, 2.0], [0.0, 2.0], [2.0, 0.0]])
    >>> gradient_matching_scores(logits, torch.tensor([0, 0, 1])).round(decimals=3)
    tensor([ 1.,  1., -1.])
    """
    logits = logits.detach()
    delta = torch.softmax(logits, dim=1) - F.one_hot(y.long(), logits.shape[1]).to(logits.dtype)
    n = len(delta)
    mean_delta = delta.mean(dim=0)
    dot = delta @ mean_delta
    sq_norms = (delta * delta).sum(dim=1)
    batch_sq_norm = (mean_delta * mean_delta).sum()
    if features is not None:
        h = features.detach().flatten(1).to(logits.dtype)
        G = delta.T @ h / n  # (n_classes, width): the batch weight gradient
        dot = dot + ((delta @ G) * h).sum(dim=1)
        sq_norms = sq_norms * (1.0 + (h * h).sum(dim=1))
        batch_sq_norm = batch_sq_norm + (G * G).sum()
    return dot / (sq_norms.sqrt() * batch_sq_norm.sqrt() + 1e-12)


def gradient_weights(scores):
    """The gradient rule's weights: the cosine scores thresholded at zero.

    Rows whose gradient points against the batch gradient get weight 0;
    they are drawn only when fewer than ``k`` rows have a positive score.
    """
    return scores.clamp(min=0.0)


def weighted_draw(weights, k, generator=None):
    """Draw `k` distinct rows with probabilities proportional to `weights`.

    A sequential draw without replacement (``torch.multinomial``). When fewer
    than `k` weights are positive, all positive-weight rows are taken and the
    rest are drawn uniformly among the others.

    Parameters
    ----------
    weights : torch.Tensor of shape (n_samples,)
        Non-negative weights.
    k : int
        Number of rows to draw, ``0 <= k <= n_samples``.
    generator : torch.Generator, default=None
        Source of the draw (on the CPU).

    Returns
    -------
    rows : torch.Tensor of shape (k,)
        Ascending row indices (int64, on `weights`' device).

    Examples
    --------
    >>> import torch
    >>> from sklearn_asss.adversarial import weighted_draw
    >>> weighted_draw(torch.tensor([0.0, 1.0, 0.0, 1.0]), 2, torch.Generator().manual_seed(0))
    tensor([1, 3])
    """
    device = weights.device
    w = weights.detach().to("cpu", torch.float64)
    if w.dim() != 1:
        raise ValueError(f"weights must be 1-dimensional; got shape {tuple(w.shape)}.")
    if not (0 <= k <= len(w)):
        raise ValueError(f"k must be in [0, {len(w)}]; got {k}.")
    if not bool(torch.isfinite(w).all()) or bool((w < 0).any()):
        raise ValueError("weights must be finite and non-negative.")
    if k == 0:
        return torch.empty(0, dtype=torch.long, device=device)
    positive = w > 0
    n_positive = int(positive.sum())
    if n_positive < k:
        # take every positive row, fill up uniformly from the zero-weight rows
        rest = torch.nonzero(~positive).flatten()
        rest = rest[torch.randperm(len(rest), generator=generator)[: k - n_positive]]
        rows = torch.cat([torch.nonzero(positive).flatten(), rest])
    else:
        rows = torch.multinomial(w, k, replacement=False, generator=generator)
    return torch.sort(rows).values.to(device)


def n_perturbed(n_samples, perturb_ratio):
    """How many rows of a batch of `n_samples` are attacked: ``ceil(rho * n)``, at least 1."""
    if n_samples == 0:
        return 0
    return int(min(n_samples, max(1, math.ceil(perturb_ratio * n_samples - 1e-9))))


def select_rows(selection, logits, y, k, *, features=None, generator=None, margin_eps=MARGIN_EPS):
    """The rows of a minibatch to attack under one selection rule.

    Parameters
    ----------
    selection : {"margin", "gradient", "random", "all"}
        ``"margin"``: weighted draw with :func:`margin_weights`;
        ``"gradient"``: weighted draw with the positive part of
        :func:`gradient_matching_scores`; ``"random"``: uniform draw;
        ``"all"``: every row (`k` is ignored).
    logits : torch.Tensor of shape (n_samples, n_classes)
        The clean outputs of the batch.
    y : torch.Tensor of shape (n_samples,)
        True class indices.
    k : int
        Number of rows to draw.
    features : torch.Tensor, default=None
        Input of the final linear layer, for ``"gradient"``.
    generator : torch.Generator, default=None
        Source of the draw.
    margin_eps : float, default=1e-3
        The ``eps`` of :func:`margin_weights`.

    Returns
    -------
    rows : torch.Tensor of int64
        Ascending row indices.
    """
    n = len(y)
    if selection == "all":
        return torch.arange(n, device=y.device)
    if selection == "random":
        return torch.sort(torch.randperm(n, generator=generator)[:k]).values.to(y.device)
    if selection == "margin":
        return weighted_draw(margin_weights(logits, y, margin_eps), k, generator)
    if selection == "gradient":
        scores = gradient_matching_scores(logits, y, features)
        return weighted_draw(gradient_weights(scores), k, generator)
    raise ValueError(f"selection must be one of {SELECTION_RULES}; got {selection!r}.")


class _RobustScorer:
    """Accuracy under a PGD attack; see :func:`make_robust_scorer`."""

    def __init__(self, epsilon, n_steps, step_size, norm, random_start, clip, random_state,
                 batch_size):
        self.epsilon = epsilon
        self.n_steps = n_steps
        self.step_size = step_size
        self.norm = norm
        self.random_start = random_start
        self.clip = clip
        self.random_state = random_state
        self.batch_size = batch_size

    def __repr__(self):
        return (
            f"make_robust_scorer(epsilon={self.epsilon!r}, n_steps={self.n_steps!r}, "
            f"norm={self.norm!r})"
        )

    def __call__(self, estimator, X, y):
        net, X = _final_net_and_input(estimator, X)
        module = net.module_
        device = torch.device(getattr(net, "device", "cpu") or "cpu")
        # copies: the caller's arrays may be read-only, and are never modified
        X = torch.tensor(np.asarray(X, dtype=np.float32), device=device)
        y = torch.tensor(np.asarray(y), device=device)
        if y.dtype.is_floating_point or y.dtype == torch.bool:
            y = y.long()
        seed = draw_seed(check_random_state(self.random_state))
        generator = torch.Generator().manual_seed(seed)
        loss_fn = _net_loss(net)
        was_training = module.training
        module.eval()
        correct = 0
        try:
            for start in range(0, len(X), self.batch_size):
                Xb, yb = X[start : start + self.batch_size], y[start : start + self.batch_size]
                X_adv = pgd_attack(
                    module, Xb, yb, epsilon=self.epsilon, step_size=self.step_size,
                    n_steps=self.n_steps, norm=self.norm, random_start=self.random_start,
                    clip=self.clip, generator=generator, loss_fn=loss_fn,
                )
                with torch.no_grad():
                    outputs = module(X_adv)
                correct += int((outputs.argmax(dim=1) == yb).sum())
        finally:
            module.train(was_training)
        return correct / max(len(X), 1)


def _final_net_and_input(estimator, X):
    """The fitted skorch net to attack and the input it sees."""
    if hasattr(estimator, "steps"):  # a Pipeline: attack the final step on the transformed X
        for _, step in estimator.steps[:-1]:
            if step is not None and step != "passthrough":
                X = step.transform(X)
        estimator = estimator.steps[-1][1]
    if not hasattr(estimator, "module_"):
        raise TypeError(
            "make_robust_scorer needs a fitted skorch net (an estimator with a `module_`), "
            "or a Pipeline whose final step is one; got "
            f"{type(estimator).__name__}."
        )
    return estimator, X


def _net_loss(net):
    """The net's own loss (so that NLLLoss nets on probabilities are attacked correctly)."""
    if hasattr(net, "get_loss") and hasattr(net, "criterion_"):
        return lambda outputs, y: net.get_loss(outputs, y, training=False)
    return None


def make_robust_scorer(
    epsilon,
    n_steps=40,
    *,
    step_size=None,
    norm="inf",
    random_start=True,
    clip=None,
    random_state=0,
    batch_size=1024,
):
    """A scikit-learn scorer: accuracy on inputs perturbed by PGD.

    The returned callable ``scorer(estimator, X, y)`` attacks every row of
    `X` with :func:`pgd_attack` (in batches of `batch_size`, module in eval
    mode, restored afterwards) and returns the share of rows still
    classified correctly. Pass it as ``scoring=`` to
    :func:`~sklearn.model_selection.cross_validate` or
    :class:`~sklearn.model_selection.GridSearchCV` (alone or in a dict of
    scorers).

    What is attacked: `estimator` must be a fitted skorch net (anything
    exposing ``module_``, e.g. :class:`SelectiveAdversarialClassifier`), or a
    :class:`~sklearn.pipeline.Pipeline` whose final step is one. For a
    Pipeline, `X` is passed through the preceding steps' ``transform`` and
    the attack runs in the input space of the final step: `epsilon` and
    `clip` are measured there (e.g. in standardised units after a
    ``StandardScaler``), not in the raw feature space. The labels must be
    the module's class indices ``0 .. n_classes - 1`` (as for skorch's own
    ``predict``).

    Parameters
    ----------
    epsilon : float
        Radius of the attack (>= 0).
    n_steps : int, default=40
        PGD steps (PGD-40 by default, as in the paper's evaluation).
    step_size : float, default=None
        None means ``2.5 * epsilon / n_steps``.
    norm : {"inf", "2"}, default="inf"
    random_start : bool, default=True
    clip : tuple (low, high) or None, default=None
        Valid input box, in the final step's input space.
    random_state : int, RandomState instance or None, default=0
        Seeds the random starts; the default makes the score deterministic.
    batch_size : int, default=1024
        Rows attacked at once.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y) -> float``, greater is better.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import cross_validate
    >>> from sklearn_asss.adversarial import (SelectiveAdversarialClassifier,
    ...                                       make_robust_scorer)
    >>> X, y = load_digits(return_X_y=True)
    >>> X = (X / 16).astype("float32")
    >>> clf = SelectiveAdversarialClassifier(epsilon=0.1, n_steps=3, max_epochs=2,
    ...                                      random_state=0)
    >>> scores = cross_validate(clf, X[:300], y[:300], cv=2,
    ...                         scoring={"clean": "accuracy",
    ...                                  "robust": make_robust_scorer(0.1, n_steps=5)})
    >>> sorted(key for key in scores if key.startswith("test_"))
    ['test_clean', 'test_robust']
    """
    check_attack_params(epsilon, step_size, n_steps, norm, clip)
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size!r}.")
    return _RobustScorer(epsilon, n_steps, step_size, norm, random_start, clip, random_state,
                         int(batch_size))
