import threading

import numpy as np
import pytest
import torch

from sklearn_asss.nn import TaskClassifier, TaskMLP, TrainingDivergedError, fit_task_classifier
from sklearn_asss.nn._stacked import fit_task_classifiers, task_modules
from sklearn_asss.nn._utils import WorkStopped, seeded_torch

SCHEDULE = dict(hidden_layer_sizes=(16, 8), max_epochs=15, batch_size=32, lr=1e-2)


def _rows(n, column, seed):
    """`n` rows of 4 features labelled by the sign of `column`."""
    X = np.random.RandomState(seed).normal(size=(n, 4)).astype(np.float32)
    return X, (X[:, column] > 0).astype(np.int64)


def _weights(net):
    return [parameter.detach().clone() for parameter in net.module_.parameters()]


def test_each_network_learns_its_own_rows_alone():
    (X_a, y_a), (X_b, y_b) = _rows(300, 0, 0), _rows(200, 1, 1)
    nets = fit_task_classifiers([X_a, X_b], [y_a, y_b], 2, seeds=[3, 4], **SCHEDULE)
    assert all(isinstance(net, TaskClassifier) for net in nets)
    X_test, _ = _rows(500, 0, 2)
    for net, column in zip(nets, [0, 1]):
        predicted = net.predict(X_test)
        assert np.mean(predicted == (X_test[:, column] > 0)) > 0.9
        assert np.mean(predicted == (X_test[:, 1 - column] > 0)) < 0.7


def test_a_network_does_not_depend_on_the_rows_of_the_others():
    # the smaller sets are padded to the larger one's steps: padding must count for nothing
    (X_a, y_a), (X_b, y_b), (X_c, y_c) = _rows(300, 0, 0), _rows(41, 1, 1), _rows(250, 2, 5)
    first = fit_task_classifiers([X_a, X_b], [y_a, y_b], 2, seeds=[3, 4], **SCHEDULE)
    second = fit_task_classifiers([X_a, X_c], [y_a, y_c], 2, seeds=[3, 9], **SCHEDULE)
    for w_first, w_second in zip(_weights(first[0]), _weights(second[0])):
        torch.testing.assert_close(w_first, w_second)
    assert not torch.equal(_weights(first[1])[0], _weights(second[1])[0])


def test_networks_start_as_their_seeds_build_them_and_reproduce():
    X, y = _rows(100, 0, 0)
    one_epoch = {**SCHEDULE, "max_epochs": 1, "lr": 1e-12}
    (net,) = fit_task_classifiers([X], [y], 2, seeds=[7], **one_epoch)
    with seeded_torch(7):
        built = TaskMLP(4, 2, (16, 8))
    for trained, initial in zip(net.module_.parameters(), built.parameters()):
        torch.testing.assert_close(trained.detach(), initial.detach(), atol=1e-8, rtol=0)
    again = fit_task_classifiers([X, X], [y, y], 2, seeds=[7, 8], **SCHEDULE)
    twice = fit_task_classifiers([X, X], [y, y], 2, seeds=[7, 8], **SCHEDULE)
    for a, b in zip(again, twice):
        for w_a, w_b in zip(_weights(a), _weights(b)):
            torch.testing.assert_close(w_a, w_b, atol=0, rtol=0)


def test_history_holds_the_epochs_losses_and_the_nets_predict_as_skorch_nets():
    X, y = _rows(300, 0, 0)
    (net,) = fit_task_classifiers([X], [y], 2, seeds=[0], **SCHEDULE)
    losses = net.history[:, "train_loss"]
    assert len(losses) == SCHEDULE["max_epochs"] and losses[-1] < 0.5 * losses[0]
    assert net.history[:, "epoch"] == list(range(1, SCHEDULE["max_epochs"] + 1))
    alone = fit_task_classifier(X, y, 2, seed=0, **SCHEDULE)
    # the same network, the same data: as accurate as skorch's own training of it
    assert np.mean(net.predict(X) == y) >= np.mean(alone.predict(X) == y) - 0.03
    np.testing.assert_allclose(net.predict_proba(X).sum(axis=1), 1, rtol=1e-5)


def test_a_diverging_network_is_named_with_its_epoch():
    X, y = _rows(100, 0, 0)
    X_bad = X.copy()
    X_bad[5, 2] = np.nan
    with pytest.raises(TrainingDivergedError, match=r"network\(s\) \[1\] of 2 diverged in epoch 1"):
        fit_task_classifiers([X, X_bad], [y, y], 2, seeds=[0, 1], **SCHEDULE)


def _two_sets():
    (X_a, y_a), (X_b, y_b) = _rows(120, 0, 0), _rows(80, 1, 1)
    return [X_a, X_b], [y_a, y_b]


def test_a_set_stop_ends_the_training_at_the_next_epoch():
    X, y = _two_sets()
    stop = threading.Event()
    stop.set()
    with pytest.raises(WorkStopped, match="before epoch 1"):
        fit_task_classifiers(X, y, 2, seeds=[0, 1], max_epochs=2, stop=stop)


def test_modules_built_before_train_as_those_built_from_the_seeds():
    X, y = _two_sets()
    modules = task_modules(X[0].shape[1], 2, [0, 1])
    given = fit_task_classifiers(X, y, 2, seeds=[0, 1], max_epochs=2, modules=modules)
    built = fit_task_classifiers(X, y, 2, seeds=[0, 1], max_epochs=2)
    for a, b in zip(given, built):
        assert a.module_ is not b.module_
        for pa, pb in zip(a.module_.parameters(), b.module_.parameters()):
            torch.testing.assert_close(pa, pb, rtol=0, atol=0)


@pytest.mark.parametrize("sizes, n_steps", [((300, 301), 10), ((1000, 41, 250), 16), ((5, 7), 3)])
def test_a_step_s_batch_is_each_network_s_chunk_padded_with_zeros_as_pad_sequence_pads(
    sizes, n_steps
):
    from torch.nn.utils.rnn import pad_sequence

    from sklearn_asss.nn._stacked import _PaddedRows

    generator = torch.Generator().manual_seed(0)
    data = [(torch.randn(n, 3, generator=generator), torch.randint(1, 4, (n,))) for n in sizes]
    orders = [torch.randperm(n, generator=generator) for n in sizes]
    steps = list(_PaddedRows(data, "cpu").steps(orders, n_steps))
    assert len(steps) == n_steps
    chunks = [order.tensor_split(n_steps) for order in orders]
    for step, (X, y, real, step_sizes) in enumerate(steps):
        rows = [network_chunks[step] for network_chunks in chunks]
        torch.testing.assert_close(
            X, pad_sequence([X_k[r] for (X_k, _), r in zip(data, rows)], batch_first=True),
            rtol=0, atol=0,
        )  # fmt: skip
        assert torch.equal(y, pad_sequence([y_k[r] for (_, y_k), r in zip(data, rows)],
                                           batch_first=True))  # fmt: skip
        assert step_sizes.tolist() == [len(r) for r in rows]
        assert real.sum(dim=1).tolist() == step_sizes.tolist() and not (y[~real]).any()


def _noisy_rows(n, seed, flip=0.3):
    """`_rows` with a share `flip` of the labels flipped: held-out loss rises once the
    networks learn the flips."""
    X, y = _rows(n, 0, seed)
    flipped = np.random.RandomState(seed + 100).rand(n) < flip
    return X, np.where(flipped, 1 - y, y)


def _held_out_loss(net, X, y):
    probabilities = net.predict_proba(X)
    return float(np.mean(-np.log(probabilities[np.arange(len(y)), y])))


def test_held_out_rows_stop_each_network_at_its_least_held_out_loss():
    train = [_noisy_rows(60, 0), _noisy_rows(60, 1)]
    held_out = [_noisy_rows(200, 2), _noisy_rows(200, 3)]
    schedule = {**SCHEDULE, "hidden_layer_sizes": (64, 64), "max_epochs": 200, "lr": 3e-2}
    nets = fit_task_classifiers(
        [X for X, _ in train], [y for _, y in train], 2, seeds=[0, 1], held_out=held_out,
        patience=3, **schedule,
    )  # fmt: skip
    epochs = [len(net.history) for net in nets]
    assert epochs[0] == epochs[1] < 200  # stopped together, long before the last epoch
    for net, (X, y) in zip(nets, held_out):
        valid = net.history[:, "valid_loss"]
        best = int(np.argmin(valid))
        assert best < len(valid) - 1  # the last epochs did worse: the best weights came back
        assert net.history[:, "valid_loss_best"][best]
        assert _held_out_loss(net, X, y) == pytest.approx(valid[best], rel=1e-4)
    # the training ended when neither network had improved for `patience` epochs
    last_best = max(int(np.argmin(net.history[:, "valid_loss"])) for net in nets)
    assert epochs[0] == last_best + 1 + 3


def test_held_out_stopping_reproduces_and_leaves_the_training_before_it_alone():
    train = [_noisy_rows(60, 0), _noisy_rows(60, 1)]
    held_out = [_noisy_rows(200, 2), _noisy_rows(200, 3)]
    X, y = [X for X, _ in train], [y for _, y in train]
    stopped = [
        fit_task_classifiers(X, y, 2, seeds=[0, 1], held_out=held_out, patience=2, **SCHEDULE)
        for _ in range(2)
    ]
    for a, b in zip(*stopped):
        for w_a, w_b in zip(_weights(a), _weights(b)):
            torch.testing.assert_close(w_a, w_b, rtol=0, atol=0)
    # stopped at its best epoch, a network is the one trained for just that many epochs
    net = stopped[0][0]
    best = 1 + int(np.argmin(net.history[:, "valid_loss"]))
    (plain, _) = fit_task_classifiers(X, y, 2, seeds=[0, 1], **{**SCHEDULE, "max_epochs": best})
    for w_a, w_b in zip(_weights(net), _weights(plain)):
        torch.testing.assert_close(w_a, w_b)


@pytest.mark.parametrize(
    "held_out, patience, message",
    [(1, 2, "one \\(X, y\\) per network: 2 networks, 1 held-out"),
     (2, 0, "patience must be a positive integer"),
     (2, None, "patience must be a positive integer"),
     ("empty", 2, "at least one row")],
)  # fmt: skip
def test_held_out_sets_and_patience_are_checked(held_out, patience, message):
    X, y = _two_sets()
    sets = list(zip(X, y))
    if held_out == "empty":
        sets[1] = (X[1][:0], y[1][:0])
    else:
        sets = sets[:held_out]
    with pytest.raises(ValueError, match=message):
        fit_task_classifiers(X, y, 2, seeds=[0, 1], held_out=sets, patience=patience)
