"""The binary Gumbel-softmax relaxation of equation (2) and its temperature schedule."""

import math

import torch


def relaxed_bernoulli(logits, temperature, generator=None):
    """Relaxed selection weights ``z~`` of equation (2), differentiable in `logits`.

    With ``p = sigmoid(s)`` and two independent Gumbel draws ``g, g'``::

        z~ = exp((log p + g) / tau) / (exp((log p + g) / tau) + exp((log(1 - p) + g') / tau))

    computed stably as ``sigmoid((log p - log(1 - p) + g - g') / tau)``, where
    ``log p - log(1 - p)`` is the logit ``s`` itself.

    Parameters
    ----------
    logits : torch.Tensor of shape (n,)
        Selection logits ``s_i``.
    temperature : float
        ``tau > 0``; as it goes to 0, ``z~`` becomes a hard Bernoulli(p) draw.
    generator : torch.Generator, default=None
        Source of the Gumbel noise.

    Returns
    -------
    z : torch.Tensor of shape (n,)
        Relaxed selection weights in (0, 1).
    """
    gumbel = _gumbel((2,) + tuple(logits.shape), generator, logits)
    return torch.sigmoid((logits + gumbel[0] - gumbel[1]) / temperature)


def _gumbel(shape, generator, like):
    uniform = torch.rand(shape, generator=generator, dtype=like.dtype)
    uniform = uniform.to(like.device).clamp_(1e-10, 1.0 - 1e-7)
    return -torch.log(-torch.log(uniform))


def annealed_temperature(initial, final, progress):
    """Exponential annealing from `initial` (progress 0) to `final` (progress 1).

    ``tau(t) = initial * (final / initial) ** t`` for ``t`` in [0, 1]: the
    temperature falls by the same factor over each equal stretch of training,
    so the late, near-discrete phase gets as many steps as the smooth start.
    """
    progress = min(max(progress, 0.0), 1.0)
    return initial * math.exp(progress * math.log(final / initial))
