"""Per-sample scores of a trained network, shared by the samplers and adversarial training."""


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
