import numpy as np
import pandas as pd
import pytest

from sklearn_asss.datasets import load_connect4


@pytest.fixture(scope="module")
def home(data_dir):
    return data_dir("connect-4.data.gz")


@pytest.fixture(scope="module")
def ordinal(home):
    return load_connect4(data_home=home)


@pytest.fixture(scope="module")
def as_frame(home):
    return load_connect4(data_home=home, as_frame=True)


def test_shapes_classes_and_names(ordinal):
    assert ordinal.data.shape == (67557, 42)
    assert ordinal.feature_names[:7] == ["a1", "a2", "a3", "a4", "a5", "a6", "b1"]
    assert ordinal.feature_names[-1] == "g6"
    assert ordinal.target_names.tolist() == ["loss", "draw", "win"]
    assert np.bincount(ordinal.target).tolist() == [16635, 6449, 44473]
    assert set(np.unique(ordinal.data)) == {-1.0, 0.0, 1.0}


def test_ordinal_codes_match_the_raw_cells(as_frame, ordinal):
    raw = as_frame.data.to_numpy()
    assert np.all((raw == "x") == (ordinal.data == 1))
    assert np.all((raw == "o") == (ordinal.data == -1))
    assert np.all((raw == "b") == (ordinal.data == 0))
    # 8-ply positions: 4 stones of each player on every board
    assert np.all((ordinal.data == 1).sum(axis=1) == 4)
    assert np.all((ordinal.data == -1).sum(axis=1) == 4)


def test_onehot(home, ordinal):
    bunch = load_connect4(data_home=home, encoding="onehot")
    assert bunch.data.shape == (67557, 126)
    assert bunch.feature_names[:3] == ["a1_b", "a1_o", "a1_x"]
    assert np.all(bunch.data.reshape(-1, 42, 3).sum(axis=2) == 1)
    np.testing.assert_array_equal(bunch.data[:, 2::3], ordinal.data == 1)
    np.testing.assert_array_equal(bunch.target, ordinal.target)


def test_as_frame_and_return_X_y(home, as_frame, ordinal):
    bunch = as_frame
    assert isinstance(bunch.data, pd.DataFrame)
    assert bunch.frame.shape == (67557, 43)
    assert bunch.data.iloc[0, 12] == "x"
    X, y = load_connect4(data_home=home, return_X_y=True)
    np.testing.assert_array_equal(X, ordinal.data)


def test_bad_encoding(home):
    with pytest.raises(ValueError, match="encoding"):
        load_connect4(data_home=home, encoding="binary")
