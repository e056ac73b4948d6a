import numpy as np
import pandas as pd
import pytest

from sklearn_asss.datasets import PANEL_DATASETS, load_panel

#: (rows, features, class counts) from the data README's table.
EXPECTED = {
    "optdigits": (5620, 64, None),
    "ring": (7400, 20, [3664, 3736]),
    "texture": (5500, 40, [500] * 11),
    "phoneme": (5404, 5, [3818, 1586]),
    "marketing": (6876, 13, None),
    "spambase": (4597, 57, [2785, 1812]),
}


@pytest.fixture(scope="module")
def home(data_dir):
    for name in PANEL_DATASETS:
        data_dir(f"panel/{name}.csv.gz")
    return data_dir("panel/ring.csv.gz")


def test_the_names_are_the_six_tables():
    assert set(PANEL_DATASETS) == set(EXPECTED) and len(PANEL_DATASETS) == 6


@pytest.mark.parametrize("name", PANEL_DATASETS)
def test_shapes_and_classes(home, name):
    rows, features, counts = EXPECTED[name]
    bunch = load_panel(name, data_home=home)
    assert bunch.data.shape == (rows, features) and bunch.data.dtype == np.float64
    assert bunch.target.shape == (rows,) and bunch.target.dtype == np.int64
    assert bunch.feature_names == [f"x{i}" for i in range(features)]
    np.testing.assert_array_equal(bunch.target_names, np.unique(bunch.target))
    if counts is not None:
        assert np.unique(bunch.target, return_counts=True)[1].tolist() == counts
    assert name in bunch.DESCR and "KEEL" in bunch.DESCR


def test_marketing_and_optdigits_class_sizes(home):
    counts = np.unique(load_panel("marketing", data_home=home).target, return_counts=True)[1]
    assert len(counts) == 9 and counts.max() == 1255 and counts.min() == 505
    counts = np.unique(load_panel("optdigits", data_home=home).target, return_counts=True)[1]
    assert len(counts) == 10 and counts.min() >= 554 and counts.max() <= 572


def test_as_frame_and_return_X_y(home):
    bunch = load_panel("phoneme", data_home=home, as_frame=True)
    assert isinstance(bunch.data, pd.DataFrame) and isinstance(bunch.target, pd.Series)
    assert list(bunch.frame.columns) == [*bunch.feature_names, "class"]
    X, y = load_panel(name="phoneme", data_home=home, return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data.to_numpy())
    np.testing.assert_array_equal(y, bunch.target.to_numpy())


@pytest.mark.parametrize("name", ["iris", "RING", 3, None])
def test_unknown_name_is_a_value_error(name, tmp_path):
    with pytest.raises(ValueError, match="name must be one of"):
        load_panel(name, data_home=tmp_path)
