import numpy as np
import pandas as pd
import pytest

from sklearn_asss.datasets import load_kddcup99
from sklearn_asss.datasets._kddcup import CATEGORIES, FEATURE_NAMES, LOG_SCALED_COLUMNS


@pytest.fixture(scope="module")
def home(data_dir):
    return data_dir("kddcup.data_10_percent.gz")


@pytest.fixture(scope="module")
def kdd(home):
    return load_kddcup99(data_home=home)


@pytest.fixture(scope="module")
def raw(home):
    return load_kddcup99(data_home=home, as_frame=True, log_scale=False)


def test_shapes_classes_and_names(kdd):
    assert kdd.data.shape == (494021, 118)
    assert kdd.data.dtype == np.float32
    assert len(kdd.feature_names) == 118
    assert len(kdd.target_names) == 23
    labels, counts = np.unique(kdd.target, return_counts=True)
    count = dict(zip(labels, counts))
    assert count["smurf"] == 280790 and count["normal"] == 97278 and count["spy"] == 2
    assert not any(label.endswith(".") for label in kdd.target_names)


def test_one_hot_columns(kdd, raw):
    names = kdd.feature_names
    assert names[38:41] == ["protocol_type_icmp", "protocol_type_tcp", "protocol_type_udp"]
    assert sum(n.startswith("service_") for n in names) == 66
    assert sum(n.startswith("flag_") for n in names) == 11
    for column, categories in CATEGORIES.items():
        columns = [names.index(f"{column}_{c}") for c in categories]
        block = kdd.data[:, columns]
        # exactly one category per row in the training file, and the right one
        assert np.all(block.sum(axis=1) == 1)
        np.testing.assert_array_equal(
            np.asarray(categories)[block.argmax(axis=1)], raw.data[column].to_numpy(str)
        )


def test_log_scaling(kdd, raw):
    numeric = [n for n in FEATURE_NAMES if n not in CATEGORIES]
    for name in numeric:
        expected = raw.data[name].to_numpy()
        if name in LOG_SCALED_COLUMNS:
            expected = np.log1p(expected)
        np.testing.assert_allclose(kdd.data[:, kdd.feature_names.index(name)], expected, rtol=1e-6)
    assert raw.data["src_bytes"].max() > 6e8
    assert kdd.data.max() < 25


def test_as_frame_leaves_strings(raw):
    assert isinstance(raw.data, pd.DataFrame)
    assert list(raw.data.columns) == FEATURE_NAMES
    assert raw.frame.shape == (494021, 42)
    assert set(raw.data["protocol_type"].unique()) == {"icmp", "tcp", "udp"}


def test_test_subset_same_columns(data_dir, kdd):
    test = load_kddcup99(data_home=data_dir("kddcup.corrected.gz"), subset="test")
    assert test.data.shape == (311029, 118)
    assert test.feature_names == kdd.feature_names
    assert len(test.target_names) == 38
    # the service "icmp" is unknown to the training file: an all-zero service group
    services = [i for i, n in enumerate(test.feature_names) if n.startswith("service_")]
    assert np.any(test.data[:, services].sum(axis=1) == 0)


def test_bad_subset(home):
    with pytest.raises(ValueError, match="subset"):
        load_kddcup99(data_home=home, subset="full")
