"""KDD Cup 1999 (the "10 percent" training file and the "corrected" test file)."""

import numpy as np
import pandas as pd

from ._bunch import _loader_output
from ._files import KnownFile, Remote, data_file
from ._home import get_data_home

FILENAMES = {"train": "kddcup.data_10_percent.gz", "test": "kddcup.corrected.gz"}
URL = "https://kdd.ics.uci.edu/databases/kddcup99/kddcup99.html"
_UCI_FILES = "https://archive.ics.uci.edu/ml/machine-learning-databases/kddcup99-mld"

#: The known files: UCI's own gzip files (their gzip headers name
#: ``kddcup.data_10_percent``, 2007-06-26, and ``corrected``, 2000-05-16);
#: UCI's ``corrected.gz`` is saved as ``kddcup.corrected.gz``.
KNOWN_FILES = {
    "train": KnownFile(
        filename=FILENAMES["train"],
        size=2_144_893,
        sha256="7bfaa8cef1350f72842018c32893e2fa4539d57efbb22f998eb74ecefc3da3b4",
        content_sha256="f8c8267ebcd9c0ed1fd7d6277fe5bfff8732e9b7db8e61b873542b2a534b6f9a",
        loader="load_kddcup99",
        remotes=(Remote(f"{_UCI_FILES}/kddcup.data_10_percent.gz"),),
        source=f"the UCI KDD archive, {URL}.",
    ),
    "test": KnownFile(
        filename=FILENAMES["test"],
        size=1_409_035,
        sha256="74f0daef49b242badc09f2adbd457dea6a45b4f77177efbd11216d333651044b",
        content_sha256="547dfb9c0f0dc1d9944219ec79e851191faebaeb8acbfa1cd171c418397052a4",
        loader="load_kddcup99",
        remotes=(Remote(f"{_UCI_FILES}/corrected.gz"),),
        source=f"the UCI KDD archive, {URL}.",
    ),
}

FEATURE_NAMES = [
    "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes", "land",
    "wrong_fragment", "urgent", "hot", "num_failed_logins", "logged_in",
    "num_compromised", "root_shell", "su_attempted", "num_root", "num_file_creations",
    "num_shells", "num_access_files", "num_outbound_cmds", "is_host_login",
    "is_guest_login", "count", "srv_count", "serror_rate", "srv_serror_rate",
    "rerror_rate", "srv_rerror_rate", "same_srv_rate", "diff_srv_rate",
    "srv_diff_host_rate", "dst_host_count", "dst_host_srv_count",
    "dst_host_same_srv_rate", "dst_host_diff_srv_rate", "dst_host_same_src_port_rate",
    "dst_host_srv_diff_host_rate", "dst_host_serror_rate", "dst_host_srv_serror_rate",
    "dst_host_rerror_rate", "dst_host_srv_rerror_rate",
]  # fmt: skip

#: The categories of the three string columns in the training file, in the
#: order of the one-hot columns. Fixed here so that both subsets get the same
#: columns; a category absent from this list (the test file's service
#: ``icmp``) is encoded as all zeros in its group.
CATEGORIES = {
    "protocol_type": ["icmp", "tcp", "udp"],
    "service": [
        "IRC", "X11", "Z39_50", "auth", "bgp", "courier", "csnet_ns", "ctf", "daytime",
        "discard", "domain", "domain_u", "echo", "eco_i", "ecr_i", "efs", "exec",
        "finger", "ftp", "ftp_data", "gopher", "hostnames", "http", "http_443", "imap4",
        "iso_tsap", "klogin", "kshell", "ldap", "link", "login", "mtp", "name",
        "netbios_dgm", "netbios_ns", "netbios_ssn", "netstat", "nnsp", "nntp", "ntp_u",
        "other", "pm_dump", "pop_2", "pop_3", "printer", "private", "red_i",
        "remote_job", "rje", "shell", "smtp", "sql_net", "ssh", "sunrpc", "supdup",
        "systat", "telnet", "tftp_u", "tim_i", "time", "urh_i", "urp_i", "uucp",
        "uucp_path", "vmnet", "whois",
    ],
    "flag": ["OTH", "REJ", "RSTO", "RSTOS0", "RSTR", "S0", "S1", "S2", "S3", "SF", "SH"],
}  # fmt: skip

#: Non-negative count and byte columns with a heavy tail (maximum above 10 in
#: the training file, up to 693 million for ``src_bytes``): ``log_scale=True``
#: replaces them by ``log1p``.
LOG_SCALED_COLUMNS = [
    "duration", "src_bytes", "dst_bytes", "hot", "num_compromised", "num_root",
    "num_file_creations", "count", "srv_count", "dst_host_count", "dst_host_srv_count",
]  # fmt: skip

_NUMERIC = [name for name in FEATURE_NAMES if name not in CATEGORIES]

DESCR = """\
KDD Cup 1999 intrusion detection data
-------------------------------------

Network connection records labelled ``normal`` or with one of 22 attack
types (training file) or 37 (test file). The "10 percent" training file has
494,021 rows, 41 features and 23 extremely imbalanced classes (``smurf``
280,790 rows, ``neptune`` 107,201, ``normal`` 97,278, ..., ``spy`` 2). About
70% of its rows are exact duplicates of another row. The "corrected" test
file has 311,029 rows and attack types absent from the training file.

Features: 38 numeric (counts, bytes, flags and rates) and 3 strings
(``protocol_type``, ``service``, ``flag``). The labels lose their final dot
(``"smurf."`` becomes ``"smurf"``).

Source: UCI KDD Archive, https://kdd.ics.uci.edu/databases/kddcup99/kddcup99.html
(the ASSS paper's ``kddcup``, via KEEL).
"""


def load_kddcup99(
    *,
    data_home=None,
    subset="train",
    return_X_y=False,
    as_frame=False,
    log_scale=True,
    download_if_missing=True,
):
    """Load the KDD Cup 1999 intrusion detection data (classification).

    =================   ==========================================
    Classes             23 (``subset="train"``), 38 (``"test"``)
    Samples total       494,021 (``"train"``), 311,029 (``"test"``)
    Features            118 one-hot encoded (41 raw, 3 of them strings)
    =================   ==========================================

    The file ``kddcup.data_10_percent.gz`` (or ``kddcup.corrected.gz`` for
    ``subset="test"``) is read from :func:`get_data_home` (`data_home`, else
    the directory named by ``SKLEARN_ASSS_DATA``, else ``~/sklearn_asss_data``).

    **Verification and download.** The file is checked before it is read: it
    must be the known file (size and SHA-256) or a gzip file of the same
    content; a truncated, corrupt or different file raises a
    :class:`~sklearn_asss.datasets.DataFileError` that says what is wrong and
    what to do. When the file is absent and `download_if_missing` is True,
    UCI's ``kddcup.data_10_percent.gz`` (or ``corrected.gz``, saved as
    ``kddcup.corrected.gz``) is downloaded from
    ``https://archive.ics.uci.edu/ml/machine-learning-databases/kddcup99-mld/``,
    checked, and written atomically into the data directory, where later calls
    find it. The environment variable ``SKLEARN_ASSS_DATA_URL`` replaces that
    address by a mirror holding files of the same names.

    **Encoding.** With ``as_frame=False`` (the default) the three string
    columns ``protocol_type``, ``service`` and ``flag`` are one-hot encoded
    into 3 + 66 + 11 columns named ``"<column>_<category>"``, appended after
    the 38 numeric columns (118 columns in all). The categories are those of
    the training file, the same for both subsets; a category the training
    file lacks (the test file's service ``icmp``) is all zeros in its group.
    With ``as_frame=True`` the three columns stay strings, in their original
    places among the 41 columns, for a ``ColumnTransformer`` of your own.

    **Log scaling.** With ``log_scale=True`` (the default) the eleven
    heavy-tailed count and byte columns listed in ``LOG_SCALED_COLUMNS``
    (``duration``, ``src_bytes``, ``dst_bytes``, ``count``, ...) are replaced
    by ``log1p`` of their values. Raw byte counts reach 7e8; even after
    standardisation they leave most rows at tiny values whose float32
    products underflow into denormal numbers, which once made training a
    network on this data 60 times slower, and they let a handful of rows
    dominate the scale. Pass ``log_scale=False`` for the raw values.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Directory holding the file; see :func:`get_data_home`.
    subset : {"train", "test"}, default="train"
        ``"train"``: the "10 percent" training file. ``"test"``: the labelled
        "corrected" test file.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a DataFrame with the 41 raw columns (three of them
        strings), ``target`` a Series, and the Bunch has a ``frame`` with both.
    log_scale : bool, default=True
        Replace the heavy-tailed count and byte columns by ``log1p``.
    download_if_missing : bool, default=True
        If True, download the file when it is absent (like scikit-learn's
        ``fetch_*`` functions); if False, raise a FileNotFoundError instead.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : {ndarray of shape (n_samples, 118), DataFrame of shape (n_samples, 41)}
            The features, float32 when a NumPy array.
        target : {ndarray, Series} of shape (n_samples,)
            The class names as strings (``"normal"``, ``"smurf"``, ...).
        target_names : ndarray of shape (n_classes,)
            The sorted class names present in the file.
        feature_names : list of str
            The names of the columns of ``data``.
        frame : DataFrame of shape (n_samples, 42)
            Only with ``as_frame=True``: ``data`` and a ``"label"`` column.
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
    >>> from sklearn_asss.datasets import load_kddcup99
    >>> kdd = load_kddcup99()  # doctest: +SKIP
    >>> kdd.data.shape  # doctest: +SKIP
    (494021, 118)
    >>> kdd.feature_names[38:41]  # doctest: +SKIP
    ['protocol_type_icmp', 'protocol_type_tcp', 'protocol_type_udp']
    """
    if subset not in FILENAMES:
        raise ValueError(f"subset must be 'train' or 'test'; got {subset!r}.")
    frame = _read_frame(data_home, subset, download_if_missing)
    if log_scale:
        frame[LOG_SCALED_COLUMNS] = np.log1p(frame[LOG_SCALED_COLUMNS])
    target = frame.pop("label")
    target_names = np.unique(target.to_numpy(dtype=object)).astype(object)
    if as_frame:
        data = frame
        feature_names = list(FEATURE_NAMES)
        full = pd.concat([data, target], axis=1)
    else:
        data, feature_names = _one_hot(frame)
        target = target.to_numpy(dtype=object)
        full = None
    return _loader_output(
        data,
        target,
        return_X_y=return_X_y,
        frame=full,
        target_names=target_names,
        feature_names=feature_names,
        DESCR=DESCR,
    )


def _read_frame(data_home, subset, download_if_missing):
    """The 41 raw columns (numeric as float64, strings as str) and ``label``."""
    path = data_file(KNOWN_FILES[subset], data_home, download_if_missing=download_if_missing)
    frame = pd.read_csv(path, header=None, names=[*FEATURE_NAMES, "label"])
    for name in CATEGORIES:
        frame[name] = frame[name].astype(str)
    frame[_NUMERIC] = frame[_NUMERIC].astype(np.float64)
    frame["label"] = frame["label"].astype(str).str.rstrip(".")
    return frame


def _one_hot(frame):
    """38 numeric columns, then the one-hot groups, as float32."""
    blocks = [frame[_NUMERIC].to_numpy(dtype=np.float32)]
    names = list(_NUMERIC)
    for column, categories in CATEGORIES.items():
        codes = pd.Index(categories).get_indexer(frame[column])
        block = np.zeros((len(frame), len(categories)), dtype=np.float32)
        known = codes >= 0
        block[np.flatnonzero(known), codes[known]] = 1.0
        blocks.append(block)
        names.extend(f"{column}_{category}" for category in categories)
    return np.hstack(blocks), names


__all__ = ["load_kddcup99", "get_data_home"]
