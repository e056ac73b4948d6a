"""Projected gradient descent (PGD) attacks on batches of tensors."""

from numbers import Integral, Real

import torch
import torch.nn.functional as F

_NORMS = ("inf", "2")


def default_step_size(epsilon, n_steps):
    """The step size used when none is given: ``2.5 * epsilon / n_steps``.

    This is the usual choice of Madry et al.: enough steps of this size can
    walk from the centre of the ball to its surface and back.
    """
    return 2.5 * float(epsilon) / int(n_steps)


def check_attack_params(epsilon, step_size, n_steps, norm, clip=None):
    """Validate PGD parameters; raise a ``ValueError`` or ``TypeError`` naming the problem.

    Returns the step size to use (the default when `step_size` is None).
    """
    if isinstance(epsilon, bool) or not isinstance(epsilon, Real):
        raise TypeError(f"epsilon must be a real number; got {type(epsilon).__name__}.")
    if not epsilon >= 0:  # also rejects NaN
        raise ValueError(f"epsilon must be >= 0; got {epsilon!r}.")
    if isinstance(n_steps, bool) or not isinstance(n_steps, Integral):
        raise TypeError(f"n_steps must be an int; got {type(n_steps).__name__}.")
    if n_steps < 1:
        raise ValueError(f"n_steps must be >= 1; got {n_steps!r}.")
    if norm not in _NORMS:
        raise ValueError(f"norm must be one of {_NORMS}; got {norm!r}.")
    if clip is not None:
        if not isinstance(clip, (tuple, list)) or len(clip) != 2:
            raise ValueError(
                f"clip must be None or a pair (low, high) of scalars or per-feature arrays; "
                f"got {clip!r}."
            )
    if step_size is None:
        return default_step_size(epsilon, n_steps)
    if isinstance(step_size, bool) or not isinstance(step_size, Real):
        raise TypeError(
            f"step_size must be a real number or None; got {type(step_size).__name__}."
        )
    if not step_size >= 0:
        raise ValueError(f"step_size must be >= 0 (or None for the default); got {step_size!r}.")
    return float(step_size)


def pgd_attack(
    module,
    X,
    y,
    *,
    epsilon,
    step_size=None,
    n_steps=10,
    norm="inf",
    random_start=True,
    clip=None,
    generator=None,
    loss_fn=None,
):
    """Perturb a batch by projected gradient ascent on the loss (PGD).

    Every row is attacked at once (one forward and one backward pass of the
    whole batch per step; no loop over samples). Each step moves the input
    along the sign of the input gradient (``norm="inf"``) or along the
    gradient normalised to unit L2 length per row (``norm="2"``), then
    projects the perturbation back onto the epsilon ball around the clean
    row and, when `clip` is given, the input onto the box ``[low, high]``.

    The gradients are taken with :func:`torch.autograd.grad` with respect to
    the input only, so the ``.grad`` of the module's parameters is left as it
    was. The module is used in whatever mode (train or eval) it is in; the
    caller chooses (:class:`SelectiveAdversarialClassifier` attacks in eval
    mode).

    Parameters
    ----------
    module : callable
        A ``torch.nn.Module`` (or any differentiable callable) mapping a
        batch of inputs to the outputs that `loss_fn` takes.
    X : torch.Tensor of shape (n_samples, ...)
        The clean inputs, floating point. Not modified.
    y : torch.Tensor of shape (n_samples,)
        The true labels (int64 class indices for the default loss).
    epsilon : float
        Radius of the perturbation ball (L-infinity or L2, per row), >= 0.
        With ``epsilon=0`` the inputs come back unchanged.
    step_size : float, default=None
        Length of each step; None means ``2.5 * epsilon / n_steps``.
    n_steps : int, default=10
        Number of gradient steps (the attack's "PGD-k").
    norm : {"inf", "2"}, default="inf"
        The norm of the ball.
    random_start : bool, default=True
        Start from a uniform random point of the ball (else from the clean
        input).
    clip : tuple (low, high) or None, default=None
        Bounds of the valid inputs: scalars or tensors broadcastable to one
        row (per-feature bounds). The clean rows should lie inside the box;
        then the returned rows lie inside both the box and the ball.
    generator : torch.Generator, default=None
        Source of the random start, for reproducible attacks. The draw is
        made on the generator's device and moved to `X`'s device.
    loss_fn : callable, default=None
        ``loss_fn(outputs, y)`` returning a scalar to maximise; the default
        is the cross-entropy of logits, summed over the batch. Any reduction
        gives the same attack: each row's step depends only on the direction
        of its own gradient.

    Returns
    -------
    X_adv : torch.Tensor
        The perturbed inputs, same shape, dtype and device as `X`, detached.

    Examples
    --------
    >>> import torch
    >>> from sklearn_asss.adversarial import pgd_attack
    >>> model = torch.nn.Linear(4, 3)
    >>> X, y = torch.rand(8, 4), torch.randint(0, 3, (8,))
    >>> X_adv = pgd_attack(model, X, y, epsilon=0.1, n_steps=5, clip=(0.0, 1.0),
    ...                    generator=torch.Generator().manual_seed(0))
    >>> bool((X_adv - X).abs().max() <= 0.1 + 1e-6)
    True
    """
    step_size = check_attack_params(epsilon, step_size, n_steps, norm, clip)
    if not isinstance(X, torch.Tensor) or not torch.is_floating_point(X):
        raise TypeError("X must be a floating-point torch.Tensor.")
    if loss_fn is None:
        loss_fn = _summed_cross_entropy
    X = X.detach()
    y = y.detach() if isinstance(y, torch.Tensor) else y
    low, high = _bounds(clip, X)
    if epsilon == 0 or len(X) == 0:
        return X.clone()

    if random_start:
        delta = _random_in_ball(X, epsilon, norm, generator)
        X_adv = _clip(X + delta, low, high)
    else:
        X_adv = X.clone()

    for _ in range(n_steps):
        X_adv.requires_grad_(True)
        with torch.enable_grad():
            loss = loss_fn(module(X_adv), y)
            (grad,) = torch.autograd.grad(loss, X_adv)
        X_adv = X_adv.detach()
        if norm == "inf":
            X_adv = X_adv + step_size * grad.sign()
        else:
            X_adv = X_adv + step_size * grad / _row_norms(grad).clamp_min(1e-12)
        X_adv = _clip(X + _project(X_adv - X, epsilon, norm), low, high)
    return X_adv.detach()


def _summed_cross_entropy(outputs, y):
    return F.cross_entropy(outputs, y, reduction="sum")


def _row_norms(t):
    """L2 norm of each row, shaped to broadcast against `t`."""
    norms = t.flatten(1).norm(dim=1)
    return norms.view(-1, *([1] * (t.dim() - 1)))


def _project(delta, epsilon, norm):
    if norm == "inf":
        return delta.clamp(-epsilon, epsilon)
    return delta * (epsilon / _row_norms(delta).clamp_min(1e-12)).clamp(max=1.0)


def _random_in_ball(X, epsilon, norm, generator):
    device = generator.device if generator is not None else X.device
    if norm == "inf":
        u = torch.rand(X.shape, generator=generator, device=device, dtype=X.dtype)
        return ((2 * u - 1) * epsilon).to(X.device)
    # uniform in the L2 ball: a Gaussian direction and radius eps * U^(1/d)
    direction = torch.randn(X.shape, generator=generator, device=device, dtype=X.dtype)
    direction = direction / _row_norms(direction).clamp_min(1e-12)
    d = X[0].numel()
    radius = epsilon * torch.rand(
        (len(X),) + (1,) * (X.dim() - 1), generator=generator, device=device, dtype=X.dtype
    ) ** (1.0 / d)
    return (direction * radius).to(X.device)


def _bounds(clip, X):
    if clip is None:
        return None, None
    low, high = (
        torch.as_tensor(bound, dtype=X.dtype, device=X.device) if bound is not None else None
        for bound in clip
    )
    if low is not None and high is not None and bool((low > high).any()):
        raise ValueError("clip=(low, high) needs low <= high everywhere.")
    return low, high


def _clip(X, low, high):
    if low is not None:
        X = torch.maximum(X, low)
    if high is not None:
        X = torch.minimum(X, high)
    return X
