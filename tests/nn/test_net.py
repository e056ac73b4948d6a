"""SoftSelectionNet and TaskClassifier: the budget term, divergence, interrupts, devices."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from sklearn.datasets import make_classification

from sklearn_asss.nn import (
    SelectorMLP,
    SoftSelectionNet,
    TaskMLP,
    TrainingDivergedError,
    make_task_classifier,
)
from sklearn_asss.nn._utils import _fastest_update, _steps_fused

from _faults import InterruptAtEpoch, NaNTaskMLP

N_FEATURES, N_CLASSES = 6, 3


@pytest.fixture(scope="module")
def table():
    X, y = make_classification(
        n_samples=400, n_features=N_FEATURES, n_informative=4, n_classes=N_CLASSES,
        random_state=0,
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)


class NaNSelectorMLP(SelectorMLP):
    """A SelectorMLP whose outputs turn NaN from the `from_call`-th forward pass on."""

    def __init__(self, n_inputs, hidden_layer_sizes=(8,), initial_probability=0.5, from_call=1):
        super().__init__(n_inputs, hidden_layer_sizes, initial_probability)
        self.from_call = from_call
        self.calls = 0

    def forward(self, inputs):
        self.calls += 1
        out = super().forward(inputs)
        return out * float("nan") if self.calls >= self.from_call else out


def _net(**params):
    defaults = dict(
        module=TaskMLP,
        module__n_features=N_FEATURES,
        module__n_classes=N_CLASSES,
        module__hidden_layer_sizes=(16,),
        selector=SelectorMLP,
        selector__n_inputs=N_FEATURES + N_CLASSES + 1,
        selector__hidden_layer_sizes=(16, 8),
        keep_ratio=0.3,
        n_classes=N_CLASSES,
        warmup_epochs=0,
        max_epochs=5,
        batch_size=50,
        selector_lr=1e-2,
        verbose=0,
        iterator_train__shuffle=True,
        iterator_train__generator=torch.Generator().manual_seed(0),
    )
    if isinstance(params.get("module"), torch.nn.Module):  # an instance takes no arguments
        defaults = {k: v for k, v in defaults.items() if not k.startswith("module__")}
    defaults.update(params)
    return SoftSelectionNet(**defaults)


def test_budget_penalty_pulls_a_selector_started_far_below_the_budget_back(table):
    # the selector's output bias starts at p = 0.05, far from keep_ratio = 0.3; without
    # the budget term mean(p) stays near 0.04 (measured), with it it climbs to the budget
    X, y = table
    torch.manual_seed(0)
    net = _net(selector__initial_probability=0.05).fit(X, y)
    mean_p = net.history[:, "mean_p"]
    assert mean_p[0] < 0.1
    assert abs(mean_p[-1] - 0.3) < 0.1


def test_a_selector_returning_nan_stops_with_a_clear_error(table):
    X, y = table
    # 8 batches an epoch, two selector passes a batch in the game: NaN from epoch 3 on
    net = _net(selector=NaNSelectorMLP, selector__from_call=2 * 8 * 2 + 1)
    with pytest.raises(TrainingDivergedError, match=r"epoch 3.*selector's mean selection.*nan"):
        net.fit(X, y)


def test_a_task_network_returning_nan_stops_with_a_clear_error(table):
    X, y = table
    net = _net(module=NaNTaskMLP, module__from_call=3, warmup_epochs=1)
    with pytest.raises(TrainingDivergedError, match=r"epoch 1: the task network's.*task_lr"):
        net.fit(X, y)


def test_task_classifier_stops_on_a_nan_loss(table):
    X, y = table
    net = make_task_classifier(
        N_FEATURES, N_CLASSES, max_epochs=3, module=NaNTaskMLP, module__from_call=3,
    )
    match = r"epoch 2: the training loss.*Lower the learning rate"
    with pytest.raises(TrainingDivergedError, match=match):
        net.fit(X.numpy(), y.numpy())


@pytest.mark.parametrize("build", ["soft_selection_net", "task_classifier"])
def test_keyboard_interrupt_is_raised_again_after_on_train_end(table, build):
    X, y = table
    ended = []

    class RecordEnd(Callback):
        def on_train_end(self, net, **kwargs):
            ended.append(len(net.history))

    callbacks = [InterruptAtEpoch(2), RecordEnd()]
    if build == "soft_selection_net":
        net = _net(callbacks=callbacks)
    else:
        net = make_task_classifier(N_FEATURES, N_CLASSES, max_epochs=5, callbacks=callbacks)
    with pytest.raises(KeyboardInterrupt, match="interrupted in epoch 2"):
        net.fit(X.numpy(), y.numpy())
    assert ended == [2]  # skorch's on_train_end ran, after one finished epoch


def test_a_selector_instance_is_accepted(table):
    X, y = table
    selector = SelectorMLP(N_FEATURES + N_CLASSES + 1, (8,), initial_probability=0.3)
    net = SoftSelectionNet(
        module=TaskMLP(N_FEATURES, N_CLASSES, (8,)), selector=selector, n_classes=N_CLASSES,
        max_epochs=1, warmup_epochs=0, verbose=0,
    ).fit(X, y)
    assert net.selector_ is selector


def test_both_networks_and_optimizers_follow_the_device_and_the_pickle(table):
    # skorch moves to ``device``, and maps to the CPU when unpickled without CUDA, exactly
    # the attributes it lists here
    X, y = table
    net = _net(max_epochs=1).fit(X, y)
    assert {"module_", "selector_", "optimizer_", "selector_optimizer_"} <= set(
        net.cuda_dependent_attributes_
    )
    assert {"module", "selector"} <= set(net._modules)


def test_selection_probabilities_are_finite_and_in_the_unit_interval(table):
    X, y = table
    p = _net(max_epochs=1).fit(X, y).selection_probabilities(X, y)
    assert np.all(np.isfinite(p)) and np.all((p > 0) & (p < 1))


class ScaledOutput(torch.nn.Module):
    """A task network whose output is not its last linear layer's output."""

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(N_FEATURES, N_CLASSES)

    def forward(self, X):
        return 2.0 * self.linear(X)


class NoLinear(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(N_CLASSES))

    def forward(self, X):
        return X[:, :N_CLASSES] * self.scale


@pytest.mark.parametrize(
    "module, match",
    [(ScaledOutput(), "output of its last torch.nn.Linear"), (NoLinear(), "has none")],
)
def test_output_layer_lookahead_refuses_a_network_it_cannot_split(table, module, match):
    X, y = table
    net = _net(module=module, lookahead="output_layer", max_epochs=1)
    with pytest.raises(ValueError, match=match):
        net.fit(X, y)


@pytest.mark.parametrize("interval", [0, 1.5, "2"])
def test_a_selector_interval_that_is_not_a_positive_integer_is_a_value_error(table, interval):
    X, y = table
    with pytest.raises(ValueError, match="selector_interval must be an integer >= 1"):
        _net(selector_interval=interval).fit(X, y)


def test_unknown_lookahead_is_a_value_error(table):
    X, y = table
    with pytest.raises(ValueError, match="lookahead must be one of"):
        _net(lookahead="half").fit(X, y)


def test_output_layer_lookahead_needs_no_second_pass_through_the_task_network(table):
    """Per game step: one pass on the batch for both networks and one on the judging batch.

    With the full look-ahead the task network steps first; the selector step then passes
    the batch through the stepped network, and the look-ahead passes through it twice more.
    """
    X, y = table
    calls = {"n": 0}

    class Counting(TaskMLP):
        def forward(self, X):
            calls["n"] += 1
            return super().forward(X)

    params = dict(module=Counting, warmup_epochs=0, max_epochs=2, batch_size=50)
    for lookahead, passes in [("output_layer", 2), ("full", 4)]:
        calls["n"] = 0
        _net(lookahead=lookahead, **params).fit(X, y)
        assert calls["n"] == passes * 2 * len(X) // 50


@pytest.mark.parametrize("lookahead", ["output_layer", "full"])
def test_the_selector_steps_on_every_selector_interval_th_game_step(table, lookahead):
    """The task network steps on every batch, the selector on every third, from the first."""
    X, y = table
    game = _net(lookahead=lookahead, selector_interval=3, max_epochs=2, batch_size=50)
    selector_before = [p.detach().clone() for p in game.initialize().selector_.parameters()]
    game.partial_fit(X, y)
    batches = [batch for epoch in game.history for batch in epoch["batches"]]
    judged = ["selector_loss" in batch for batch in batches]
    assert len(batches) == 2 * len(X) // 50
    assert judged == [step % 3 == 0 for step in range(len(batches))]
    assert game.selector_optimizer_.state_dict()["state"][0]["step"] == sum(judged)
    assert game.optimizer_.state_dict()["state"][0]["step"] == len(batches)
    moved = [not torch.equal(a, b) for a, b in zip(selector_before, game.selector_.parameters())]
    assert all(moved)


def test_only_the_selector_s_steps_get_a_judging_batch_and_skipping_it_changes_no_draw(
    table, monkeypatch
):
    X, y = table
    seen = []
    train_step = SoftSelectionNet.train_step

    def spy(self, batch, **fit_params):
        seen.append("meta_X" in batch[0])
        return train_step(self, batch, **fit_params)

    def fitted(**params):
        torch.manual_seed(0)
        game = _net(selector_interval=3, warmup_epochs=1, max_epochs=1, batch_size=50, **params)
        return game.fit(X, y)

    with monkeypatch.context() as patch:
        patch.setattr(SoftSelectionNet, "train_step", spy)
        game = fitted()
    steps = len(X) // 50
    assert seen == [False] * steps + [step % 3 == 0 for step in range(steps)]
    # with every batch given its judging batch, the same rows are drawn and judged
    always = fitted(iterator_train__needs_meta=lambda: True)
    for a, b in zip(game.selector_.parameters(), always.selector_.parameters()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_the_warm_up_records_mean_p_once_an_epoch(table):
    X, y = table
    game = _net(warmup_epochs=2, max_epochs=1, batch_size=50).fit(X, y)
    for epoch in game.history[:2]:
        assert ["mean_p" in batch for batch in epoch["batches"]] == [True] + [False] * 7
        assert epoch["mean_p"] == epoch["batches"][0]["mean_p"]
    assert all("mean_p" in batch for batch in game.history[-1, "batches"])


def test_both_nets_update_all_tensors_at_once_unless_told_otherwise(table):
    X, y = table
    game = _net(max_epochs=1).fit(X, y)
    # a fused kernel on a CPU where this torch has one (2.4 and later), else foreach
    fastest = "fused" if _steps_fused(torch.optim.Adam, "cpu") else "foreach"
    assert game.optimizer_.defaults[fastest] is True
    assert game.selector_optimizer_.defaults[fastest] is True
    told = _net(max_epochs=1, optimizer__foreach=False, selector_optimizer__fused=False)
    told.fit(X, y)
    assert told.optimizer_.defaults["foreach"] is False
    assert not told.optimizer_.defaults["fused"]
    assert told.selector_optimizer_.defaults["fused"] is False
    # an optimizer without a ``fused`` or ``foreach`` parameter is built as it is
    plain = make_task_classifier(N_FEATURES, N_CLASSES, max_epochs=1, optimizer=torch.optim.LBFGS)
    plain.fit(X.numpy(), y.numpy())
    assert "foreach" not in plain.optimizer_.defaults
    assert "fused" not in plain.optimizer_.defaults


def test_an_optimizer_without_a_fused_kernel_falls_back_to_foreach():
    assert _fastest_update(torch.optim.RMSprop, "cpu") == {"foreach": True}  # no fused
    assert _fastest_update(torch.optim.LBFGS, "cpu") == {}  # neither
    assert not _steps_fused(torch.optim.Adam, "meta")  # a device with no fused kernel


@pytest.mark.parametrize("kind", ["fused", "foreach"])
def test_fast_updates_train_the_same_network_as_the_loop(table, kind):
    if kind == "fused" and not _steps_fused(torch.optim.Adam, "cpu"):
        pytest.skip(f"torch {torch.__version__} has no fused Adam on a CPU")
    X, y = table
    nets = [
        make_task_classifier(N_FEATURES, N_CLASSES, max_epochs=2, **{f"optimizer__{kind}": fast})
        for fast in (True, False)
    ]
    for net in nets:
        torch.manual_seed(0)
        net.fit(X.numpy(), y.numpy())
    assert nets[0].optimizer_.defaults[kind] is True
    np.testing.assert_allclose(
        nets[0].predict_proba(X.numpy()), nets[1].predict_proba(X.numpy()), atol=1e-5
    )
