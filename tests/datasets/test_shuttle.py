import numpy as np
import pandas as pd
import pytest

from sklearn_asss.datasets import load_shuttle


@pytest.fixture(scope="module")
def home(data_dir):
    return data_dir("shuttle.csv.gz")


def test_shapes_classes_and_names(home):
    bunch = load_shuttle(data_home=home)
    assert bunch.data.shape == (58000, 9)
    assert bunch.data.dtype == np.float64
    assert bunch.feature_names == [f"A{i}" for i in range(1, 10)]
    counts = np.bincount(bunch.target)
    # the file's classes 1..7 are target 0..6 in the README's order
    assert counts.tolist() == [45586, 50, 171, 8903, 3267, 10, 13]
    assert bunch.target_names.tolist()[0] == "Rad Flow"
    assert bunch.target_names[6] == "Bpv Open"
    assert "Shuttle" in bunch.DESCR


def test_original_split_is_kept(home):
    bunch = load_shuttle(data_home=home)
    assert (bunch.split == "train").sum() == 43500
    assert (bunch.split == "test").sum() == 14500
    X_test, y_test = load_shuttle(data_home=home, subset="test", return_X_y=True)
    np.testing.assert_array_equal(X_test, bunch.data[bunch.split == "test"])
    np.testing.assert_array_equal(y_test, bunch.target[bunch.split == "test"])


def test_as_frame(home):
    bunch = load_shuttle(data_home=home, as_frame=True, subset="train")
    assert isinstance(bunch.data, pd.DataFrame) and isinstance(bunch.target, pd.Series)
    assert bunch.frame.shape == (43500, 10)
    assert list(bunch.frame.columns) == [*bunch.feature_names, "class"]


def test_bad_subset(home):
    with pytest.raises(ValueError, match="subset"):
        load_shuttle(data_home=home, subset="validation")
