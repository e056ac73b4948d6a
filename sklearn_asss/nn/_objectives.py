"""The losses of the two players: the paper's L_C and L_G, and the bi-level look-ahead."""

import torch
from torch.func import functional_call

from ._modules import per_sample_cross_entropy


def row_mean(values, counts=None):
    """The mean of per-row `values` over the rows of the table they stand for.

    `counts` is how many rows each row of the batch stands for (a distinct
    row and its copies: ``collapse_duplicates``); None means one each, the
    plain mean.
    """
    if counts is None:
        return values.mean()
    return (counts * values).sum() / counts.sum()


def weighted_task_loss(per_sample_loss, weights, counts=None):
    """Equation (3): ``L_C = (1/B) sum_i z~_i * CE_i``."""
    return row_mean(weights * per_sample_loss, counts)


def mean_binary_entropy(p, eps=1e-7, counts=None):
    """``H(p)``: the mean binary entropy of the selection probabilities (nats)."""
    p = p.clamp(eps, 1 - eps)
    return -row_mean(p * torch.log(p) + (1 - p) * torch.log(1 - p), counts)


def paper_selector_loss(
    task_loss, p, *, sparsity_weight, entropy_weight, baseline=0.0, counts=None
):
    """Equation (4): ``L_G = (L_C - b) + lambda * mean(p) - beta * H(p)``.

    ``b`` is the moving-average baseline of ``L_C`` (section 3.4). It is a
    constant for the pathwise Gumbel-softmax gradient, so it changes the
    reported value of ``L_G``, not the selector's update.
    """
    return (
        task_loss
        - baseline
        + sparsity_weight * row_mean(p, counts)
        - entropy_weight * mean_binary_entropy(p, counts=counts)
    )


def expected_error(logits, y):
    """``1 - softmax(logits)[y]`` per row: the expected 0-1 error, bounded in [0, 1]."""
    return 1.0 - torch.softmax(logits, dim=1).gather(1, y.unsqueeze(1)).squeeze(1)


def lookahead_validation_loss(
    module, X, y, weights, X_val, y_val, *, lookahead_lr, val_counts=None
):
    """The bi-level objective of equation (1), one inner step deep.

    Takes one SGD step of the task network on the batch weighted by the
    relaxed selection ``weights`` (normalised to sum to one, as in
    learning-to-reweight), keeping the graph, and returns the mean
    :func:`expected_error` of the updated network on an independent batch
    ``(X_val, y_val)`` (its rows weighted by `val_counts`, when given). Its
    gradient with respect to the weights is, to first order,
    ``-lookahead_lr * <grad CE_i, grad L_val>``: a row gains weight
    when learning from it lowers the error on other rows, and loses weight
    when it pulls the model against them (a mislabeled row does). The
    expected error is bounded, so the mislabeled rows of the independent
    batch cannot dominate ``grad L_val`` as they do with cross-entropy.
    """
    params = dict(module.named_parameters())
    inner = per_sample_cross_entropy(functional_call(module, params, (X,)), y)
    inner = (weights * inner).sum() / weights.sum().clamp_min(1e-8)
    grads = torch.autograd.grad(inner, list(params.values()), create_graph=True)
    updated = {
        name: value - lookahead_lr * grad
        for (name, value), grad in zip(params.items(), grads)
    }
    val_errors = expected_error(functional_call(module, updated, (X_val,)), y_val)
    return row_mean(val_errors, val_counts)


def output_layer_lookahead(
    logits,
    features,
    y,
    weights,
    val_logits,
    val_features,
    y_val,
    *,
    lookahead_lr,
    bias=True,
    val_counts=None,
):
    """:func:`lookahead_validation_loss` with the inner step on the output layer only,
    and its gradient with respect to the weights, in closed form.

    The task network's last linear layer maps the features ``h`` (its input)
    to the logits. One SGD step of that layer alone on the batch weighted by
    ``weights`` (normalised to sum to one) moves the logits of a validation
    row ``j`` by ``-lookahead_lr * sum_i w_i (h_j . h_i + 1) (softmax_i -
    onehot_i)`` (the ``+ 1`` is the bias): the layer's own update applied
    to ``h_j``. So the updated network's
    :func:`expected_error` on the independent batch needs no second pass
    through the network: only the logits and features of both batches, which
    the game computes anyway. Its gradient with respect to ``weights`` is
    the alignment of each row's output-layer gradient with the validation
    batch's, the proxy for a row's full gradient that gradient-matching
    selection (CRAIG, GradMatch) uses; it is written out here rather than
    left to autograd, which on the game's small batches costs more in
    building and walking the graph than in arithmetic.

    Parameters
    ----------
    logits, features : Tensor of shape (n_rows, n_classes), (n_rows, n_hidden)
        The batch's logits and the output layer's input, detached.
    y : Tensor of shape (n_rows,)
    weights : Tensor of shape (n_rows,)
        Relaxed selections (read, not differentiated through).
    val_logits, val_features, y_val : Tensor
        The same for the independent batch.
    lookahead_lr : float
        Step of the inner SGD update.
    bias : bool, default=True
        Whether the output layer has a bias.
    val_counts : Tensor of shape (n_val_rows,), default=None
        How many rows each validation row stands for (None: one each).

    Returns
    -------
    loss : Tensor of shape ()
        The mean expected error of the independent batch after the step.
    grad : Tensor of shape (n_rows,)
        ``d loss / d weights``.
    """
    with torch.no_grad():
        residuals = _residuals(torch.softmax(logits, dim=1), y)
        total = weights.sum()
        scale = total.clamp_min(1e-8)
        share = weights / scale
        step = share.unsqueeze(1) * residuals
        # the layer's own update, (n_hidden, n_classes): cheaper than the rows' pairwise kernel
        shift = _output_layer_map(val_features, features.T @ step, step, bias)
        probabilities = torch.softmax(val_logits - lookahead_lr * shift, dim=1)
        p_label = probabilities.gather(1, y_val.unsqueeze(1))
        row_share = _row_shares(val_counts, val_logits)
        loss = (row_share * (1.0 - p_label.squeeze(1))).sum()
        # d loss / d logits after the step: expected error's softmax derivative
        d_logits = (row_share.unsqueeze(1) * p_label) * _residuals(probabilities, y_val)
        d_step = -lookahead_lr * _output_layer_map(
            features, val_features.T @ d_logits, d_logits, bias
        )
        pull = (d_step * residuals).sum(dim=1)
        # the step's normalisation by the sum of the weights (a constant once clamped)
        pull = pull - torch.where(total >= 1e-8, share @ pull, 0.0)
        return loss, pull / scale


def _residuals(probabilities, y):
    """``probabilities - onehot(y)``: of softmax outputs, the cross-entropy's gradient at the
    logits."""
    onehot = torch.nn.functional.one_hot(y, probabilities.shape[1]).to(probabilities.dtype)
    return probabilities - onehot


def _output_layer_map(rows, weight_step, bias_rows, bias):
    """``rows @ weight_step``, plus the summed `bias_rows` when the layer has a bias."""
    mapped = rows @ weight_step
    return mapped + bias_rows.sum(dim=0) if bias else mapped


def _row_shares(counts, rows):
    """Each of `rows`' share of a row mean (:func:`row_mean`): 1 / n, or its copies' share."""
    if counts is None:
        return rows.new_full((len(rows),), 1.0 / len(rows))
    return counts / counts.sum()


def standardised_surrogate(grad, weights, counts=None):
    """A surrogate whose gradient through `weights` is `grad` (``dloss/dweights``), standardised.

    The look-ahead gradient ``dL_val/dz_i`` is tiny and its scale drifts as
    the task network converges. Centring it over the batch and scaling it to
    unit variance keeps only what it says about the *ranking* of the rows
    (which rows should rise, which fall), in units that are stable over
    training; the level of ``p`` is left to the budget term alone.

    With `counts` (a distinct row standing for its copies, its weight in
    the loss being ``counts * weights``), the gradient is taken per copy and
    standardised over the copies, and each row's term counts as its copies':
    the surrogate the batch of all the copies would give.
    """
    grad = grad.detach()
    if counts is not None:
        return _standardised_gradient_of_copies(grad / counts, weights, counts)
    # a batch of one row ranks nothing (and torch's std of a single value is NaN)
    spread = grad.std() if grad.numel() > 1 else grad.new_ones(())
    grad = (grad - grad.mean()) / spread.clamp_min(1e-12)
    return (weights * grad).mean()


def _standardised_gradient_of_copies(grad, weights, counts):
    mean = row_mean(grad, counts)
    n_copies = counts.sum()
    variance = row_mean((grad - mean) ** 2, counts) * n_copies / (n_copies - 1).clamp_min(1)
    grad = (grad - mean) / variance.sqrt().clamp_min(1e-12)
    return row_mean(weights * grad.detach(), counts)


def budget_penalty(p, keep_ratio, counts=None):
    """``(mean(p) - keep_ratio)^2``: holds the mean selection probability at the budget."""
    return (row_mean(p, counts) - keep_ratio) ** 2
