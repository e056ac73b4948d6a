import os
from pathlib import Path

import pytest

#: The data directory of the tests: $SKLEARN_ASSS_DATA, else ../shared/data
#: relative to the repository root.
DATA_DIR = Path(
    os.environ.get("SKLEARN_ASSS_DATA")
    or Path(__file__).resolve().parents[1].parent / "shared" / "data"
)


def _missing_data(filename):
    """Skip the test locally; fail it in CI (``CI`` set), where every data set must be there."""
    message = (
        f"{filename} not found in {DATA_DIR}: set SKLEARN_ASSS_DATA to the folder holding "
        "the data files (see the installation page)"
    )
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI is set, so a missing data set is an error", pytrace=False)
    pytest.skip(message)


#: A local port nothing listens on: a download attempted by mistake fails at once.
_CLOSED_URL = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """The loaders download a missing file by default: no test may reach the internet."""
    from sklearn_asss.datasets import _files

    monkeypatch.setenv(_files.DOWNLOAD_URL_ENV_VAR, _CLOSED_URL)


@pytest.fixture(scope="session")
def data_dir():
    """A function: the data directory, or skip (fail in CI) when `filename` is absent."""

    def check(filename):
        if not (DATA_DIR / filename).is_file():
            _missing_data(filename)
        return DATA_DIR

    return check


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread_per_test_process():
    """pytest-xdist runs one process per core: more torch threads would oversubscribe.

    A test-harness setting, restored afterwards; the package itself never
    changes torch's global settings.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def torch_threads():
    """Sets torch's threads for a test (call it with their number), and restores them."""
    import torch

    before = torch.get_num_threads()
    yield torch.set_num_threads
    torch.set_num_threads(before)


@pytest.fixture
def two_threads(torch_threads):
    """Torch on two threads: ASSSSampler then makes its label filter beside a large game."""
    torch_threads(2)


@pytest.fixture
def large_game(monkeypatch):
    """ASSSSampler takes any game for a large one (the schedule and the work beside it of a
    table of 20,000 rows or more)."""
    from sklearn_asss import _asss

    monkeypatch.setattr(_asss, "_OUTPUT_LAYER_MIN_ROWS", 1)
