"""Faults during fit end in a clear error and leave no fitted state behind.

Divergence (NaN losses or selection probabilities), a device the machine does
not have, a KeyboardInterrupt, and a sampler fitted on a GPU loaded on a
CPU-only machine. The messages quoted here are the ones the Troubleshooting
page of the user guide lists.
"""

import os
import pickle
import threading

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback
from skorch.exceptions import DeviceWarning
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import sklearn_asss.samplers._warmup as warmup_module
from sklearn_asss import (
    ASSSSampler,
    CleanlabSampler,
    CoverageCentricSampler,
    GradientMatchingSampler,
    MarginSampler,
)
from sklearn_asss.adversarial import SelectiveAdversarialClassifier
from sklearn_asss.nn import TaskMLP, TrainingDivergedError

from _faults import InterruptAtEpoch, NaNTaskMLP

QUICK = dict(max_epochs=2, warmup_epochs=1, batch_size=128)
WARMUP_SAMPLERS = [MarginSampler, GradientMatchingSampler, CoverageCentricSampler]


@pytest.fixture(scope="module")
def table():
    """The issue's table: 2,000 rows, 3 classes."""
    return make_classification(
        n_samples=2000, n_features=8, n_informative=4, n_classes=3, random_state=0
    )


@pytest.fixture(scope="module")
def small():
    return make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )


class RecordTrainingStart(Callback):
    def __init__(self):
        self.started = False

    def on_train_begin(self, net, **kwargs):
        self.started = True


def _assert_unfitted(estimator):
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    assert [name for name in vars(estimator) if name.endswith("_")] == []


# ---------------------------------------------------------------- divergence
def test_asss_with_a_huge_task_lr_stops_with_a_clear_error(table):
    # before: the probabilities became NaN and fit never returned (_apportion looped)
    X, y = table
    sampler = ASSSSampler(task_lr=1e6, random_state=0, **QUICK)
    with pytest.raises(TrainingDivergedError, match=r"diverged in epoch \d.*task_lr"):
        sampler.fit(X, y)
    _assert_unfitted(sampler)


def test_asss_with_a_task_network_turning_nan_names_it_and_the_epoch(small):
    X, y = small
    sampler = ASSSSampler(
        task_module=lambda n_features, n_classes: NaNTaskMLP(n_features, n_classes, from_call=4),
        random_state=0, **QUICK,
    )
    match = r"SoftSelectionNet: the training diverged in epoch 2: the task network's"
    with pytest.raises(TrainingDivergedError, match=match):
        sampler.fit(X, y)
    _assert_unfitted(sampler)


@pytest.mark.parametrize("sampler_class", WARMUP_SAMPLERS)
def test_warmup_samplers_stop_when_the_warmup_diverges(small, sampler_class, monkeypatch):
    X, y = small
    fit_task_classifier = warmup_module.fit_task_classifier

    def with_nan_module(*args, **kwargs):
        return fit_task_classifier(*args, module=NaNTaskMLP, module__from_call=2, **kwargs)

    monkeypatch.setattr(warmup_module, "fit_task_classifier", with_nan_module)
    sampler = sampler_class(warmup_epochs=2, batch_size=200, random_state=0)
    with pytest.raises(TrainingDivergedError, match=r"epoch 1: the training loss.*Lower"):
        sampler.fit(X, y)
    _assert_unfitted(sampler)


def test_adversarial_classifier_stops_when_its_loss_turns_nan(small):
    X, y = small
    clf = SelectiveAdversarialClassifier(
        module=NaNTaskMLP, module__from_call=10, epsilon=0.1, n_steps=2, max_epochs=3,
        batch_size=100, random_state=0,
    )
    with pytest.raises(TrainingDivergedError, match=r"epoch \d: the training loss.*epsilon"):
        clf.fit(X.astype(np.float32), y)


# ---------------------------------------------------------------- devices
def _estimators(device, callback=None):
    return [
        ASSSSampler(device=device, callbacks=[callback] if callback else None, **QUICK),
        MarginSampler(device=device, warmup_epochs=1),
        GradientMatchingSampler(device=device, warmup_epochs=1),
        SelectiveAdversarialClassifier(device=device, max_epochs=1),
    ]


@pytest.mark.parametrize(
    "device, match",
    [
        ("nonsense", r"device='nonsense' is not a torch device; use e\.g\. 'cpu'"),
        ("cuda:64", r"device='cuda:64' is not available on this machine"),
    ],
)
def test_an_unknown_or_missing_device_is_a_value_error_before_any_work(
    small, device, match, monkeypatch
):
    X, y = small

    def no_training(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(warmup_module, "fit_task_classifier", no_training)
    started = RecordTrainingStart()
    for estimator in _estimators(device, started):
        with pytest.raises(ValueError, match=match):
            estimator.fit(X, y)
    assert not started.started
    assert not estimator.initialized_  # the adversarial classifier built no module


AVAILABLE_DEVICES = ["cpu", torch.device("cpu")] + (["cuda"] if torch.cuda.is_available() else [])


@pytest.mark.parametrize("device", AVAILABLE_DEVICES, ids=str)
def test_both_networks_train_on_the_requested_device(small, device):
    X, y = small
    sampler = ASSSSampler(device=device, random_state=0, **QUICK).fit(X, y)
    expected = torch.device(device).type
    filter_modules = [net.module_ for net in sampler.filter_nets_]  # trained stacked, as one
    for module in (sampler.net_.module_, sampler.net_.selector_, *filter_modules):
        assert {p.device.type for p in module.parameters()} == {expected}
    assert np.all(np.isfinite(sampler.score_samples(X, y)))


@pytest.mark.parametrize("device", AVAILABLE_DEVICES, ids=str)
@pytest.mark.parametrize(
    "sampler_class, short",
    [*((cls, {"warmup_epochs": 2}) for cls in WARMUP_SAMPLERS),
     (CleanlabSampler, {"max_epochs": 2})],
    ids=lambda value: getattr(value, "__name__", ""),
)  # fmt: skip
def test_the_network_samplers_select_on_the_requested_device(small, sampler_class, short, device):
    if sampler_class is CleanlabSampler:
        pytest.importorskip("cleanlab")
    X, y = small
    reference = sampler_class(**short, random_state=0).fit(X, y)
    sampler = sampler_class(**short, device=device, random_state=0).fit(X, y)
    assert np.array_equal(
        np.bincount(y[sampler.sample_indices_]), np.bincount(y[reference.sample_indices_])
    )


@pytest.mark.parametrize("device", AVAILABLE_DEVICES, ids=str)
def test_the_adversarial_classifier_trains_and_predicts_on_the_requested_device(small, device):
    X, y = small
    clf = SelectiveAdversarialClassifier(device=device, max_epochs=2, random_state=0)
    clf.fit(X.astype(np.float32), y)
    assert {p.device.type for p in clf.module_.parameters()} == {torch.device(device).type}
    assert clf.predict(X.astype(np.float32)).shape == y.shape


# ---------------------------------------------------------------- interrupts
def test_an_interrupted_asss_fit_raises_and_leaves_the_sampler_unfitted(small):
    X, y = small
    # before: skorch swallowed the interrupt and fit returned a subset from one epoch
    sampler = ASSSSampler(callbacks=[InterruptAtEpoch(2)], random_state=0, **QUICK)
    with pytest.raises(KeyboardInterrupt):
        sampler.fit(X, y)
    _assert_unfitted(sampler)


def test_an_interrupted_refit_drops_the_previous_fit(small):
    X, y = small
    sampler = ASSSSampler(random_state=0, **QUICK).fit(X, y)
    sampler.set_params(callbacks=[InterruptAtEpoch(1)])
    with pytest.raises(KeyboardInterrupt):
        sampler.fit_resample(X, y)
    _assert_unfitted(sampler)


@pytest.mark.parametrize("sampler_class", WARMUP_SAMPLERS)
def test_an_interrupted_warmup_raises_and_leaves_the_sampler_unfitted(
    small, sampler_class, monkeypatch
):
    X, y = small
    fit_task_classifier = warmup_module.fit_task_classifier

    def interrupted(*args, callbacks=None, **kwargs):
        callbacks = [*(callbacks or []), InterruptAtEpoch(2)]
        return fit_task_classifier(*args, callbacks=callbacks, **kwargs)

    monkeypatch.setattr(warmup_module, "fit_task_classifier", interrupted)
    sampler = sampler_class(warmup_epochs=3, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        sampler.fit(X, y)
    _assert_unfitted(sampler)


# ---------------------------------------------------------------- GPU to CPU
def _load_without_cuda(payload, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(DeviceWarning) as warnings:
        restored = pickle.loads(payload)
    assert any("not available" in str(warning.message) for warning in warnings)
    return restored


def test_a_sampler_pickled_with_a_cuda_net_loads_and_scores_on_the_cpu(small, monkeypatch):
    # without a GPU here: a CPU fit whose net says device="cuda", which is what skorch
    # reads when it decides where to map the networks on loading
    X, y = small
    sampler = ASSSSampler(random_state=0, **QUICK).fit(X, y)
    expected = sampler.score_samples(X, y)
    sampler.net_.device = "cuda"
    restored = _load_without_cuda(pickle.dumps(sampler), monkeypatch)
    assert torch.device(restored.net_.device).type == "cpu"
    np.testing.assert_allclose(restored.score_samples(X, y), expected, rtol=1e-6)
    for module in (restored.net_.module_, restored.net_.selector_):
        assert {p.device.type for p in module.parameters()} == {"cpu"}


def test_a_pickled_net_keeps_its_module_parameter_as_its_network(small):
    # before: skorch pickled the module parameter (the seeded network instance, which is
    # module_ itself) apart from module_: on a GPU it kept CUDA tensors and the pickle did
    # not load on a CPU-only machine; on a CPU it came back as a copy of module_
    X, y = small
    sampler = ASSSSampler(random_state=0, **QUICK).fit(X, y)
    clf = SelectiveAdversarialClassifier(module=TaskMLP(6, 3), max_epochs=1, random_state=0)
    clf.fit(X.astype(np.float32), y)
    restored_sampler, restored_clf = pickle.loads(pickle.dumps((sampler, clf)))
    for net in (restored_sampler.net_, *restored_sampler.filter_nets_, restored_clf):
        assert net.module is net.module_


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_sampler_fitted_on_a_gpu_scores_on_a_cpu_only_machine(small, monkeypatch):
    X, y = small
    sampler = ASSSSampler(device="cuda", random_state=0, **QUICK).fit(X, y)
    expected = sampler.score_samples(X, y)
    restored = _load_without_cuda(pickle.dumps(sampler), monkeypatch)
    for module in (restored.net_.module_, restored.net_.selector_):
        assert {p.device.type for p in module.parameters()} == {"cpu"}
    np.testing.assert_allclose(restored.score_samples(X, y), expected, atol=1e-5)
    np.testing.assert_array_equal(restored.sample_indices_, sampler.sample_indices_)


# ---------------------------------------------------------------- the work beside the game
def _child_processes():
    """This process's children (Linux; elsewhere none are made beside the game)."""
    tasks = "/proc/self/task"
    if not os.path.isdir(tasks):
        return set()
    return {
        pid for task in os.listdir(tasks)
        for pid in open(os.path.join(tasks, task, "children")).read().split()
    }  # fmt: skip


@pytest.fixture
def nothing_left_beside():
    """Asserts that a test leaves no thread nor worker process of the work beside the game."""
    children = _child_processes()
    yield
    assert not any(thread.name == "sklearn-asss-beside" for thread in threading.enumerate())
    assert _child_processes() <= children


def test_an_interrupted_game_stops_the_work_beside_it(
    small, two_threads, large_game, nothing_left_beside
):
    X, y = small
    sampler = ASSSSampler(callbacks=[InterruptAtEpoch(2)], random_state=0, **QUICK)
    with pytest.raises(KeyboardInterrupt):
        sampler.fit(X, y)
    _assert_unfitted(sampler)
    assert torch.get_num_threads() == 2


def test_a_diverging_game_raises_while_the_filter_trains_beside_it(
    small, two_threads, large_game, nothing_left_beside
):
    X, y = small
    sampler = ASSSSampler(task_lr=1e12, random_state=0, **QUICK)
    with pytest.raises(TrainingDivergedError):
        sampler.fit(X, y)
    _assert_unfitted(sampler)
    assert torch.get_num_threads() == 2


def test_a_failure_beside_the_game_reaches_the_caller(
    small, two_threads, large_game, monkeypatch, nothing_left_beside
):
    X, y = small

    def diverged(*args, **kwargs):
        raise TrainingDivergedError("the training of task network(s) [1] diverged")

    monkeypatch.setattr(ASSSSampler, "_fit_plain_nets", diverged)
    sampler = ASSSSampler(random_state=0, **QUICK)
    with pytest.raises(TrainingDivergedError, match=r"network\(s\) \[1\]"):
        sampler.fit(X, y)
    _assert_unfitted(sampler)
    assert torch.get_num_threads() == 2


# ------------------------------------------------------- early stopping is no interrupt
def _held_out_stopping(patience, X, y):
    from skorch.callbacks import EarlyStopping
    from skorch.dataset import Dataset
    from skorch.helper import predefined_split

    held_out = Dataset(X[:100], y[:100])
    return dict(
        train_split=predefined_split(held_out),
        callbacks=[EarlyStopping(patience=patience, threshold=0.0, load_best=True)],
    )


def _noisy_overfit_rows():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 4)).astype(np.float32)
    y = ((X[:, 0] > 0) ^ (rng.rand(300) < 0.3)).astype(np.int64)  # 30% flipped labels
    return X, y


def test_early_stopping_ends_a_task_classifier_quietly_at_its_best_epoch():
    # skorch's EarlyStopping stops by a KeyboardInterrupt: not one to re-raise
    from sklearn_asss.nn import fit_task_classifier

    X, y = _noisy_overfit_rows()
    net = fit_task_classifier(
        X[100:], y[100:], 2, seed=0, max_epochs=300, lr=3e-2, batch_size=32,
        hidden_layer_sizes=(64, 64), **_held_out_stopping(3, X, y),
    )  # fmt: skip
    valid = net.history[:, "valid_loss"]
    assert len(valid) < 300 and not net.interrupted_
    assert len(valid) == int(np.argmin(valid)) + 1 + 3


def test_an_interrupt_beside_early_stopping_still_raises():
    from sklearn_asss.nn import fit_task_classifier

    X, y = _noisy_overfit_rows()
    stopping = _held_out_stopping(50, X, y)
    stopping["callbacks"].append(InterruptAtEpoch(3))
    with pytest.raises(KeyboardInterrupt, match="interrupted in epoch 3"):
        fit_task_classifier(X[100:], y[100:], 2, seed=0, max_epochs=10, **stopping)
