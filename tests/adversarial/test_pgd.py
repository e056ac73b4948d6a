"""pgd_attack: it raises the loss, stays in the ball and the box, leaves the model alone."""

import copy
import functools

import pytest
import torch
import torch.nn.functional as F

from sklearn_asss.adversarial import default_step_size, pgd_attack


def _trained_model(seed=0):
    """A fresh copy of the fitted model and its data (trained once per session)."""
    model, X, y = _fit_model(seed)
    return copy.deepcopy(model), X.clone(), y.clone()


@functools.lru_cache(maxsize=None)
def _fit_model(seed):
    """A small MLP fitted for a few steps on a separable 3-class problem."""
    gen = torch.Generator().manual_seed(seed)
    X = torch.rand(96, 6, generator=gen)
    y = (X[:, 0] * 3).long().clamp(max=2)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(100):
        optimizer.zero_grad()
        F.cross_entropy(model(X), y).backward()
        optimizer.step()
    optimizer.zero_grad()
    return model.eval(), X, y


def _per_row_loss(model, X, y):
    with torch.no_grad():
        return F.cross_entropy(model(X), y, reduction="none")


@pytest.mark.parametrize("norm", ["inf", "2"])
@pytest.mark.parametrize("random_start", [True, False])
def test_pgd_raises_loss_and_stays_in_ball(norm, random_start):
    model, X, y = _trained_model()
    epsilon = 0.1 if norm == "inf" else 0.3
    X_adv = pgd_attack(model, X, y, epsilon=epsilon, n_steps=10, norm=norm,
                       random_start=random_start, generator=torch.Generator().manual_seed(1))
    clean, adv = _per_row_loss(model, X, y), _per_row_loss(model, X_adv, y)
    assert adv.mean() > clean.mean() * 1.5
    # almost every row gets harder (PGD's last iterate is not guaranteed to for all)
    assert float((adv > clean).float().mean()) >= 0.9
    delta = (X_adv - X).flatten(1)
    size = delta.abs().max(dim=1).values if norm == "inf" else delta.norm(dim=1)
    assert bool((size <= epsilon + 1e-5).all())
    # the budget is actually used by most rows
    assert float((size > 0.9 * epsilon).float().mean()) > 0.5
    assert not X_adv.requires_grad


@pytest.mark.parametrize("norm", ["inf", "2"])
def test_pgd_respects_clip_scalar_and_per_feature(norm):
    model, X, y = _trained_model()
    X_adv = pgd_attack(model, X, y, epsilon=0.5, n_steps=5, norm=norm, clip=(0.0, 1.0),
                       generator=torch.Generator().manual_seed(0))
    assert float(X_adv.min()) >= 0.0 and float(X_adv.max()) <= 1.0
    low = torch.tensor([0.0, 0.1, 0.0, 0.0, 0.2, 0.0])
    high = torch.tensor([1.0, 0.9, 1.0, 0.5, 1.0, 1.0])
    X_in = torch.minimum(torch.maximum(X, low), high)
    X_adv = pgd_attack(model, X_in, y, epsilon=0.5, n_steps=5, norm=norm, clip=(low, high),
                       generator=torch.Generator().manual_seed(0))
    assert bool((X_adv >= low).all()) and bool((X_adv <= high).all())
    delta = (X_adv - X_in).flatten(1)
    size = delta.abs().max(dim=1).values if norm == "inf" else delta.norm(dim=1)
    assert bool((size <= 0.5 + 1e-5).all())


def test_pgd_leaves_parameter_grads_and_inputs_untouched():
    model, X, y = _trained_model()
    sentinels = [torch.full_like(p, 7.0) for p in model.parameters()]
    for p, s in zip(model.parameters(), sentinels):
        p.grad = s.clone()
    X_copy = X.clone()
    pgd_attack(model, X, y, epsilon=0.1, n_steps=3)
    for p, s in zip(model.parameters(), sentinels):
        assert torch.equal(p.grad, s)
    assert torch.equal(X, X_copy)


def test_pgd_is_batched_rows_do_not_interact():
    model, X, y = _trained_model()
    together = pgd_attack(model, X, y, epsilon=0.1, n_steps=5, random_start=False)
    alone = torch.cat([
        pgd_attack(model, X[i : i + 1], y[i : i + 1], epsilon=0.1, n_steps=5, random_start=False)
        for i in range(5)
    ])
    torch.testing.assert_close(together[:5], alone)


def test_pgd_reproducible_with_generator():
    model, X, y = _trained_model()
    a = pgd_attack(model, X, y, epsilon=0.1, n_steps=2, generator=torch.Generator().manual_seed(3))
    b = pgd_attack(model, X, y, epsilon=0.1, n_steps=2, generator=torch.Generator().manual_seed(3))
    c = pgd_attack(model, X, y, epsilon=0.1, n_steps=2, generator=torch.Generator().manual_seed(4))
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_pgd_epsilon_zero_is_identity_and_default_step():
    model, X, y = _trained_model()
    assert torch.equal(pgd_attack(model, X, y, epsilon=0.0, n_steps=3), X)
    assert default_step_size(0.1, 10) == pytest.approx(0.025)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(epsilon=-0.1), "epsilon"),
        (dict(epsilon=0.1, n_steps=0), "n_steps"),
        (dict(epsilon=0.1, norm="1"), "norm"),
        (dict(epsilon=0.1, step_size=-1.0), "step_size"),
        (dict(epsilon=0.1, clip=(0.0,)), "clip"),
        (dict(epsilon=0.1, clip=(1.0, 0.0)), "clip"),
    ],
)
def test_pgd_bad_parameters_raise(kwargs, match):
    model, X, y = _trained_model()
    kwargs = {"n_steps": 2, **kwargs}
    with pytest.raises(ValueError, match=match):
        pgd_attack(model, X, y, **kwargs)
