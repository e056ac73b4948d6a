"""Several task networks trained at once, as one stacked network.

On a CPU the package's small networks spend about half of each training step
in the cost of launching an operation rather than in arithmetic (a step of
the default :class:`~sklearn_asss.nn.TaskMLP` takes 0.36 ms on 64 rows and
0.68 ms on 512). Networks of the same shape that train on different rows
can share their launches: their weights are stacked along a first axis and
every layer runs as one batched matrix product for all of them.
"""

import math
import numbers

import numpy as np
import torch

from ._guards import TrainingDivergedError
from ._modules import TaskMLP
from ._train import make_task_classifier
from ._utils import INFERENCE_BATCH_SIZE, WorkStopped, _fastest_update, seeded_torch


def task_modules(n_features, n_classes, seeds, hidden_layer_sizes=(128, 64)):
    """The :class:`TaskMLP` that each of `seeds` builds, as :func:`fit_task_classifier` does."""
    modules = []
    for seed in seeds:
        with seeded_torch(seed):
            modules.append(TaskMLP(n_features, n_classes, tuple(hidden_layer_sizes)))
    return modules


def fit_task_classifiers(
    X_sets, y_sets, n_classes, *, seeds, hidden_layer_sizes=(128, 64), max_epochs=20,
    batch_size=256, lr=1e-3, device="cpu", modules=None, stop=None, held_out=None,
    patience=None, **kwargs,
):  # fmt: skip
    """One fitted :class:`TaskClassifier` per row set, trained together.

    Network ``k`` starts from ``modules[k]``, by default the :class:`TaskMLP`
    that ``seeds[k]`` builds (:func:`task_modules`), and learns from ``X_sets[k]``,
    ``y_sets[k]`` alone by Adam on its own mean cross-entropy. Each epoch
    splits every network's rows, shuffled by a generator seeded by its seed,
    into the same number of steps, as even as can be (at most `batch_size`
    rows each), so that the networks step together.

    With `held_out`, ``[(X, y), ...]``, one set of rows per network that it
    does not learn from, each network's mean cross-entropy on its own set is
    measured after every epoch (``valid_loss`` in its history), the network
    keeps its weights of the epoch where that loss was least, and the
    training ends once no network has lowered it for `patience` epochs
    (`max_epochs` at most), as skorch's ``EarlyStopping`` with
    ``load_best=True`` would end each network's.

    Built before, the modules let the training run where torch's global
    random generator is in use (:func:`run_beside`); it draws nothing from it.
    `stop` (a :class:`threading.Event`), when set, ends the training at the
    next epoch with :class:`WorkStopped`.

    Returns
    -------
    nets : list of TaskClassifier
        skorch nets holding the trained modules, with one ``train_loss`` per
        epoch in their ``history`` (and ``valid_loss``, ``valid_loss_best``
        with `held_out`); extra keyword arguments go to
        :func:`make_task_classifier`.

    Raises
    ------
    TrainingDivergedError
        When a network's loss becomes NaN or infinite.
    """
    if modules is None:
        modules = task_modules(X_sets[0].shape[1], n_classes, seeds, hidden_layer_sizes)
    stacked = _StackedLayers(modules, device)
    data = _as_tensors(zip(X_sets, y_sets))
    held_out_loss = None
    if held_out is not None:
        _check_held_out(held_out, len(data), patience)
        held_out_loss = _HeldOutLoss(stacked, held_out, patience)
    epoch_losses = stacked.fit(
        data, seeds, max_epochs=max_epochs, batch_size=batch_size, lr=lr, stop=stop,
        held_out_loss=held_out_loss,
    )  # fmt: skip
    stacked.copy_to(modules)
    schedule = dict(max_epochs=max_epochs, batch_size=batch_size, lr=lr, device=device, **kwargs)
    valid_losses = [None] * len(modules) if held_out is None else held_out_loss.losses.T
    return [
        _fitted_classifier(module, losses, n_classes, seed, valid, **schedule)
        for module, losses, valid, seed in zip(modules, epoch_losses.T, valid_losses, seeds)
    ]


class _StackedLayers:
    """The linear layers of several MLPs, stacked: weights ``(networks, in, out)``."""

    def __init__(self, modules, device):
        layers = list(zip(*(_linear_layers(module) for module in modules)))
        self.weights = [_stacked([layer.weight.T for layer in same], device) for same in layers]
        self.biases = [_stacked([layer.bias[None] for layer in same], device) for same in layers]
        self.device = device

    def fit(self, data, seeds, *, max_epochs, batch_size, lr, stop=None, held_out_loss=None):
        """Train on ``data[k] = (X, y)`` for network k; the mean losses, (epochs, networks).

        `held_out_loss` (a :class:`_HeldOutLoss`), when given, is told of every
        epoch's end: it may end the training, and it leaves each network at its best weights.
        """
        optimizer = torch.optim.Adam(
            self.parameters(), lr=lr,
            **_fastest_update(torch.optim.Adam, str(self.device)),
        )  # fmt: skip
        generators = [torch.Generator().manual_seed(int(seed)) for seed in seeds]
        n_steps = math.ceil(max(len(y) for _, y in data) / batch_size)
        rows = _PaddedRows(data, self.device)
        epoch_losses = []
        for epoch in range(max_epochs):
            if stop is not None and stop.is_set():
                raise WorkStopped(f"the training was stopped before epoch {epoch + 1}.")
            orders = [torch.randperm(len(y), generator=generator) for (_, y), generator in
                      zip(data, generators)]  # fmt: skip
            losses = sum(self.train_step(*step, optimizer) for step in rows.steps(orders, n_steps))
            epoch_losses.append(losses / n_steps)
            _check_finite(epoch_losses[-1], epoch)
            if held_out_loss is not None and held_out_loss.stops_after_epoch():
                break
        if held_out_loss is not None:
            held_out_loss.load_best()
        return torch.stack(epoch_losses)

    def parameters(self):
        return [*self.weights, *self.biases]

    def forward(self, X):
        hidden = X
        for i, (weight, bias) in enumerate(zip(self.weights, self.biases)):
            hidden = torch.baddbmm(bias, hidden, weight)
            if i < len(self.weights) - 1:
                hidden = torch.relu(hidden)
        return hidden

    def summed_losses(self, X, y, real):
        """Each network's cross-entropy summed over its `real` rows of the padded `X`, `y`."""
        per_row = torch.nn.functional.cross_entropy(
            self.forward(X).flatten(0, 1), y.flatten(), reduction="none"
        ).view(y.shape)
        # padding rows (past a network's own rows) count for nothing
        return (per_row * real).sum(dim=1)

    def train_step(self, X, y, real, sizes, optimizer):
        """One Adam step of every network on its padded rows; their mean losses.

        `X` (networks, rows, features) and `y` hold each network's rows of the
        step, `real` (networks, rows) marks them among the padding, `sizes`
        counts them.
        """
        losses = self.summed_losses(X, y, real) / sizes
        optimizer.zero_grad()
        losses.sum().backward()
        optimizer.step()
        return losses.detach()

    @torch.no_grad()
    def copy_to(self, modules):
        for k, module in enumerate(modules):
            for layer, weight, bias in zip(_linear_layers(module), self.weights, self.biases):
                layer.weight.copy_(weight[k].T)
                layer.bias.copy_(bias[k, 0])


class _HeldOutLoss:
    """Each stacked network's mean cross-entropy on its own held-out rows, epoch by epoch, and
    its weights of the epoch where that loss was least."""

    def __init__(self, stacked, held_out, patience):
        self.stacked, self.patience = stacked, patience
        data = _as_tensors(held_out)
        sizes = [len(y) for _, y in data]
        # every network's rows in order, padded as a training step's are, in chunks of at most
        # INFERENCE_BATCH_SIZE rows: one batched pass for all the networks per chunk
        orders = [torch.arange(size) for size in sizes]
        n_chunks = math.ceil(max(sizes) / INFERENCE_BATCH_SIZE)
        self.chunks = list(_PaddedRows(data, stacked.device).steps(orders, n_chunks))
        self.sizes = torch.tensor(sizes, device=stacked.device)
        self.best = torch.full((len(held_out),), math.inf, device=stacked.device)
        self.epochs_since_best = torch.zeros(len(held_out), dtype=torch.long)
        self.best_parameters = [p.detach().clone() for p in stacked.parameters()]
        self.epoch_losses = []

    @property
    def losses(self):
        """The held-out losses so far, (epochs, networks)."""
        return torch.stack(self.epoch_losses).cpu()

    def stops_after_epoch(self):
        """Measure the epoch just ended, keep the networks it improved; whether to stop."""
        losses = self._mean_losses()
        self.epoch_losses.append(losses)
        improved = losses < self.best
        self.best = torch.where(improved, losses, self.best)
        with torch.no_grad():
            for best, parameter in zip(self.best_parameters, self.stacked.parameters()):
                best[improved] = parameter[improved]
        self.epochs_since_best = torch.where(improved.cpu(), 0, self.epochs_since_best + 1)
        return bool((self.epochs_since_best >= self.patience).all())

    @torch.no_grad()
    def load_best(self):
        for best, parameter in zip(self.best_parameters, self.stacked.parameters()):
            parameter.copy_(best)

    @torch.no_grad()
    def _mean_losses(self):
        summed = sum(self.stacked.summed_losses(X, y, real) for X, y, real, _ in self.chunks)
        return summed / self.sizes


class _PaddedRows:
    """The networks' rows in one table, then a row of zeros, so that a step's batch of every
    network's rows, each padded with zeros to the longest (as ``pad_sequence`` pads), is one
    gather: fewer, larger operations than a gather and a padding per network and step."""

    def __init__(self, data, device):
        sizes = [len(y) for _, y in data]
        self.offsets = np.cumsum([0, *sizes[:-1]]).tolist()
        X_first = data[0][0]
        self.X = torch.cat([X for X, _ in data] + [X_first.new_zeros((1, X_first.shape[1]))])
        self.y = torch.cat([y for _, y in data] + [data[0][1].new_zeros(1)])
        self.X, self.y = self.X.to(device), self.y.to(device)
        self.zero_row, self.device = len(self.y) - 1, device

    def steps(self, orders, n_steps):
        """``(X, y, real, sizes)`` of each step: network k's rows of step s are those of
        ``orders[k].tensor_split(n_steps)[s]``."""
        chunks = [self._chunks(order, offset, n_steps) for order, offset in
                  zip(orders, self.offsets)]  # fmt: skip
        width = max(rows.shape[1] for rows, _ in chunks)
        rows = torch.stack([_padded(r, width, self.zero_row) for r, _ in chunks], dim=1)
        sizes = torch.stack([size for _, size in chunks], dim=1)
        real = torch.arange(width)[None, None] < sizes[:, :, None]
        rows, sizes, real = rows.to(self.device), sizes.to(self.device), real.to(self.device)
        for step, step_width in enumerate(sizes.max(dim=1).values.tolist()):
            step_rows = rows[step, :, :step_width]
            yield (self.X[step_rows], self.y[step_rows], real[step, :, :step_width], sizes[step])

    def _chunks(self, order, offset, n_steps):
        """The table's rows of each of `order`'s ``tensor_split(n_steps)`` chunks, one chunk a
        row padded with the zero row, and each chunk's size."""
        n = len(order)
        quotient, remainder = divmod(n, n_steps)
        sizes = torch.full((n_steps,), quotient, dtype=torch.long)
        sizes[:remainder] += 1
        starts = torch.cumsum(sizes, 0) - sizes
        positions = starts[:, None] + torch.arange(quotient + 1)[None]
        inside = torch.arange(quotient + 1)[None] < sizes[:, None]
        picked = order[positions.clamp(max=n - 1)] + offset
        return torch.where(inside, picked, self.zero_row), sizes


def _as_tensors(sets):
    """``(X, y)`` pairs as float32 rows and int64 labels."""
    return [
        (torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long))
        for X, y in sets
    ]


def _padded(rows, width, pad):
    """`rows` (chunks, columns) widened to `width` columns of `pad`."""
    return torch.nn.functional.pad(rows, (0, width - rows.shape[1]), value=pad)


def _stacked(tensors, device):
    return torch.stack([tensor.detach() for tensor in tensors]).to(device).requires_grad_()


def _linear_layers(module):
    return [layer for layer in module.modules() if isinstance(layer, torch.nn.Linear)]


def _check_finite(epoch_losses, epoch):
    diverged = np.flatnonzero(~torch.isfinite(epoch_losses).cpu().numpy())
    if len(diverged):
        raise TrainingDivergedError(
            f"the training of task network(s) {diverged.tolist()} of "
            f"{len(epoch_losses)} diverged in epoch {epoch + 1}: the training loss is "
            f"{epoch_losses[diverged[0]].item()}. Lower the learning rate or scale the "
            "features (e.g. StandardScaler)."
        )


def _check_held_out(held_out, n_networks, patience):
    if len(held_out) != n_networks:
        raise ValueError(
            f"held_out must hold one (X, y) per network: {n_networks} networks, "
            f"{len(held_out)} held-out sets."
        )
    if any(len(y) == 0 for _, y in held_out):
        raise ValueError("every network's held-out set needs at least one row.")
    if not isinstance(patience, numbers.Integral) or patience < 1:
        raise ValueError(f"patience must be a positive integer with held_out; got {patience!r}.")


def _fitted_classifier(module, epoch_losses, n_classes, seed, valid_losses=None, **kwargs):
    """A :class:`TaskClassifier` of the trained `module`, its history the epochs' losses
    (and, given `valid_losses`, their held-out losses, the best marked as skorch marks it)."""
    n_features = _linear_layers(module)[0].in_features
    net = make_task_classifier(n_features, n_classes, seed=seed, module=module, **kwargs)
    net.initialize()
    best = math.inf
    for epoch, loss in enumerate(epoch_losses.tolist()):
        net.history.new_epoch()
        net.history.record("epoch", len(net.history))
        net.history.record("train_loss", loss)
        if valid_losses is not None:
            valid = valid_losses[epoch].item()
            net.history.record("valid_loss", valid)
            net.history.record("valid_loss_best", valid < best)
            best = min(best, valid)
    return net
