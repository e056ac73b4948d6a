"""Training the task network on plain (unweighted) data, through skorch.

Used wherever the package needs "a 3-layer MLP trained on these rows": the
warm-up models of the margin and gradient-matching samplers and the models
the benchmark trains on each subset.
"""

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.dataset import ValidSplit

from ._guards import FiniteTrainingCheck, RaiseOnInterruptMixin
from ._modules import TaskMLP
from ._utils import BatchIterator, FastOptimizerMixin, PickleModuleWithNetMixin, seeded_torch


class TaskClassifier(
    RaiseOnInterruptMixin, PickleModuleWithNetMixin, FastOptimizerMixin, NeuralNetClassifier
):
    """skorch's ``NeuralNetClassifier`` that fails loudly.

    A NaN or infinite training loss raises
    :class:`~sklearn_asss.nn.TrainingDivergedError`, and a KeyboardInterrupt
    is raised again instead of ending ``fit`` quietly, so that no sampler
    scores rows with a diverged or half-trained network.
    """

    def get_default_callbacks(self):
        return [*super().get_default_callbacks(), ("finite_check", FiniteTrainingCheck())]


def make_task_classifier(
    n_features,
    n_classes,
    *,
    hidden_layer_sizes=(128, 64),
    max_epochs=20,
    batch_size=256,
    lr=1e-3,
    device="cpu",
    seed=0,
    verbose=0,
    **kwargs,
):
    """A :class:`TaskClassifier` (skorch ``NeuralNetClassifier``) of a :class:`TaskMLP`, Adam.

    It trains on all rows it is given (no internal validation split),
    batches with :class:`BatchIterator` and shuffles with a ``torch.Generator``
    seeded by `seed`. Extra keyword arguments go to ``NeuralNetClassifier``.
    """
    defaults = dict(
        module=TaskMLP,
        module__n_features=n_features,
        module__n_classes=n_classes,
        module__hidden_layer_sizes=tuple(hidden_layer_sizes),
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=lr,
        max_epochs=max_epochs,
        batch_size=batch_size,
        iterator_train=BatchIterator,
        iterator_valid=BatchIterator,
        iterator_train__shuffle=True,
        iterator_train__generator=torch.Generator().manual_seed(seed),
        train_split=None,
        device=device,
        verbose=verbose,
        classes=np.arange(n_classes),
    )
    if isinstance(kwargs.get("module"), torch.nn.Module):  # an instance is used as it is
        defaults = {k: v for k, v in defaults.items() if not k.startswith("module__")}
    defaults.update(kwargs)
    return TaskClassifier(**defaults)


def fit_task_classifier(X, y_encoded, n_classes, *, seed=0, **kwargs):
    """Build :func:`make_task_classifier` and fit it on float32 `X`, int64 `y`.

    The module's initial weights come from `seed` as well, without touching
    torch's global random state.
    """
    net = make_task_classifier(X.shape[1], n_classes, seed=seed, **kwargs)
    with seeded_torch(seed):
        net.fit(np.asarray(X, dtype=np.float32), np.asarray(y_encoded, dtype=np.int64))
    return net


__all__ = ["make_task_classifier", "fit_task_classifier", "ValidSplit"]
