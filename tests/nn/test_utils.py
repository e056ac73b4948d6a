import numpy as np
import torch

from sklearn_asss._utils import draw_seed
from sklearn_asss.nn._scores import error_l2_norm
from sklearn_asss.nn._utils import eval_no_grad, inference_batches


def test_draw_seed_is_a_reproducible_int32():
    seeds = [draw_seed(np.random.RandomState(3)) for _ in range(2)]
    assert seeds[0] == seeds[1] and isinstance(seeds[0], int)
    assert 0 <= seeds[0] < np.iinfo(np.int32).max
    rng = np.random.RandomState(3)
    assert draw_seed(rng) != draw_seed(rng)  # each draw moves the state on


def test_inference_batches_cover_every_row_once_as_float32():
    X = np.arange(23 * 2, dtype=np.float64).reshape(23, 2)
    y = np.arange(23)
    seen = []
    for rows, X_batch, y_batch in inference_batches(X, y, batch_size=5):
        assert X_batch.dtype == torch.float32 and y_batch.dtype == torch.int64
        np.testing.assert_array_equal(X_batch.numpy(), X[rows])
        seen.append(y_batch.numpy())
    assert [len(s) for s in seen] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.concatenate(seen), y)


def test_eval_no_grad_disables_grad_and_restores_the_mode():
    module = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5))
    module.train()
    with eval_no_grad(module):
        assert not module.training
        out = module(torch.ones(4, 2))
        assert not out.requires_grad
    assert module.training
    module.eval()
    with eval_no_grad(module):
        pass
    assert not module.training


def test_error_l2_norm():
    logits = torch.tensor([[10.0, -10.0], [-10.0, 10.0], [0.0, 0.0]])
    el2n = error_l2_norm(logits, torch.tensor([0, 0, 1])).numpy()
    np.testing.assert_allclose(el2n, [0.0, np.sqrt(2), np.sqrt(0.5)], atol=1e-6)
