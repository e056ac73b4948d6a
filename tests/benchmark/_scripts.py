"""The scripts of benchmarks/, imported as modules by their tests."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def load_script(name):
    """benchmarks/`name`.py as a module."""
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(name, *args, data_home, **env):
    """Run benchmarks/`name`.py with `args` on the data sets of `data_home` (and the
    environment variables `env`) in a new process; its standard output."""
    done = script_process(name, *args, SKLEARN_ASSS_DATA=str(data_home), **env)
    assert done.returncode == 0, done.stderr
    return done.stdout


def script_process(name, *args, **env):
    """benchmarks/`name`.py with `args` (and the environment variables `env`) run in a new
    process, whatever its exit status: the ``subprocess.CompletedProcess``."""
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / f"{name}.py"), *args],
        capture_output=True, text=True, timeout=300, env={**os.environ, **env},
    )  # fmt: skip
