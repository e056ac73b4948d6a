"""Randomness and data plumbing shared by every torch-based estimator."""

import contextlib
import functools
import inspect
import threading
import time

import numpy as np
import torch
from threadpoolctl import threadpool_limits

# rows per forward pass of batched inference (bounds the memory of the activations)
INFERENCE_BATCH_SIZE = 8192


class FastOptimizerMixin:
    """A skorch net whose optimizers update all their tensors in one call per operation.

    On a CPU, torch's optimizers default to updating one parameter tensor at
    a time, a Python loop over the tensors. Where the optimizer has a fused
    kernel for the net's device (Adam, AdamW and SGD on a CPU from torch 2.4,
    on a GPU), it runs that (``fused=True``): one call per step, which on the
    small networks of this package costs less than half of the loop's time
    per Adam step; otherwise ``foreach=True`` does the same arithmetic in one
    call per operation (torch's default on a GPU). The networks learn the
    same weights to float rounding. An optimizer with neither parameter, or a
    ``<optimizer>__fused`` or ``<optimizer>__foreach`` set by the user, is
    left as given.
    """

    def get_params_for_optimizer(self, prefix, named_parameters):
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if "fused" not in kwargs and "foreach" not in kwargs:
            kwargs.update(_fastest_update(getattr(self, prefix), str(self.device)))
        return args, kwargs


class PickleModuleWithNetMixin:
    """A skorch net that pickles its ``module`` parameter together with ``module_``.

    When a net pickled on a GPU is loaded where CUDA is missing, skorch maps
    ``module_`` and the other networks it registers to the CPU, but pickles
    the ``module`` parameter on its own. Given as an instance (as this package
    passes its seeded networks), that parameter is ``module_`` itself: pickled
    on its own it keeps the GPU's tensors, so the pickle does not load on a
    CPU-only machine, and where it loads it comes back as a copy of
    ``module_`` rather than the same network. The prefix ``module`` makes
    skorch pickle both in one piece.
    """

    def initialize(self):
        super().initialize()
        if "module" not in self.cuda_dependent_attributes_:
            self.cuda_dependent_attributes_ = [*self.cuda_dependent_attributes_, "module"]
        return self


@functools.lru_cache(maxsize=None)
def _fastest_update(optimizer, device):
    """``{"fused": True}`` where `optimizer` runs fused on `device`, else ``foreach``, else {}."""
    try:
        accepted = inspect.signature(optimizer).parameters
    except (TypeError, ValueError):  # not introspectable: build it as given
        return {}
    if "fused" in accepted and _steps_fused(optimizer, device):
        return {"fused": True}
    return {"foreach": True} if "foreach" in accepted else {}


def _steps_fused(optimizer, device):
    """Whether `optimizer` builds and steps with ``fused=True`` on `device` (torch >= 2.4 on
    a CPU; a device without a fused kernel is refused, in ``__init__`` or ``step``)."""
    parameter = torch.zeros(1, device=device, requires_grad=True)
    parameter.grad = torch.zeros_like(parameter)
    try:
        optimizer([parameter], fused=True).step()
    except (RuntimeError, TypeError, ValueError):
        return False
    return True


# the parameter constraint of every estimator's ``device``: a name or a torch.device
DEVICE_CONSTRAINT = [str, torch.device]


def check_device(device):
    """Return `device` as a ``torch.device`` after checking that this machine has it.

    Parameters
    ----------
    device : str, torch.device or None
        A torch device such as ``"cpu"``, ``"cuda"`` or ``"cuda:1"``. None
        (skorch's "leave the module where it is") is returned unchanged.

    Raises
    ------
    ValueError
        When `device` is not a torch device name, or names a device this
        machine does not have (no CUDA, or fewer GPUs than its index).
    """
    if device is None:
        return None
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as error:
        raise ValueError(
            f"device={device!r} is not a torch device; use e.g. 'cpu', 'cuda' or "
            f"'cuda:0' ({error})"
        ) from None
    if parsed.type == "cpu":
        return parsed
    backend = getattr(torch, parsed.type, None)
    if backend is None or not backend.is_available():
        raise ValueError(
            f"device={device!r} is not available on this machine (torch "
            f"{torch.__version__} finds no {parsed.type} device); use device='cpu', or "
            f"install a torch build with {parsed.type} support."
        )
    n_devices = backend.device_count() if hasattr(backend, "device_count") else 1
    if parsed.index is not None and parsed.index >= n_devices:
        raise ValueError(
            f"device={device!r} is not available on this machine: it has {n_devices} "
            f"{parsed.type} device(s), numbered from 0."
        )
    return parsed


@contextlib.contextmanager
def seeded_torch(seed):
    """Run a block with torch's global RNG seeded, then restore the user's state.

    skorch builds modules and draws dropout masks from torch's global RNG;
    this makes those draws reproducible without changing the caller's RNG
    state (``torch.random.fork_rng`` saves and restores it).
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class WorkStopped(Exception):
    """Raised inside a step run by :func:`run_beside` when the block beside it failed."""


@contextlib.contextmanager
def run_beside(steps, beside=True):
    """Run `steps` in order in a second thread while the block runs; yields their runner.

    On a CPU the package's small networks spend much of a step launching
    operations, which a second thread can overlap, so the two share torch's
    threads, half each (the block's are restored after). The runner's
    ``finish()``, called after the block, raises a step's error in the
    caller's thread. With one thread, or `beside` False, nothing runs
    beside: ``finish()`` runs the steps. A step is called with a
    :class:`threading.Event`, set if the block failed (the thread is then
    waited for before the error goes on): it should check ``stop.is_set()``
    between its long parts and raise :class:`WorkStopped`. Steps must not
    draw from torch's global random generator, which the block may be
    seeding.
    """
    runner = _StepRunner(steps)
    n_threads = torch.get_num_threads()
    if not (steps and beside) or n_threads < 2:
        yield runner
        return
    beside_threads = n_threads // 2
    thread = threading.Thread(
        target=runner.run, args=(beside_threads,), name="sklearn-asss-beside", daemon=True
    )
    torch.set_num_threads(n_threads - beside_threads)
    thread.start()
    try:
        yield runner
    except BaseException:
        runner.stop.set()
        raise
    finally:
        try:
            runner.wait_for(thread)
        finally:
            torch.set_num_threads(n_threads)


class _StepRunner:
    """The steps of :func:`run_beside` and what became of them."""

    def __init__(self, steps):
        self.steps, self.done, self.error = list(steps), False, None
        self.stop, self.in_thread = threading.Event(), False
        self.waited_s = 0.0  # how long the caller waited for the thread after the block

    def run(self, n_threads):
        self.in_thread = True
        torch.set_num_threads(n_threads)
        with threadpool_limits(limits=n_threads, user_api="openmp"):
            try:
                for step in self.steps:
                    step(self.stop)
            except BaseException as error:  # raised again by finish(), in the caller
                self.error = error
        self.done = True

    def wait_for(self, thread):
        """Join `thread`; an interrupt while waiting stops the steps before it goes on."""
        start = time.perf_counter()
        try:
            thread.join()
        except BaseException:
            self.stop.set()
            raise
        self.waited_s = time.perf_counter() - start

    def finish(self):
        """Raise the error of a step run beside, or run the steps if none ran."""
        if self.error is not None:
            raise self.error
        if not self.done:
            for step in self.steps:
                step(self.stop)
            self.done = True


@contextlib.contextmanager
def eval_no_grad(*modules):
    """Run a block with `modules` in eval mode and without autograd, then restore their mode."""
    were_training = [module.training for module in modules]
    for module in modules:
        module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for module, was_training in zip(modules, were_training):
            module.train(was_training)


def inference_batches(X, *others, device="cpu", batch_size=INFERENCE_BATCH_SIZE):
    """Consecutive batches of rows for a forward pass: ``(rows, X_batch, *other_batches)``.

    `rows` is the slice of the batch; `X` (an array or a tensor) is sent to
    `device` as float32 one batch at a time, so that a float64 array is never
    copied whole; the `others` (labels, ...) keep their dtype. Use it inside
    :func:`eval_no_grad`.
    """
    for start in range(0, len(X), batch_size):
        rows = slice(start, start + batch_size)
        X_batch = torch.as_tensor(_as_float32(X[rows]), device=device)
        yield (rows, X_batch, *(torch.as_tensor(other[rows], device=device) for other in others))


def _as_float32(batch):
    if isinstance(batch, torch.Tensor):
        return batch.float()
    return np.asarray(batch, dtype=np.float32)


class BatchIterator:
    """A fast skorch iterator over in-memory tensors: one gather per batch.

    skorch's default ``DataLoader`` fetches and collates rows one at a time,
    which dominates the run time of small networks on large tables. This
    iterator slices whole batches instead. It accepts the arguments skorch
    passes to ``iterator_train`` / ``iterator_valid``.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset or torch.utils.data.TensorDataset
        The data; ``dataset.X`` and ``dataset.y`` are used when present.
    batch_size : int, default=128
        Rows per batch.
    shuffle : bool, default=False
        Draw a new permutation of the rows for each pass.
    generator : torch.Generator, default=None
        Source of the permutation, for reproducible shuffling.
    """

    def __init__(self, dataset, batch_size=128, shuffle=False, generator=None, **kwargs):
        self.X, self.y = _dataset_arrays(dataset)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator

    def __len__(self):
        return (_length(self.X) + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        n = _length(self.X)
        order = torch.randperm(n, generator=self.generator) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            rows = (
                order[start : start + self.batch_size]
                if order is not None
                else slice(start, start + self.batch_size)
            )
            yield _take(self.X, rows), _take(self.y, rows)


def _dataset_arrays(dataset):
    if hasattr(dataset, "tensors"):
        tensors = dataset.tensors
        return _as_tensor(tensors[0]), _as_tensor(tensors[1]) if len(tensors) > 1 else None
    return _as_tensor(dataset.X), _as_tensor(dataset.y)


def _as_tensor(data):
    if data is None:
        return None
    if isinstance(data, dict):
        return {key: _as_tensor(value) for key, value in data.items()}
    if isinstance(data, torch.Tensor):
        return data
    return torch.as_tensor(np.asarray(data))


def _length(data):
    if isinstance(data, dict):
        return len(next(iter(data.values())))
    return len(data)


def _take(data, rows):
    if data is None:
        # skorch expects a placeholder target when y is None
        return torch.zeros(0)
    if isinstance(data, dict):
        return {key: _take(value, rows) for key, value in data.items()}
    if isinstance(rows, torch.Tensor):
        return data.index_select(0, rows)  # a third of indexing's time on a batch of rows
    return data[rows]
