import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler


@pytest.fixture(scope="session")
def shuttle(data_dir):
    """The 14,500 rows of shuttle's original test split, standardised (classes of 2 and 4 rows)."""
    from sklearn_asss.datasets import load_shuttle

    X, y = load_shuttle(data_home=data_dir("shuttle.csv.gz"), subset="test", return_X_y=True)
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


@pytest.fixture(scope="session")
def kddcup_sample(data_dir):
    """20,000 random rows of the kddcup 10% file (about half of them repeat another row)."""
    from sklearn_asss.datasets import load_kddcup99

    X, y = load_kddcup99(
        data_home=data_dir("kddcup.data_10_percent.gz"), return_X_y=True
    )
    rows = np.random.RandomState(0).choice(len(y), 20_000, replace=False)
    return X[rows], y[rows]
