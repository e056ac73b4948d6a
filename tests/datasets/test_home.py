from pathlib import Path

import pytest

from sklearn_asss.datasets import get_data_home, load_connect4, load_kddcup99, load_shuttle


def test_explicit_data_home_wins_over_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SKLEARN_ASSS_DATA", "/somewhere/else")
    assert get_data_home(tmp_path) == tmp_path


def test_env_var_is_used_when_no_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("SKLEARN_ASSS_DATA", str(tmp_path))
    assert get_data_home() == tmp_path


def test_default_is_in_the_home_directory(monkeypatch):
    monkeypatch.delenv("SKLEARN_ASSS_DATA", raising=False)
    assert get_data_home() == Path("~/sklearn_asss_data").expanduser()


def test_tilde_is_expanded():
    assert get_data_home("~/x") == Path.home() / "x"


def test_bad_type_is_a_type_error():
    with pytest.raises(TypeError, match="data_home"):
        get_data_home(3)


@pytest.mark.parametrize(
    "loader, filename",
    [(load_shuttle, "shuttle.csv.gz"), (load_connect4, "connect-4.data.gz")],
)
def test_missing_file_names_the_file_and_the_directory(loader, filename, tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        loader(data_home=tmp_path, download_if_missing=False)
    assert filename in str(error.value)
    assert str(tmp_path) in str(error.value)
    assert "SKLEARN_ASSS_DATA" in str(error.value)


def test_kddcup_missing_without_download_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="kddcup.data_10_percent.gz"):
        load_kddcup99(data_home=tmp_path, download_if_missing=False)


def test_kddcup_test_subset_missing_without_download_names_the_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="kddcup.corrected.gz"):
        load_kddcup99(data_home=tmp_path, subset="test", download_if_missing=False)
