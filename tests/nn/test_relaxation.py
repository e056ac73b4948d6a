import numpy as np
import pytest
import torch

from sklearn_asss.nn._relaxation import annealed_temperature, relaxed_bernoulli


def test_relaxed_bernoulli_mean_matches_p_at_low_temperature():
    logits = torch.full((20000,), float(np.log(0.3 / 0.7)))
    z = relaxed_bernoulli(logits, 0.05, torch.Generator().manual_seed(0))
    assert z.mean().item() == pytest.approx(0.3, abs=0.02)
    # near-discrete: almost every weight is close to 0 or 1
    assert ((z < 0.05) | (z > 0.95)).float().mean().item() > 0.9


def test_relaxed_bernoulli_is_smooth_at_high_temperature_and_differentiable():
    logits = torch.zeros(1000, requires_grad=True)
    z = relaxed_bernoulli(logits, 10.0, torch.Generator().manual_seed(0))
    # logistic noise scaled by 1/tau: z stays close to 0.5 (std about 0.045)
    assert z.mean().item() == pytest.approx(0.5, abs=0.01)
    assert z.std().item() < 0.06
    z.sum().backward()
    assert torch.all(logits.grad > 0)


def test_relaxed_bernoulli_is_reproducible_with_a_generator():
    logits = torch.randn(50)
    a = relaxed_bernoulli(logits, 0.5, torch.Generator().manual_seed(3))
    b = relaxed_bernoulli(logits, 0.5, torch.Generator().manual_seed(3))
    assert torch.equal(a, b)


def test_annealed_temperature_is_exponential_between_its_ends():
    assert annealed_temperature(1.0, 0.1, 0.0) == pytest.approx(1.0)
    assert annealed_temperature(1.0, 0.1, 1.0) == pytest.approx(0.1)
    assert annealed_temperature(1.0, 0.1, 0.5) == pytest.approx(0.1**0.5)
    assert annealed_temperature(1.0, 0.1, 2.0) == pytest.approx(0.1)
