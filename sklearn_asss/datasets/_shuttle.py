"""Statlog (Shuttle)."""

import numpy as np
import pandas as pd

from ._bunch import _numeric_output
from ._files import KnownFile, Remote, data_file
from ._lzw import decompress_lzw

FILENAME = "shuttle.csv.gz"
URL = "https://archive.ics.uci.edu/dataset/148/statlog+shuttle"
_UCI_FILES = "https://archive.ics.uci.edu/ml/machine-learning-databases/statlog/shuttle"

FEATURE_NAMES = [f"A{i}" for i in range(1, 10)]
#: Class names, indexed by ``target`` (the file's class ``k`` is ``target == k - 1``).
TARGET_NAMES = np.array(
    ["Rad Flow", "Fpv Close", "Fpv Open", "High", "Bypass", "Bpv Close", "Bpv Open"],
    dtype=object,
)

DESCR = """\
Statlog (Shuttle) data
----------------------

58,000 rows of 9 integer sensor readings from the NASA space shuttle's
radiator subsystem, 7 classes: Rad Flow 45,586, Fpv Close 50, Fpv Open 171,
High 8,903, Bypass 3,267, Bpv Close 10, Bpv Open 13. The original split
gives 43,500 training and 14,500 test rows.

Source: UCI Machine Learning Repository,
https://archive.ics.uci.edu/dataset/148/statlog+shuttle (the ASSS paper's
``shuttle``, via KEEL).
"""


def _from_uci_originals(paths):
    """The CSV of ``shuttle.csv.gz`` from UCI's ``shuttle.trn.Z`` and ``shuttle.tst``.

    The originals hold one row per line, the 9 features and the class separated
    by spaces; the CSV keeps their order, training rows first, and adds the
    header and the ``split`` column.
    """
    train_path, test_path = paths
    lines = [",".join([*FEATURE_NAMES, "class", "split"])]
    for text, split in [
        (decompress_lzw(train_path.read_bytes()), "train"),
        (test_path.read_bytes(), "test"),
    ]:
        lines.extend(
            ",".join([*line.split(), split]) for line in text.decode("ascii").splitlines()
            if line.strip()
        )
    return ("\n".join(lines) + "\n").encode("ascii")


#: The known file: a CSV made from UCI's two original files (see
#: `_from_uci_originals`), which a download fetches and converts.
KNOWN_FILE = KnownFile(
    filename=FILENAME,
    size=439_775,
    sha256="d5ea26ac17aa4a3799a16ebf0b9ffce614da775bf5386355cce487f4f4ad527a",
    content_sha256="be2cc484603e2ae65d95ff91ce4d87d8d5d052c4342de1f6c06603f77a621e7e",
    loader="load_shuttle",
    remotes=(Remote(f"{_UCI_FILES}/shuttle.trn.Z"), Remote(f"{_UCI_FILES}/shuttle.tst")),
    convert=_from_uci_originals,
    source=f"UCI's shuttle.trn.Z and shuttle.tst, {URL}.",
)


def load_shuttle(
    *, data_home=None, subset="all", return_X_y=False, as_frame=False, download_if_missing=True
):
    """Load the Statlog (Shuttle) data set (classification).

    =================   ==============
    Classes                          7
    Samples total               58,000
    Features                         9
    =================   ==============

    The file ``shuttle.csv.gz`` (CSV with header ``A1..A9,class,split``) is
    read from :func:`get_data_home` (`data_home`, else the directory named by
    ``SKLEARN_ASSS_DATA``, else ``~/sklearn_asss_data``).

    **Verification and download.** The file is checked before it is read: it
    must be the known file (size and SHA-256) or a gzip file of the same
    content; a truncated, corrupt or different file raises a
    :class:`~sklearn_asss.datasets.DataFileError` that says what is wrong and
    what to do. When the file is absent and `download_if_missing` is True,
    UCI's original files ``shuttle.trn.Z`` and ``shuttle.tst`` are downloaded,
    converted to this CSV, checked against the known content, and written
    atomically into the data directory, where later calls find the file. The environment variable
    ``SKLEARN_ASSS_DATA_URL`` replaces the UCI address by a mirror holding
    files of the same names.

    The file's classes 1..7 become ``target`` 0..6, so that
    ``target_names[target]`` is the class name. The original train/test split
    is kept in the Bunch's ``split`` array and can be selected with `subset`.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Directory holding the file; see :func:`get_data_home`.
    subset : {"all", "train", "test"}, default="all"
        All 58,000 rows (the ASSS paper cross-validates on all of them), or
        only the rows of the original training (43,500) or test (14,500) set.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` a Series, and the Bunch
        has a ``frame`` holding both.
    download_if_missing : bool, default=True
        If True, download the file when it is absent (like scikit-learn's
        ``fetch_*`` functions); if False, raise a FileNotFoundError instead.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : {ndarray, DataFrame} of shape (n_samples, 9)
            The features, float64.
        target : {ndarray, Series} of shape (n_samples,)
            Class codes 0..6 (int64).
        target_names : ndarray of shape (7,)
            The class names, indexed by ``target``.
        feature_names : list of str
            ``["A1", ..., "A9"]``.
        split : ndarray of shape (n_samples,)
            ``"train"`` or ``"test"``: the row's side of the original split.
        frame : DataFrame of shape (n_samples, 10)
            Only with ``as_frame=True``: ``data`` and a ``"class"`` column.
        DESCR : str
            Description of the data set.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If the file is absent and `download_if_missing` is False, naming the
        file and the directory.
    DataFileError
        If the file is damaged, or its download failed or brought other data.

    Examples
    --------
    >>> from sklearn_asss.datasets import load_shuttle
    >>> shuttle = load_shuttle()  # doctest: +SKIP
    >>> shuttle.data.shape, shuttle.target_names[shuttle.target[0]]  # doctest: +SKIP
    ((58000, 9), 'Fpv Close')
    """
    if subset not in ("all", "train", "test"):
        raise ValueError(f"subset must be 'all', 'train' or 'test'; got {subset!r}.")
    path = data_file(KNOWN_FILE, data_home, download_if_missing=download_if_missing)
    raw = pd.read_csv(path)
    missing = [c for c in [*FEATURE_NAMES, "class", "split"] if c not in raw.columns]
    if missing:
        raise ValueError(f"{path} lacks the columns {missing}; see the data README.")
    if subset != "all":
        raw = raw[raw["split"] == subset].reset_index(drop=True)
    split = raw["split"].to_numpy(dtype=object)
    data = raw[FEATURE_NAMES].astype(np.float64)
    target = (raw["class"].astype(np.int64) - 1).rename("class")
    return _numeric_output(
        data,
        target,
        as_frame=as_frame,
        return_X_y=return_X_y,
        target_names=TARGET_NAMES.copy(),
        feature_names=list(FEATURE_NAMES),
        split=split,
        DESCR=DESCR,
    )


__all__ = ["load_shuttle"]
