"""The selection rules pick the intended rows of hand-made batches."""

import pytest
import torch
import torch.nn.functional as F

from sklearn_asss.adversarial import (
    gradient_matching_scores,
    gradient_weights,
    logit_margin,
    margin_weights,
    n_perturbed,
    select_rows,
    weighted_draw,
)


def _margin_batch():
    # rows 2 and 5 sit on the decision boundary; the others are far from it,
    # on the right side (0, 1, 3) or on the wrong side (4)
    logits = torch.tensor(
        [
            [9.0, 0.0, 0.0],
            [0.0, 8.0, 0.0],
            [1.0, 1.02, 0.0],
            [0.0, 0.0, 7.0],
            [0.0, 9.0, 0.0],
            [0.0, 2.0, 2.01],
        ]
    )
    y = torch.tensor([0, 1, 1, 2, 0, 2])
    return logits, y


def test_logit_margin_values():
    logits, y = _margin_batch()
    torch.testing.assert_close(
        logit_margin(logits, y), torch.tensor([9.0, 8.0, 0.02, 7.0, -9.0, 0.01])
    )


def test_margin_rule_picks_boundary_rows():
    logits, y = _margin_batch()
    weights = margin_weights(logits, y)
    torch.testing.assert_close(weights, 1.0 / (logit_margin(logits, y).abs() + 1e-3))
    for seed in range(20):
        rows = select_rows("margin", logits, y, 2, generator=torch.Generator().manual_seed(seed))
        assert rows.tolist() == [2, 5]


def test_margin_rule_draw_is_proportional_to_weights():
    # moderate margins: the draw of one row follows w / sum(w)
    logits = torch.tensor([[1.0, 0.0], [2.0, 0.0], [4.0, 0.0]])
    y = torch.tensor([0, 0, 0])
    gen = torch.Generator().manual_seed(0)
    counts = torch.zeros(3)
    for _ in range(3000):
        counts[select_rows("margin", logits, y, 1, generator=gen)] += 1
    weights = margin_weights(logits, y)
    torch.testing.assert_close(counts / counts.sum(), weights / weights.sum(), atol=0.03, rtol=0)


def _gradient_batch():
    # two classes; rows 0-3 are class-0 rows confidently taken for class 1 and
    # set the dominant gradient direction (raise logit 0, lower logit 1);
    # rows 4-5 are class-1 rows taken for class 0 (opposite gradients);
    # rows 6-7 are class-0 rows classified right: tiny gradients, but aligned
    logits = torch.tensor(
        [[0.0, 3.0]] * 4 + [[3.0, 0.0]] * 2 + [[5.0, 0.0]] * 2
    )
    y = torch.tensor([0, 0, 0, 0, 1, 1, 0, 0])
    return logits, y


def test_gradient_rule_picks_aligned_rows():
    logits, y = _gradient_batch()
    scores = gradient_matching_scores(logits, y)
    assert bool((scores[:4] > 0.99).all())
    assert bool((scores[4:6] < -0.99).all())
    assert bool((scores[6:] > 0.99).all())  # aligned, however small
    for seed in range(10):
        rows = select_rows("gradient", logits, y, 4, generator=torch.Generator().manual_seed(seed))
        assert set(rows.tolist()) <= {0, 1, 2, 3, 6, 7}
    # anti-aligned rows are only taken when fewer than k rows have a positive score
    rows = select_rows("gradient", logits, y, 7, generator=torch.Generator().manual_seed(0))
    assert set(rows.tolist()) >= {0, 1, 2, 3, 6, 7}
    assert torch.equal(gradient_weights(torch.tensor([-0.5, 0.25])), torch.tensor([0.0, 0.25]))


def test_gradient_scores_match_autograd_on_last_linear_layer():
    torch.manual_seed(0)  # test-local data; the scores themselves are deterministic
    gen = torch.Generator().manual_seed(0)
    h = torch.randn(12, 5, generator=gen)
    y = torch.randint(0, 4, (12,), generator=gen)
    layer = torch.nn.Linear(5, 4)
    logits = layer(h)
    per_row = []
    for i in range(12):
        grads = torch.autograd.grad(
            F.cross_entropy(logits[i : i + 1], y[i : i + 1]), [layer.weight, layer.bias],
            retain_graph=True,
        )
        per_row.append(torch.cat([g.flatten() for g in grads]))
    per_row = torch.stack(per_row)
    batch = per_row.mean(dim=0)
    expected = per_row @ batch / (per_row.norm(dim=1) * batch.norm())
    torch.testing.assert_close(gradient_matching_scores(logits, y, h), expected, atol=1e-5, rtol=1e-4)


def test_random_and_all_rules():
    logits, y = _margin_batch()
    rows = select_rows("all", logits, y, 2)
    assert rows.tolist() == list(range(6))
    draws = [select_rows("random", logits, y, 3, generator=torch.Generator().manual_seed(s))
             for s in range(300)]
    for rows in draws[:5]:
        assert len(set(rows.tolist())) == 3 and rows.tolist() == sorted(rows.tolist())
    counts = torch.bincount(torch.cat(draws), minlength=6).float()
    # uniform: every row is drawn about half of the time (3 of 6)
    assert float((counts / 300 - 0.5).abs().max()) < 0.1
    again = select_rows("random", logits, y, 3, generator=torch.Generator().manual_seed(0))
    assert torch.equal(again, draws[0])


def test_weighted_draw_edge_cases():
    gen = torch.Generator().manual_seed(0)
    rows = weighted_draw(torch.tensor([0.0, 2.0, 0.0, 1.0, 0.0]), 4, gen)
    assert rows.tolist() == sorted(set(rows.tolist())) and len(rows) == 4
    assert {1, 3} <= set(rows.tolist())
    assert weighted_draw(torch.ones(3), 0, gen).numel() == 0
    with pytest.raises(ValueError, match="k must be"):
        weighted_draw(torch.ones(3), 4, gen)
    with pytest.raises(ValueError, match="non-negative"):
        weighted_draw(torch.tensor([1.0, -1.0]), 1, gen)
    with pytest.raises(ValueError, match="selection"):
        select_rows("loss", torch.zeros(2, 2), torch.tensor([0, 1]), 1)


def test_n_perturbed():
    assert n_perturbed(128, 0.25) == 32
    assert n_perturbed(5, 0.25) == 2
    assert n_perturbed(3, 0.01) == 1
    assert n_perturbed(10, 1.0) == 10
    assert n_perturbed(0, 0.5) == 0
