"""Damaged, missing and downloaded data files, for every loader.

Each loader gets one test per case: a truncated file, corrupt bytes, a valid
gzip file of other content, a missing file with the download off, and a
missing file with the download on (served by the local `mirror` server).
"""

import gzip
import os

import numpy as np
import pytest

from sklearn_asss.datasets import (
    PANEL_DATASETS,
    DataFileError,
    load_connect4,
    load_kddcup99,
    load_panel,
    load_shuttle,
)
from sklearn_asss.datasets import _files
from sklearn_asss.datasets._connect4 import KNOWN_FILE as CONNECT4_FILE
from sklearn_asss.datasets._kddcup import KNOWN_FILES as KDDCUP_FILES

#: (loader, keyword arguments, file in the data home) of every known file.
CASES = {
    "shuttle": (load_shuttle, {}, "shuttle.csv.gz"),
    "connect4": (load_connect4, {}, "connect-4.data.gz"),
    "kddcup-train": (load_kddcup99, {"subset": "train"}, "kddcup.data_10_percent.gz"),
    "kddcup-test": (load_kddcup99, {"subset": "test"}, "kddcup.corrected.gz"),
    **{
        f"panel-{name}": (load_panel, {"name": name}, f"panel/{name}.csv.gz")
        for name in PANEL_DATASETS
    },
}
DOWNLOADABLE = [case for case in CASES if not case.startswith("panel")]


def _home_with(tmp_path, filename, content):
    path = tmp_path / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def _truncated(data):
    return data[: len(data) // 2]


def _corrupt_bytes(data):
    middle = len(data) // 2
    return data[:middle] + bytes(1000) + data[middle + 1000 :]


def _other_content(data):
    """A valid gzip file of the content without its last line."""
    content = gzip.decompress(data)
    return gzip.compress(content[: content.rindex(b"\n", 0, len(content) - 1) + 1], 1)


def _load(case, home, **kwargs):
    loader, arguments, _ = CASES[case]
    return loader(data_home=home, **arguments, **kwargs)


def _expect_fix(message, case):
    if case.startswith("panel"):
        assert "There is no download" in message and "KEEL" in message
    else:
        assert "download_if_missing=True" in message
        assert "SHA-256" in message


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize(
    "damage, problem",
    [
        (_truncated, "the file is truncated"),
        (_corrupt_bytes, "not a valid gzip file"),
        (_other_content, "its content differs from the known data"),
    ],
    ids=["truncated", "corrupt-bytes", "other-content"],
)
def test_damaged_file_names_the_file_the_fault_and_the_fix(
    case, damage, problem, shared_file, tmp_path
):
    filename = CASES[case][2]
    good = shared_file(filename).read_bytes()
    damaged = damage(good)
    path = _home_with(tmp_path, filename, damaged)
    with pytest.raises(DataFileError) as error:
        _load(case, tmp_path)
    message = str(error.value)
    assert f"The data file {str(path)!r} is damaged" in message
    assert problem in message
    _expect_fix(message, case)
    assert path.read_bytes() == damaged  # reported, never modified or deleted


@pytest.mark.parametrize("case", CASES)
def test_missing_file_without_download_says_where_to_put_it(case, tmp_path):
    kwargs = {} if case.startswith("panel") else {"download_if_missing": False}
    with pytest.raises(FileNotFoundError) as error:
        _load(case, tmp_path, **kwargs)
    message = str(error.value)
    assert repr(CASES[case][2]) in message and repr(str(tmp_path)) in message
    assert "SKLEARN_ASSS_DATA" in message
    if case.startswith("panel"):
        assert "There is no public download" in message and "KEEL" in message
    else:
        assert "download_if_missing=True" in message
    assert list(tmp_path.iterdir()) == []


def test_a_recompressed_copy_of_the_same_content_is_accepted(shared_file, data_dir, tmp_path):
    good = shared_file("shuttle.csv.gz").read_bytes()
    _home_with(tmp_path, "shuttle.csv.gz", gzip.compress(gzip.decompress(good), 1))
    X, y = load_shuttle(data_home=tmp_path, return_X_y=True)
    X_known, y_known = load_shuttle(data_home=data_dir("shuttle.csv.gz"), return_X_y=True)
    np.testing.assert_array_equal(X, X_known)
    np.testing.assert_array_equal(y, y_known)


def test_a_file_is_verified_again_when_it_changes(shared_file, tmp_path, monkeypatch):
    good = shared_file("panel/phoneme.csv.gz").read_bytes()
    path = _home_with(tmp_path, "panel/phoneme.csv.gz", good)
    hashed = []
    original = _files._sha256_of_file
    monkeypatch.setattr(_files, "_sha256_of_file", lambda p: hashed.append(p) or original(p))
    load_panel("phoneme", data_home=tmp_path)
    load_panel("phoneme", data_home=tmp_path)
    assert len(hashed) == 1  # once per process while the file is unchanged
    path.write_bytes(_truncated(good))
    with pytest.raises(DataFileError, match="truncated"):
        load_panel("phoneme", data_home=tmp_path)


# --- downloads from the local mirror -------------------------------------------------


def _only_file(home):
    return sorted(str(p.relative_to(home)) for p in home.rglob("*"))


def test_shuttle_downloads_converts_and_caches(mirror, uci_shuttle, data_dir, tmp_path):
    mirror.files.update(uci_shuttle)
    bunch = load_shuttle(data_home=tmp_path, download_if_missing=True)
    assert mirror.requests == ["shuttle.trn.Z", "shuttle.tst"]
    known = load_shuttle(data_home=data_dir("shuttle.csv.gz"))
    np.testing.assert_array_equal(bunch.data, known.data)
    np.testing.assert_array_equal(bunch.split, known.split)
    assert _only_file(tmp_path) == ["shuttle.csv.gz"]
    load_shuttle(data_home=tmp_path, download_if_missing=True)
    assert len(mirror.requests) == 2  # the second call reads the cached copy


def test_connect4_downloads_converts_and_caches(mirror, uci_connect4, shared_file, tmp_path):
    mirror.files.update(uci_connect4)
    X, y = load_connect4(data_home=tmp_path, return_X_y=True)  # download on by default
    assert X.shape == (67557, 42) and np.bincount(y).tolist() == [16635, 6449, 44473]
    assert mirror.requests == ["connect-4.data.Z"]
    downloaded = gzip.decompress((tmp_path / "connect-4.data.gz").read_bytes())
    assert downloaded == gzip.decompress(shared_file("connect-4.data.gz").read_bytes())
    assert _only_file(tmp_path) == ["connect-4.data.gz"]
    # the loader's own path to the file, without parsing 67,557 rows again
    _files.data_file(CONNECT4_FILE, tmp_path, download_if_missing=True)
    assert mirror.requests == ["connect-4.data.Z"]


def test_kddcup_downloads_the_uci_file_and_caches(mirror, shared_file, tmp_path):
    known = shared_file("kddcup.data_10_percent.gz")
    mirror.files["kddcup.data_10_percent.gz"] = known
    frame = load_kddcup99(data_home=tmp_path, as_frame=True, log_scale=False).frame
    assert frame.shape == (494021, 42)
    assert mirror.requests == ["kddcup.data_10_percent.gz"]
    assert (tmp_path / "kddcup.data_10_percent.gz").read_bytes() == known.read_bytes()
    # the loader's own path to the file, without parsing 494,021 rows again
    _files.data_file(KDDCUP_FILES["train"], tmp_path, download_if_missing=True)
    assert mirror.requests == ["kddcup.data_10_percent.gz"]


def test_kddcup_test_file_is_saved_under_the_local_name(mirror, shared_file, tmp_path):
    known = shared_file("kddcup.corrected.gz")
    mirror.files["corrected.gz"] = known
    path = _files.data_file(KDDCUP_FILES["test"], tmp_path, download_if_missing=True)
    assert path == tmp_path / "kddcup.corrected.gz"
    assert path.read_bytes() == known.read_bytes()
    assert mirror.requests == ["corrected.gz"]


@pytest.mark.parametrize("fault", ["corrupt", "interrupt"])
def test_a_damaged_transfer_leaves_no_file(fault, mirror, shared_file, tmp_path):
    mirror.files["corrected.gz"] = shared_file("kddcup.corrected.gz")
    mirror.faults["corrected.gz"] = fault
    with pytest.raises(DataFileError) as error:
        load_kddcup99(data_home=tmp_path, subset="test")
    message = str(error.value)
    assert f"{mirror.url}/corrected.gz" in message
    if fault == "corrupt":
        assert "brought the wrong data" in message and "not a valid gzip file" in message
    else:
        assert "interrupted: received 704,517 of 1,409,035 bytes" in message
    assert "Nothing was written" in message
    assert _only_file(tmp_path) == []
    del mirror.faults["corrected.gz"]  # the next try succeeds
    _files.data_file(KDDCUP_FILES["test"], tmp_path, download_if_missing=True)
    assert _only_file(tmp_path) == ["kddcup.corrected.gz"]


def test_a_download_of_other_data_is_refused(mirror, uci_shuttle, tmp_path):
    mirror.files.update(uci_shuttle)
    mirror.files["shuttle.tst"] = uci_shuttle["shuttle.tst"].replace(b"\n", b"\n1 ", 1)
    with pytest.raises(DataFileError) as error:
        load_shuttle(data_home=tmp_path)
    message = str(error.value)
    assert "brought the wrong data" in message and "content differs" in message
    assert _only_file(tmp_path) == []


def test_an_unreadable_download_is_refused(mirror, uci_shuttle, tmp_path):
    mirror.files.update(uci_shuttle)
    mirror.files["shuttle.trn.Z"] = b"<html>Moved</html>"
    with pytest.raises(DataFileError) as error:
        load_shuttle(data_home=tmp_path)
    message = str(error.value)
    assert "could not be read: not a .Z (Unix compress) file" in message
    assert _only_file(tmp_path) == []


def test_a_missing_remote_file_is_a_clear_error(mirror, tmp_path):
    with pytest.raises(DataFileError) as error:
        load_connect4(data_home=tmp_path)
    message = str(error.value)
    assert f"Downloading {mirror.url}/connect-4.data.Z" in message and "404" in message
    assert _only_file(tmp_path) == []


def test_an_interrupt_during_the_download_leaves_no_file(
    mirror, uci_shuttle, tmp_path, monkeypatch
):
    mirror.files.update(uci_shuttle)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(_files, "_write_gzip", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_shuttle(data_home=tmp_path)
    assert _only_file(tmp_path) == []


def test_an_unwritable_data_home_is_a_clear_error(tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    with pytest.raises(DataFileError, match="Cannot download 'shuttle.csv.gz' into"):
        load_shuttle(data_home=not_a_directory)


def test_without_a_mirror_the_public_url_is_used(monkeypatch, tmp_path):
    monkeypatch.delenv(_files.DOWNLOAD_URL_ENV_VAR)
    with pytest.raises(FileNotFoundError) as error:
        load_connect4(data_home=tmp_path, download_if_missing=False)
    assert (
        "https://archive.ics.uci.edu/ml/machine-learning-databases/connect-4/connect-4.data.Z"
        in str(error.value)
    )


def test_the_shared_files_are_the_known_files(shared_file):
    """The checksums in the code are those of the shared data directory's files."""
    for case, (_, _, filename) in CASES.items():
        path = shared_file(filename)
        known = _known_file(case)
        assert os.path.getsize(path) == known.size
        assert _files._sha256_of_file(path) == known.sha256
        assert _files._sha256_of_content(path) == known.content_sha256


def _known_file(case):
    from sklearn_asss.datasets import _connect4, _panel, _shuttle

    if case.startswith("panel-"):
        return _panel.KNOWN_FILES[case.removeprefix("panel-")]
    if case.startswith("kddcup-"):
        return KDDCUP_FILES[case.removeprefix("kddcup-")]
    return {"shuttle": _shuttle, "connect4": _connect4}[case].KNOWN_FILE
