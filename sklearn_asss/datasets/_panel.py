"""The panel: six smaller public tables for checking defaults beyond the paper's data."""

import numpy as np
import pandas as pd

from ._bunch import _numeric_output
from ._files import KnownFile, data_file

#: The names of the panel tables, for :func:`load_panel`.
PANEL_DATASETS = ("optdigits", "ring", "texture", "phoneme", "marketing", "spambase")

KEEL_URL = "https://sci2s.ugr.es/keel/datasets.php"

#: (size, SHA-256 of the gzip file, SHA-256 of its content) of each known file.
_CHECKSUMS = {
    "optdigits": (
        165_662,
        "2bdbba6156bbe984663b9b55276d490a96e9f41a554b50d00c4dc1cf9f7f9e40",
        "eb28fe5b871b910eb69832393e5a8c8d94994836a2b2da9b3c31bf98b6981939",
    ),
    "ring": (
        320_166,
        "1e50f9b1fee1dca0f2892c6bf633ed0fe2619b5c57d0f6a47c62930417379b7e",
        "a03633028e514a75f3616640ae55654df4e39e0594eb9bab5121fef5383d86da",
    ),
    "texture": (
        390_882,
        "764bca8c1d0fe897ee42583672af0b20ef422bf9c8b56a265e496bba955faecb",
        "36cc7f86ee69e7fe73cac026ac10f69c133f2494cd38dce532a13982560c0640",
    ),
    "phoneme": (
        59_613,
        "6d02b003e784d5ec8886e08455ee893fadb9c471d5565203a5a96e7f9fe8e334",
        "fd0688a9fc21ec90eef85fc2c78cca22d4de96c195c57a5a5b6ffb69584e9edf",
    ),
    "marketing": (
        34_463,
        "22ffec35cd88a61c2f5bddb02be40848a8310ad0c0752204c393c1871968e736",
        "0fb1eddb23d8c91de34b83e38c00fcecf41caec100a1d3e29c0e66d60fb88fd8",
    ),
    "spambase": (
        129_928,
        "8391ed456c279b8dad8bdaf67e796bfc9ffd71a6f5076a78b43bc99bc37af008",
        "4a7c94d539a977f2852ff6f3918ea91c7b03ad19192e6ce84d13f21abcd59098",
    ),
}

#: The known files. There is no public download in this format: the tables
#: are KEEL's, converted to CSV, so a missing file must be put there by hand.
KNOWN_FILES = {
    name: KnownFile(
        filename=f"panel/{name}.csv.gz",
        size=size,
        sha256=sha256,
        content_sha256=content_sha256,
        loader="load_panel",
        source=(
            f"the panel tables are converted from the KEEL data set repository "
            f"({KEEL_URL}) to a gzip CSV with the header x0..x<d-1>,class (see the data "
            f"directory's README.md); copy panel/{name}.csv.gz from a data directory "
            f"that has it."
        ),
    )
    for name, (size, sha256, content_sha256) in _CHECKSUMS.items()
}

_DESCR = """\
Panel table {name!r}
{underline}

One of six smaller public classification tables (optdigits, ring, texture,
phoneme, marketing, spambase; 4,597 to 7,400 rows) used to check that
defaults chosen on the ASSS paper's large data sets hold on other tables.
All columns are numeric; ``target`` holds the file's class values.

Source: the KEEL data set repository, {url} (public copies of the UCI
originals), as gzip CSV files with the header ``x0..x<d-1>,class``.
"""


def load_panel(name, *, data_home=None, return_X_y=False, as_frame=False):
    """Load one of the six panel tables (classification).

    ============  =====  ========  =======
    name          rows   features  classes
    ============  =====  ========  =======
    optdigits     5,620  64        10
    ring          7,400  20        2
    texture       5,500  40        11
    phoneme       5,404  5         2
    marketing     6,876  13        9
    spambase      4,597  57        2
    ============  =====  ========  =======

    The file ``panel/<name>.csv.gz`` (CSV with header ``x0..x<d-1>,class``) is
    read from :func:`get_data_home` (`data_home`, else the directory named by
    ``SKLEARN_ASSS_DATA``, else ``~/sklearn_asss_data``). It is checked before
    it is read: it must be the known file (size and SHA-256) or a gzip file of
    the same content; a truncated, corrupt or different file raises a
    :class:`~sklearn_asss.datasets.DataFileError` saying what is wrong and what
    to do. There is no download: the tables are KEEL's converted to CSV, and a
    missing file raises a FileNotFoundError saying where to put it.

    Parameters
    ----------
    name : str
        One of :data:`PANEL_DATASETS`.
    data_home : str or path-like, default=None
        Directory holding the ``panel`` folder; see :func:`get_data_home`.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame, ``target`` a Series, and the Bunch
        has a ``frame`` holding both.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : {ndarray, DataFrame} of shape (n_samples, n_features)
            The features, float64.
        target : {ndarray, Series} of shape (n_samples,)
            The file's class values (int64).
        target_names : ndarray of shape (n_classes,)
            The sorted class values.
        feature_names : list of str
            ``["x0", ..., "x<d-1>"]``.
        frame : DataFrame of shape (n_samples, n_features + 1)
            Only with ``as_frame=True``: ``data`` and a ``"class"`` column.
        DESCR : str
            Description of the table.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    ValueError
        If `name` is not one of :data:`PANEL_DATASETS`.
    FileNotFoundError
        If the file is absent, naming the file, the directory and the source.
    DataFileError
        If the file is damaged.

    Examples
    --------
    >>> from sklearn_asss.datasets import load_panel
    >>> X, y = load_panel("phoneme", return_X_y=True)  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((5404, 5), [0, 1])
    """
    if not isinstance(name, str) or name not in KNOWN_FILES:
        raise ValueError(f"name must be one of {PANEL_DATASETS}; got {name!r}.")
    path = data_file(KNOWN_FILES[name], data_home)
    raw = pd.read_csv(path)
    feature_names = [column for column in raw.columns if column != "class"]
    data = raw[feature_names].astype(np.float64)
    target = raw["class"].astype(np.int64)
    return _numeric_output(
        data,
        target,
        as_frame=as_frame,
        return_X_y=return_X_y,
        target_names=np.unique(target),
        feature_names=feature_names,
        DESCR=_DESCR.format(name=name, underline="-" * (len(name) + 14), url=KEEL_URL),
    )


__all__ = ["PANEL_DATASETS", "load_panel"]
