"""Randomness and data plumbing shared by every torch-based estimator."""

import contextlib
import functools
import inspect
import os
import pickle
import select
import signal
import sys
import threading
import time
import warnings

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
def run_beside(steps, beside=True, made=None):
    """Run `steps` in order beside the block, on other threads; yields their runner.

    On a CPU the package's small networks spend much of a step launching
    operations, which other threads can overlap. The steps run in a second
    thread, the two sharing torch's threads, half each (the block's are
    restored after); with `made`, the object the steps fill in (their product
    its attributes), they run instead in a forked worker process on one
    thread where that is safe (:func:`can_fork_worker`) and the system allows
    it, and `made`'s attributes come back to it after the block. A thread
    shares the interpreter's lock with the block, whose many small operations
    then wait for it: on two cores ASSSSampler's fits took 0.86 of the time
    on shuttle and 0.82 on connect-4 with a worker process instead of a
    thread (``benchmarks/bench_beside_game.py``).

    The runner's ``finish()``, called after the block, raises a step's error
    in the caller's thread, or runs the steps there if none ran (one thread,
    `beside` False, or a worker process that ended without its result). A
    step is called with a `stop` (a :class:`threading.Event`), set if the
    block failed (the thread is then waited for, a worker process ended,
    before the error goes on): it should check ``stop.is_set()`` between its
    long parts and raise :class:`WorkStopped`. Steps must not draw from
    torch's global random generator, which the block may be seeding.
    """
    runner = _StepRunner(steps)
    n_threads = torch.get_num_threads()
    if not (steps and beside) or n_threads < 2:
        yield runner
        return
    worker = _fork_worker(runner.steps, made) if made is not None and can_fork_worker() else None
    if worker is not None:
        with _beside_in_process(runner, made, n_threads, *worker):
            yield runner
        return
    beside_threads = n_threads // 2
    thread = threading.Thread(
        target=runner.run, args=(beside_threads,), name="sklearn-asss-beside", daemon=True
    )
    torch.set_num_threads(n_threads - beside_threads)
    thread.start()
    runner.ran_beside = "thread"
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
        self.stop = threading.Event()
        self.ran_beside = None  # "thread" or "process" where the steps ran beside the block
        self.worker_pid = None  # the worker process's, where they ran in one
        self.waited_s = 0.0  # how long the caller waited for the steps after the block

    def run(self, n_threads):
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

    def take_worker_result(self, result, made):
        """What a worker process sent (:func:`_worker_result`): its warnings shown, then its
        error kept for :meth:`finish` or its `made` attributes set; None (no result) leaves
        the steps to :meth:`finish`."""
        if result is None:
            warnings.warn(
                "the worker process making the label filter and the clusters beside the game "
                "ended without its result; they are made after the game instead.",
                RuntimeWarning,
            )
            self.ran_beside = None
            return
        (kind, value), raised = result
        for category, message, file, line in raised:
            warnings.warn_explicit(message, category, file, line)
        if kind == "error":
            self.error = value
        else:
            vars(made).update(value)
        self.done = True

    def finish(self):
        """Raise the error of a step run beside, or run the steps if none ran."""
        if self.error is not None:
            raise self.error
        if not self.done:
            for step in self.steps:
                step(self.stop)
            self.done = True


# a worker process that uses no CPU for this long (deadlocked: a forked runtime's lock) is
# ended, and the steps run in the caller after the block
_WORKER_STALL_S = 60.0


def can_fork_worker():
    """Whether :func:`run_beside` may fork a worker process: on Linux, before CUDA is in use
    (a forked child cannot use the parent's CUDA context)."""
    return (
        hasattr(os, "fork")
        and sys.platform.startswith("linux")
        and not torch.cuda.is_initialized()
    )


def _fork_worker(steps, made):
    """A worker process running `steps` (:func:`_run_as_worker`): its pid and the pipe its
    result comes through; None if the system refuses the fork (memory, process limits)."""
    read_end, write_end = os.pipe()
    try:
        with warnings.catch_warnings():
            # Python 3.12+ warns on a fork of a process with threads (torch's): their locks
            # may be held in the child. The worker runs one thread and only the steps.
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:
        os.close(read_end)
        _run_as_worker(steps, made, write_end)  # never returns
    os.close(write_end)
    return pid, os.fdopen(read_end, "rb", buffering=0)  # its close() may be called twice


@contextlib.contextmanager
def _beside_in_process(runner, made, n_threads, pid, pipe):
    """The process form of :func:`run_beside`: run the block beside worker `pid`, then
    collect what it sends through `pipe`."""
    runner.ran_beside, runner.worker_pid = "process", pid
    torch.set_num_threads(n_threads - 1)
    try:
        try:
            yield
        finally:
            torch.set_num_threads(n_threads)
        start = time.perf_counter()
        result = _worker_result(pid, pipe)
    except BaseException:  # the block failed, or an interrupt while waiting for the worker
        _end_worker(pid, pipe)
        raise
    runner.waited_s = time.perf_counter() - start
    runner.take_worker_result(result, made)


def _run_as_worker(steps, made, write_end):
    """The forked worker: run `steps` on one thread, send back `made`'s attributes or the
    error, and the warnings raised (shown by the caller), and exit without returning to the
    caller's code."""
    status = 1
    try:
        with contextlib.suppress(ValueError):  # the parent ends it on an interrupt
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        torch.set_num_threads(1)  # a forked OpenMP runtime may hang on more than one thread
        stop = threading.Event()  # never set: the parent ends the worker instead
        caught = []
        try:
            with warnings.catch_warnings(record=True) as caught, threadpool_limits(limits=1):
                for step in steps:
                    step(stop)
            result = ("done", dict(vars(made)))
        except BaseException as error:
            result = ("error", error)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(_worker_payload(result, caught))
        status = 0
    finally:
        os._exit(status)


def _worker_payload(result, caught):
    """`result` and the warnings `caught`, pickled; an error or a warning that pickle cannot
    carry goes as its description."""
    raised = [(w.category, str(w.message), w.filename, w.lineno) for w in caught]
    try:
        return pickle.dumps((result, raised), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception:
        kind, value = result
        if kind == "error":
            value = RuntimeError(repr(value))
        raised = [(RuntimeWarning, f"{category.__name__}: {message}", file, line)
                  for category, message, file, line in raised]  # fmt: skip
        return pickle.dumps(((kind, value), raised), protocol=pickle.HIGHEST_PROTOCOL)


def _worker_result(pid, pipe):
    """What the worker `pid` sent through `pipe`, or None if it ended without a result or
    stalled (no CPU used for ``_WORKER_STALL_S`` seconds; it is then ended)."""
    chunks, seen, last_change = [], None, time.monotonic()
    while True:
        ready, _, _ = select.select([pipe], [], [], 1.0)
        if ready:
            chunk = pipe.read(1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            last_change = time.monotonic()
        elif (ticks := _cpu_ticks(pid)) != seen:
            seen, last_change = ticks, time.monotonic()
        elif time.monotonic() - last_change > _WORKER_STALL_S:
            _end_worker(pid, pipe)
            return None
    pipe.close()
    with contextlib.suppress(ChildProcessError):  # reaped already (SIGCHLD ignored)
        os.waitpid(pid, 0)
    try:
        return pickle.loads(b"".join(chunks))
    except Exception:  # cut short: the worker died while writing
        return None


def _cpu_ticks(pid):
    """The CPU time process `pid` has used (clock ticks, from ``/proc``; None if unknown)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime and stime, the 14th and 15th
    except (OSError, IndexError, ValueError):
        return None


def _end_worker(pid, pipe):
    """Stop the worker `pid`, reap it and close `pipe`, its result's."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    pipe.close()


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
