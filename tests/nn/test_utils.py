import os
import threading
import time
import types
import warnings

import numpy as np
import pytest
import torch

from sklearn_asss._utils import draw_seed
from sklearn_asss.nn._scores import error_l2_norm
from sklearn_asss.nn import _utils
from sklearn_asss.nn._utils import WorkStopped, eval_no_grad, inference_batches, run_beside


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


# ---------------------------------------------------------------- run_beside
def test_run_beside_runs_the_steps_in_order_in_another_thread_with_half_the_threads(
    two_threads,
):
    seen = []

    def step(stop):
        seen.append((threading.current_thread().name, torch.get_num_threads()))

    with run_beside([step, step]) as runner:
        in_block = torch.get_num_threads()
    runner.finish()
    assert runner.ran_beside == "thread"
    assert seen == [("sklearn-asss-beside", 1)] * 2
    assert in_block == 1
    assert torch.get_num_threads() == 2


def test_run_beside_says_how_long_the_caller_waited_for_the_thread(two_threads):
    with run_beside([lambda stop: time.sleep(0.3)]) as longer:
        pass  # the block ends long before the step
    with run_beside([lambda stop: None]) as shorter:
        time.sleep(0.3)  # the step ends long before the block
    assert longer.waited_s > 0.2 and shorter.waited_s < 0.1


def test_run_beside_with_one_thread_runs_the_steps_at_finish(torch_threads):
    torch_threads(1)
    calls = []
    with run_beside([lambda stop: calls.append(threading.current_thread().name)]) as runner:
        assert calls == []
    runner.finish()
    assert calls == [threading.current_thread().name]
    assert runner.ran_beside is None


def test_run_beside_not_beside_runs_the_steps_at_finish_in_the_caller(two_threads):
    seen = []
    step = [lambda stop: seen.append(threading.current_thread().name)]
    with run_beside(step, beside=False) as runner:
        assert torch.get_num_threads() == 2 and seen == []
    runner.finish()
    assert seen == [threading.current_thread().name]


def test_run_beside_raises_a_steps_error_in_the_caller_and_runs_no_later_step(two_threads):
    later = []

    def failing(stop):
        raise ValueError("the step failed")

    with run_beside([failing, later.append]) as runner:
        pass
    with pytest.raises(ValueError, match="the step failed"):
        runner.finish()
    assert later == []
    assert torch.get_num_threads() == 2


def test_a_failing_block_stops_the_step_and_waits_for_it(two_threads):
    started, finished = threading.Event(), threading.Event()

    def step(stop):
        started.set()
        while not stop.wait(0.01):
            pass
        finished.set()
        raise WorkStopped("stopped")

    with pytest.raises(KeyboardInterrupt):
        with run_beside([step]):
            started.wait(5)
            raise KeyboardInterrupt
    assert finished.is_set()  # the step saw the stop and ended before the error went on
    assert torch.get_num_threads() == 2


def test_an_interrupt_while_waiting_for_the_steps_stops_them_and_restores_the_threads(
    two_threads, monkeypatch
):
    started = threading.Event()

    def step(stop):
        started.set()
        while not stop.wait(0.01):
            pass
        raise WorkStopped("stopped")

    join = threading.Thread.join

    def interrupted_join(thread, *args, **kwargs):
        if thread.name == "sklearn-asss-beside" and not thread.interrupted:
            thread.interrupted = True
            raise KeyboardInterrupt  # Ctrl-C while the block's caller waits for the steps
        return join(thread, *args, **kwargs)

    monkeypatch.setattr(threading.Thread, "interrupted", False, raising=False)
    monkeypatch.setattr(threading.Thread, "join", interrupted_join)
    with pytest.raises(KeyboardInterrupt):
        with run_beside([step]):
            started.wait(5)
    assert torch.get_num_threads() == 2
    beside = [thread for thread in threading.enumerate() if thread.name == "sklearn-asss-beside"]
    for thread in beside:
        join(thread, 5)  # the step saw the stop and ends
        assert not thread.is_alive()



# ---------------------------------------------------------------- run_beside in a process
needs_fork = pytest.mark.skipif(not _utils.can_fork_worker(), reason="forks a worker only on Linux")


def _reaped(runner):
    """Whether the worker process of `runner` has ended and been waited for."""
    try:
        os.waitpid(runner.worker_pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _record_where(made):
    def step(stop):
        made.pid, made.threads = os.getpid(), torch.get_num_threads()
        made.looked = stop.is_set()

    return step


@needs_fork
def test_run_beside_with_made_runs_the_steps_in_a_worker_process_and_brings_back_made(
    two_threads,
):
    made = types.SimpleNamespace()
    with run_beside([_record_where(made), lambda stop: setattr(made, "second", True)],
                    made=made) as runner:  # fmt: skip
        in_block = torch.get_num_threads()
        assert not hasattr(made, "pid")  # filled in the worker, not here
    runner.finish()
    assert runner.ran_beside == "process"
    assert made.pid != os.getpid() and made.threads == 1 and made.second
    assert made.looked is False
    assert in_block == 1 and torch.get_num_threads() == 2
    assert _reaped(runner)


@needs_fork
def test_a_steps_error_in_the_worker_is_raised_in_the_caller(two_threads):
    made = types.SimpleNamespace(later=False)

    def failing(stop):
        raise ValueError("the step failed")

    with run_beside([failing, lambda stop: setattr(made, "later", True)], made=made) as runner:
        pass
    with pytest.raises(ValueError, match="the step failed"):
        runner.finish()
    assert made.later is False
    assert _reaped(runner)


@needs_fork
def test_an_unpicklable_error_in_the_worker_reaches_the_caller_described(two_threads):
    class Local(Exception):  # defined in a function: pickle cannot find it
        pass

    def failing(stop):
        raise Local("cannot travel")

    with run_beside([failing], made=types.SimpleNamespace()) as runner:
        pass
    with pytest.raises(RuntimeError, match="cannot travel"):
        runner.finish()


@needs_fork
def test_a_failing_block_ends_the_worker(two_threads):
    with pytest.raises(KeyboardInterrupt):
        with run_beside([lambda stop: time.sleep(60)], made=types.SimpleNamespace()) as runner:
            raise KeyboardInterrupt
    assert _reaped(runner)
    assert torch.get_num_threads() == 2


@needs_fork
def test_a_worker_that_ends_without_its_result_leaves_the_steps_to_the_caller(two_threads):
    caller = os.getpid()
    made = types.SimpleNamespace()

    def step(stop):
        if os.getpid() != caller:
            os._exit(3)  # the worker dies, as if killed
        made.where = "caller"

    with pytest.warns(RuntimeWarning, match="ended without its result"):
        with run_beside([step], made=made) as runner:
            pass
    assert not hasattr(made, "where")
    runner.finish()
    assert made.where == "caller" and runner.ran_beside is None
    assert _reaped(runner)


@needs_fork
def test_a_stalled_worker_is_ended_and_the_caller_runs_the_steps(two_threads, monkeypatch):
    monkeypatch.setattr(_utils, "_WORKER_STALL_S", 0.5)
    caller = os.getpid()
    made = types.SimpleNamespace()

    def step(stop):
        if os.getpid() != caller:
            time.sleep(600)  # hung, looking at nothing
        made.where = "caller"

    start = time.perf_counter()
    with pytest.warns(RuntimeWarning, match="ended without its result"):
        with run_beside([step], made=made) as runner:
            pass
    runner.finish()
    assert made.where == "caller"
    assert time.perf_counter() - start < 30
    assert _reaped(runner)


@needs_fork
def test_a_busy_worker_is_not_taken_for_a_stalled_one(two_threads, monkeypatch):
    # the watch looks at the worker's CPU time: long work without a pause is progress
    monkeypatch.setattr(_utils, "_WORKER_STALL_S", 0.5)
    made = types.SimpleNamespace()

    def busy(stop):
        end = time.perf_counter() + 3
        while time.perf_counter() < end:
            pass
        made.pid = os.getpid()

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with run_beside([busy], made=made) as runner:
            pass
    runner.finish()
    assert made.pid != os.getpid() and runner.ran_beside == "process"


@needs_fork
def test_a_warning_in_the_worker_is_shown_in_the_caller(two_threads):
    def warning(stop):
        warnings.warn("from the worker", UserWarning)

    with pytest.warns(UserWarning, match="from the worker"):
        with run_beside([warning], made=types.SimpleNamespace()) as runner:
            pass
    runner.finish()
    assert runner.ran_beside == "process"


@needs_fork
def test_a_refused_fork_leaves_the_steps_to_a_thread(two_threads, monkeypatch):
    def refused():
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(os, "fork", refused)
    made = types.SimpleNamespace()
    with run_beside([lambda stop: setattr(made, "where", threading.current_thread().name)],
                    made=made) as runner:  # fmt: skip
        pass
    runner.finish()
    assert runner.ran_beside == "thread" and made.where == "sklearn-asss-beside"
