import copy

import pytest
import torch

from sklearn_asss.nn import TaskMLP
from sklearn_asss.nn._modules import per_sample_cross_entropy
from sklearn_asss.nn._objectives import (
    budget_penalty,
    expected_error,
    lookahead_validation_loss,
    mean_binary_entropy,
    output_layer_lookahead,
    paper_selector_loss,
    row_mean,
    standardised_surrogate,
    weighted_task_loss,
)


def test_weighted_task_loss_is_equation_3():
    loss = torch.tensor([1.0, 2.0, 3.0, 4.0])
    weights = torch.tensor([1.0, 0.0, 0.5, 0.25])
    assert weighted_task_loss(loss, weights).item() == pytest.approx((1 + 1.5 + 1) / 4)


def test_paper_selector_loss_is_equation_4():
    p = torch.tensor([0.5, 0.5])
    value = paper_selector_loss(
        torch.tensor(2.0), p, sparsity_weight=3.0, entropy_weight=1.0, baseline=0.5
    )
    entropy = torch.log(torch.tensor(2.0)).item()
    assert value.item() == pytest.approx(2.0 - 0.5 + 3.0 * 0.5 - entropy)


def test_paper_objective_rewards_dropping_every_row():
    # the flaw measured before the project: every term falls as any p falls
    loss = torch.tensor([0.1, 2.0])
    logits = torch.zeros(2, requires_grad=True)
    p = torch.sigmoid(logits)
    paper_selector_loss(
        weighted_task_loss(loss, p), p, sparsity_weight=1.0, entropy_weight=0.0
    ).backward()
    assert torch.all(logits.grad > 0)  # gradient descent lowers every p


def test_mean_binary_entropy_peaks_at_one_half():
    assert mean_binary_entropy(torch.tensor([0.5])).item() == pytest.approx(0.6931, abs=1e-4)
    assert mean_binary_entropy(torch.tensor([0.999])).item() < 0.01


def test_budget_penalty_is_zero_at_the_budget():
    assert budget_penalty(torch.tensor([0.2, 0.4]), 0.3).item() == pytest.approx(0.0)
    assert budget_penalty(torch.tensor([0.5, 0.5]), 0.3).item() == pytest.approx(0.04)


def _toy_problem():
    """A task network fitted to 400 rows, 20% of them with flipped labels.

    The first 200 rows are the training batch, the other 200 the independent
    batch that judges the look-ahead.
    """
    torch.manual_seed(0)
    X = torch.randn(400, 2)
    y = (X[:, 0] > 0).long()
    flipped = torch.rand(400) < 0.2
    y_noisy = torch.where(flipped, 1 - y, y)
    module = TaskMLP(2, 2, (16,))
    optimizer = torch.optim.Adam(module.parameters(), lr=0.05)
    for _ in range(100):  # fit the clean majority
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(module(X), y_noisy).backward()
        optimizer.step()
    return module, X, y_noisy, flipped


def test_lookahead_gradient_pushes_mislabeled_rows_down():
    module, X, y_noisy, flipped = _toy_problem()
    train, judge = slice(0, 200), slice(200, 400)
    weights = torch.full((200,), 0.5, requires_grad=True)
    loss = lookahead_validation_loss(
        module, X[train], y_noisy[train], weights, X[judge], y_noisy[judge], lookahead_lr=0.01
    )
    (grad,) = torch.autograd.grad(loss, weights)
    # descending the gradient lowers the weights of the flipped rows most
    flipped_train = flipped[train]
    assert grad[flipped_train].mean() > grad[~flipped_train].mean()


def test_lookahead_is_judged_on_the_independent_batch():
    module, X, y_noisy, _ = _toy_problem()
    train, judge = slice(0, 200), slice(200, 400)
    weights = torch.rand(200, generator=torch.Generator().manual_seed(0))
    lr = 0.5
    value = lookahead_validation_loss(
        module, X[train], y_noisy[train], weights, X[judge], y_noisy[judge], lookahead_lr=lr
    )
    # the same step by hand: SGD on the weighted training batch, then the error on the judge
    updated = copy.deepcopy(module)
    losses = per_sample_cross_entropy(updated(X[train]), y_noisy[train])
    ((weights * losses).sum() / weights.sum()).backward()
    with torch.no_grad():
        for parameter in updated.parameters():
            parameter -= lr * parameter.grad
        on_judge = expected_error(updated(X[judge]), y_noisy[judge]).mean().item()
        on_train = expected_error(updated(X[train]), y_noisy[train]).mean().item()
    assert value.item() == pytest.approx(on_judge, rel=1e-5)
    assert abs(on_judge - on_train) > 1e-3  # the two batches tell the cases apart


def test_standardised_surrogate_is_centred_and_unit_scale():
    weights = torch.rand(100, requires_grad=True)
    loss = (weights * torch.linspace(0, 100, 100)).sum()
    (loss_grad,) = torch.autograd.grad(loss, weights)
    surrogate = standardised_surrogate(loss_grad, weights)
    (grad,) = torch.autograd.grad(surrogate, weights)
    grad = grad * 100  # the surrogate is a mean over the batch
    assert grad.mean().item() == pytest.approx(0.0, abs=1e-5)
    assert grad.std().item() == pytest.approx(1.0, abs=1e-5)
    assert torch.all(grad[1:] > grad[:-1])  # the ranking is kept


@pytest.mark.parametrize("bias", [True, False])
def test_output_layer_lookahead_is_one_sgd_step_of_the_last_layer(bias):
    torch.manual_seed(0)
    body = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU())
    head = torch.nn.Linear(8, 3, bias=bias)
    X, y = torch.randn(40, 5), torch.randint(0, 3, (40,))
    X_val, y_val = torch.randn(30, 5), torch.randint(0, 3, (30,))
    weights = torch.rand(40, requires_grad=True)
    lr = 0.7
    with torch.no_grad():
        features, val_features = body(X), body(X_val)
    # by hand: the weighted loss of the batch, one SGD step of the head, the error after it
    params = dict(head.named_parameters())
    inner = per_sample_cross_entropy(torch.func.functional_call(head, params, (features,)), y)
    grads = torch.autograd.grad((weights * inner).sum() / weights.sum(), list(params.values()),
                                create_graph=True)  # fmt: skip
    stepped = {name: value - lr * g for (name, value), g in zip(params.items(), grads)}
    by_hand = expected_error(torch.func.functional_call(head, stepped, (val_features,)), y_val)
    by_hand = by_hand.mean()
    value, grad = output_layer_lookahead(
        head(features).detach(), features, y, weights, head(val_features).detach(),
        val_features, y_val, lookahead_lr=lr, bias=bias,
    )  # fmt: skip
    assert value.item() == pytest.approx(by_hand.item(), rel=1e-5)
    (expected,) = torch.autograd.grad(by_hand, weights)
    torch.testing.assert_close(grad, expected, rtol=1e-4, atol=1e-9)


def test_output_layer_lookahead_pushes_mislabeled_rows_down():
    module, X, y_noisy, flipped = _toy_problem()
    body, train, judge = module.net[:-1], slice(0, 200), slice(200, 400)
    weights = torch.full((200,), 0.5, requires_grad=True)
    with torch.no_grad():
        features, logits = body(X), module(X)
    _, grad = output_layer_lookahead(
        logits[train], features[train], y_noisy[train], weights, logits[judge],
        features[judge], y_noisy[judge], lookahead_lr=0.01,
    )  # fmt: skip
    assert grad[flipped[train]].mean() > grad[~flipped[train]].mean()


def test_a_row_with_counts_weighs_as_its_copies():
    # distinct rows with counts against the batch that holds every copy
    torch.manual_seed(0)
    body = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.ReLU())
    head = torch.nn.Linear(8, 3)
    X, y, counts = torch.randn(20, 5), torch.randint(0, 3, (20,)), torch.randint(1, 6, (20,))
    X_val, y_val, val_counts = torch.randn(15, 5), torch.randint(0, 3, (15,)), torch.randint(1, 4, (15,))
    distinct_weights = torch.rand(20, requires_grad=True)
    copy_weights = distinct_weights.detach().repeat_interleave(counts).requires_grad_()
    with torch.no_grad():
        features, val_features = body(X), body(X_val)
        logits, val_logits = head(features), head(val_features)

    def judged(rows, val_rows, step_weights, val_weights):
        return output_layer_lookahead(
            logits[rows], features[rows], y[rows], step_weights, val_logits[val_rows],
            val_features[val_rows], y_val[val_rows], lookahead_lr=0.5, val_counts=val_weights,
        )  # fmt: skip

    float_counts, float_val_counts = counts.float(), val_counts.float()
    everything, every_val = torch.arange(20), torch.arange(15)
    on_distinct, distinct_grad = judged(
        everything, every_val, distinct_weights * float_counts, float_val_counts
    )
    copies, val_copies = everything.repeat_interleave(counts), every_val.repeat_interleave(val_counts)
    on_copies, copy_loss_grad = judged(copies, val_copies, copy_weights, None)
    assert on_distinct.item() == pytest.approx(on_copies.item(), rel=1e-5)
    # the selector's surrogate: each distinct row gets the summed push of its copies
    surrogate = standardised_surrogate(distinct_grad * float_counts, distinct_weights, float_counts)
    (grad,) = torch.autograd.grad(surrogate, distinct_weights)
    copy_surrogate = standardised_surrogate(copy_loss_grad, copy_weights)
    (copy_grad,) = torch.autograd.grad(copy_surrogate, copy_weights)
    summed = torch.zeros(20).index_add_(0, copies, copy_grad)
    torch.testing.assert_close(grad, summed, rtol=1e-4, atol=1e-7)
    # and the means of the regularisers
    p = torch.rand(20)
    expanded = p.repeat_interleave(counts)
    assert row_mean(p, float_counts).item() == pytest.approx(expanded.mean().item(), rel=1e-6)
    assert budget_penalty(p, 0.3, float_counts).item() == pytest.approx(
        budget_penalty(expanded, 0.3).item(), rel=1e-5
    )
    assert mean_binary_entropy(p, counts=float_counts).item() == pytest.approx(
        mean_binary_entropy(expanded).item(), rel=1e-5
    )


def test_output_layer_lookahead_gradient_where_the_weights_vanish():
    # below the clamp of their sum the normalisation is a constant: autograd agrees
    torch.manual_seed(0)
    features, val_features = torch.rand(6, 4), torch.rand(5, 4)
    logits, val_logits = torch.randn(6, 3), torch.randn(5, 3)
    y, y_val = torch.randint(0, 3, (6,)), torch.randint(0, 3, (5,))
    for scale in (1.0, 1e-10):
        weights = (torch.rand(6) * scale).requires_grad_()
        residuals = torch.softmax(logits, dim=1) - torch.nn.functional.one_hot(y, 3)
        step = (weights / weights.sum().clamp_min(1e-8)).unsqueeze(1) * residuals
        shift = val_features @ (features.T @ step) + step.sum(dim=0)
        by_autograd = expected_error(val_logits - 0.5 * shift, y_val).mean()
        (expected,) = torch.autograd.grad(by_autograd, weights)
        value, grad = output_layer_lookahead(
            logits, features, y, weights, val_logits, val_features, y_val, lookahead_lr=0.5
        )
        assert value.item() == pytest.approx(by_autograd.item(), rel=1e-6)
        torch.testing.assert_close(grad, expected, rtol=1e-4, atol=1e-12)
