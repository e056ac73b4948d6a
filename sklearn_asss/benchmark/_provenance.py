"""What made a study's rows: the code and the platform, recorded with every row.

The same code gives other subsets on another machine or build (float
rounding: the user guide's parameters page, "The same comparison made in one
session"), and a resumed study mixes the rows of every run that wrote to it,
so each row says which code and which platform made it (``rows.csv``'s
``code`` and ``platform`` columns).
"""

import os
import platform
import subprocess
from pathlib import Path

import numpy as np
import sklearn
import torch

from .. import __version__

_PACKAGE_DIR = Path(__file__).resolve().parents[1]
# the paths (from the checkout's top) whose uncommitted changes mark a commit as not the
# code that ran
_CODE_PATHS = ("sklearn_asss", "benchmarks")
_GIT_TIMEOUT_S = 30


def provenance():
    """``{"code": ..., "platform": ...}`` of this process: :func:`code_version` and
    :func:`platform_description`."""
    return {"code": code_version(), "platform": platform_description()}


def code_version():
    """The code that runs: the commit of the package's git checkout (with ``" with
    uncommitted changes"`` where its package or benchmarks differ from it), else the
    package's version (an installed copy)."""
    top = _git("rev-parse", "--show-toplevel")
    if top is None or Path(top).resolve() / "sklearn_asss" != _PACKAGE_DIR:
        return f"sklearn-asss {__version__}"
    head = _git("rev-parse", "--short=12", "HEAD")
    dirty = _git("status", "--porcelain", "--", *(f":/{path}" for path in _CODE_PATHS))
    return head + (" with uncommitted changes" if dirty else "")


def platform_description():
    """The processor, the CPU count and the versions of the numerical libraries, in one line;
    with torch's the vector instructions its kernels use (its CPU capability), which decide
    how its sums are rounded."""
    return (
        f"{_processor()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
        f"({torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} threads), "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}"
    )


def _processor():
    """The CPU's model name (``/proc/cpuinfo``), else what :mod:`platform` says."""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git(*args):
    """The output of a git command in the package's directory; None where it fails."""
    try:
        done = subprocess.run(
            ["git", "-C", str(_PACKAGE_DIR), *args], capture_output=True, text=True,
            timeout=_GIT_TIMEOUT_S,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None
