"""UCI Connect-4."""

import numpy as np
import pandas as pd

from ._bunch import _loader_output
from ._files import KnownFile, Remote, data_file
from ._lzw import decompress_lzw

FILENAME = "connect-4.data.gz"
URL = "https://archive.ics.uci.edu/dataset/26/connect+4"
_UCI_FILE = "https://archive.ics.uci.edu/ml/machine-learning-databases/connect-4/connect-4.data.Z"

#: The 42 cells, column by column: ``a1`` is the bottom of the leftmost column.
FEATURE_NAMES = [f"{column}{row}" for column in "abcdefg" for row in range(1, 7)]
#: Class names, indexed by ``target``: the game-theoretic outcome for the
#: first player (``x``), in increasing order.
TARGET_NAMES = np.array(["loss", "draw", "win"], dtype=object)
#: The ordinal code of a cell: the first player's stone +1, the opponent's -1.
CELL_CODES = {"x": 1.0, "b": 0.0, "o": -1.0}
_ONE_HOT_ORDER = ["b", "o", "x"]

DESCR = """\
Connect-4 data
--------------

All 67,557 legal 8-ply positions of Connect-4 in which neither player has
won yet and the next move is not forced. Each row gives the 42 cells
``a1..g6`` (``a1`` is the bottom of the leftmost column), each ``b``
(blank), ``x`` (first player) or ``o`` (second player), and the
game-theoretic outcome for the first player: win 44,473, loss 16,635,
draw 6,449.

Source: UCI Machine Learning Repository,
https://archive.ics.uci.edu/dataset/26/connect+4 (the ASSS paper's
``connect-4``, via KEEL, which lists it with 42 features).
"""


def _from_uci_original(paths):
    """The text of ``connect-4.data.gz`` from UCI's ``connect-4.data.Z``: the same
    rows in the same format, with Unix line ends."""
    (path,) = paths
    lines = decompress_lzw(path.read_bytes()).decode("ascii").splitlines()
    return ("\n".join(line.strip() for line in lines if line.strip()) + "\n").encode("ascii")


#: The known file: UCI's ``connect-4.data``, gzip-compressed instead of
#: ``.Z``-compressed; a download fetches the ``.Z`` original and converts it.
KNOWN_FILE = KnownFile(
    filename=FILENAME,
    size=313_095,
    sha256="076616cea340a3ee0255264799be020d4545192b1bf3dfbc0fbeaa2e28d146a8",
    content_sha256="063152e6eadbb424c7ef4645df76e493a43812edd9c992400983da4fa54f8cba",
    loader="load_connect4",
    remotes=(Remote(_UCI_FILE),),
    convert=_from_uci_original,
    source=f"UCI's connect-4.data.Z, {URL}.",
)


def load_connect4(
    *,
    data_home=None,
    encoding="ordinal",
    return_X_y=False,
    as_frame=False,
    download_if_missing=True,
):
    """Load the UCI Connect-4 data set (classification).

    =================   ===================================
    Classes                                               3
    Samples total                                    67,557
    Features            42 (ordinal) or 126 (``"onehot"``)
    =================   ===================================

    The file ``connect-4.data.gz`` (UCI format, no header) is read from
    :func:`get_data_home` (`data_home`, else the directory named by
    ``SKLEARN_ASSS_DATA``, else ``~/sklearn_asss_data``).

    **Verification and download.** The file is checked before it is read: it
    must be the known file (size and SHA-256) or a gzip file of the same
    content; a truncated, corrupt or different file raises a
    :class:`~sklearn_asss.datasets.DataFileError` that says what is wrong and
    what to do. When the file is absent and `download_if_missing` is True,
    UCI's original ``connect-4.data.Z`` is downloaded, decompressed, checked
    against the known content, and written gzip-compressed and atomically into
    the data directory, where later calls find it. The environment variable
    ``SKLEARN_ASSS_DATA_URL`` replaces the UCI address by a mirror holding a
    file of the same name.

    **Encoding.** With ``encoding="ordinal"`` (the default) each cell is one
    number: ``x`` (first player) = +1, ``b`` (blank) = 0, ``o`` = -1, giving
    the 42 features the ASSS paper reports. With ``encoding="onehot"`` each
    cell becomes three 0/1 columns ``"<cell>_b"``, ``"<cell>_o"``,
    ``"<cell>_x"`` (126 in all). With ``as_frame=True`` the cells stay the
    strings ``"b"``, ``"x"``, ``"o"`` and `encoding` is not used.

    The classes become ``target`` 0 = loss, 1 = draw, 2 = win (for the first
    player), so that ``target_names[target]`` is the class name.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Directory holding the file; see :func:`get_data_home`.
    encoding : {"ordinal", "onehot"}, default="ordinal"
        How the cells become numbers when ``as_frame=False``.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame of the 42 cells as strings,
        ``target`` a Series, and the Bunch has a ``frame`` holding both.
    download_if_missing : bool, default=True
        If True, download the file when it is absent (like scikit-learn's
        ``fetch_*`` functions); if False, raise a FileNotFoundError instead.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : {ndarray of shape (67557, 42) or (67557, 126), DataFrame}
            The cells, float64 when a NumPy array.
        target : {ndarray, Series} of shape (67557,)
            Class codes 0 = loss, 1 = draw, 2 = win (int64).
        target_names : ndarray of shape (3,)
            ``["loss", "draw", "win"]``.
        feature_names : list of str
            ``["a1", ..., "g6"]``, or ``["a1_b", "a1_o", "a1_x", ...]``.
        frame : DataFrame of shape (67557, 43)
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
    >>> from sklearn_asss.datasets import load_connect4
    >>> X, y = load_connect4(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, sorted(set(X.ravel()))  # doctest: +SKIP
    ((67557, 42), [-1.0, 0.0, 1.0])
    """
    if encoding not in ("ordinal", "onehot"):
        raise ValueError(f"encoding must be 'ordinal' or 'onehot'; got {encoding!r}.")
    path = data_file(KNOWN_FILE, data_home, download_if_missing=download_if_missing)
    raw = pd.read_csv(path, header=None, names=[*FEATURE_NAMES, "class"], dtype=str)
    cells = raw[FEATURE_NAMES]
    unknown = sorted(set(pd.unique(cells.to_numpy().ravel())) - set(CELL_CODES), key=str)
    if unknown:
        raise ValueError(f"{path}: unexpected cell values {unknown}; expected b, x, o.")
    codes = pd.Categorical(raw["class"], categories=list(TARGET_NAMES)).codes
    if (codes < 0).any():
        bad = sorted(set(raw["class"][codes < 0]), key=str)
        raise ValueError(f"{path}: unexpected classes {bad}; expected win, loss, draw.")
    target = pd.Series(codes.astype(np.int64), name="class")
    frame = None
    if as_frame:
        data, feature_names = cells.astype(str), list(FEATURE_NAMES)
        frame = pd.concat([data, target], axis=1)
    else:
        data, feature_names = _encode(cells.to_numpy(dtype=str), encoding)
        target = target.to_numpy()
    return _loader_output(
        data,
        target,
        return_X_y=return_X_y,
        frame=frame,
        target_names=TARGET_NAMES.copy(),
        feature_names=feature_names,
        DESCR=DESCR,
    )


def _encode(cells, encoding):
    if encoding == "ordinal":
        data = np.zeros(cells.shape, dtype=np.float64)
        for value, code in CELL_CODES.items():
            data[cells == value] = code
        return data, list(FEATURE_NAMES)
    blocks = np.stack([cells == value for value in _ONE_HOT_ORDER], axis=2)
    names = [f"{cell}_{value}" for cell in FEATURE_NAMES for value in _ONE_HOT_ORDER]
    return blocks.reshape(len(cells), -1).astype(np.float64), names


__all__ = ["load_connect4"]
