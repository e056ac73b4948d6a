"""Per-sample scores of a trained network, shared by the samplers and adversarial training."""

import torch


def logit_margin(logits, y):
    """The logit margin of each row: true-class logit minus the best other logit.

    ``margin_i = z_{i, y_i} - max_{j != y_i} z_{i, j}``: positive when the
    row is classified correctly, near zero at the decision boundary.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_samples, n_classes)
        Logits (or log-probabilities: the margin is the same).
    y : torch.Tensor of shape (n_samples,)
        True class indices.

    Returns
    -------
    margin : torch.Tensor of shape (n_samples,)

    Examples
    --------
    >>> import torch
    >>> from sklearn_asss.nn import logit_margin
    >>> logit_margin(torch.tensor([[2.0, 0.5, 1.0], [0.0, 3.0, 1.0]]), torch.tensor([0, 0]))
    tensor([ 1., -3.])
    """
    logits = logits.detach()
    y = y.long()
    true = logits.gather(1, y[:, None]).squeeze(1)
    others = logits.scatter(1, y[:, None], float("-inf"))
    return true - others.max(dim=1).values


def error_l2_norm(logits, y):
    """EL2N: the L2 norm of ``softmax(z) - onehot(y)`` of each row (Paul et al., 2021).

    0 for a row predicted with full confidence in its label, up to ``sqrt(2)``
    for one predicted with full confidence in another class.

    Parameters
    ----------
    logits : torch.Tensor of shape (n_samples, n_classes)
        Logits.
    y : torch.Tensor of shape (n_samples,)
        True class indices.

    Returns
    -------
    el2n : torch.Tensor of shape (n_samples,)
    """
    residual = torch.softmax(logits.detach(), dim=1)
    residual[torch.arange(len(y), device=residual.device), y.long()] -= 1.0
    return torch.linalg.vector_norm(residual, dim=1)
