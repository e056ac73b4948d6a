import os
from pathlib import Path

import pytest

#: The data directory of the tests: $SKLEARN_ASSS_DATA, else ../shared/data
#: relative to the repository root.
DATA_DIR = Path(
    os.environ.get("SKLEARN_ASSS_DATA")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data"
)


@pytest.fixture(scope="session")
def data_home_with():
    """A function: the data directory, or skip the test when `filename` is absent."""

    def check(filename):
        if not (DATA_DIR / filename).is_file():
            pytest.skip(f"{filename} not found in {DATA_DIR} (set SKLEARN_ASSS_DATA)")
        return DATA_DIR

    return check
