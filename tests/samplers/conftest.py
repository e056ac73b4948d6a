import os
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler

#: The data directory of the tests: $SKLEARN_ASSS_DATA, else ../shared/data
#: relative to the repository root.
DATA_DIR = Path(
    os.environ.get("SKLEARN_ASSS_DATA")
    or Path(__file__).resolve().parents[2].parent / "shared" / "data"
)


@pytest.fixture(scope="session")
def shuttle():
    """The 14,500 rows of shuttle's original test split, standardised (classes of 2 and 4 rows)."""
    if not (DATA_DIR / "shuttle.csv.gz").is_file():
        pytest.skip(f"shuttle.csv.gz not found in {DATA_DIR} (set SKLEARN_ASSS_DATA)")
    from sklearn_asss.datasets import load_shuttle

    X, y = load_shuttle(data_home=DATA_DIR, subset="test", return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture
def imbalanced():
    """Three blobs of 300, 150 and 45 rows plus classes of 3 and 2 rows."""
    X, y = make_blobs(
        n_samples=[300, 150, 45, 3, 2],
        centers=[[0, 0], [4, 4], [-4, 4], [4, -4], [-4, -4]],
        n_features=2,
        random_state=0,
    )
    return X, y


def _mean_nn_distance(X):
    distances, _ = NearestNeighbors(n_neighbors=2).fit(X).kneighbors(X)
    return float(np.mean(distances[:, 1]))


@pytest.fixture
def mean_nn_distance():
    """A function: the mean distance of each row of X to its nearest other row."""
    return _mean_nn_distance
