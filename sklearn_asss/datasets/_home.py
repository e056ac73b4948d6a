"""Where the loaders look for their files."""

import os
from pathlib import Path

#: Environment variable naming the directory that holds the data files.
DATA_ENV_VAR = "SKLEARN_ASSS_DATA"

_DEFAULT_HOME = "~/sklearn_asss_data"


def get_data_home(data_home=None):
    """Return the directory the data set loaders read their files from.

    The directory is, in order of precedence: `data_home` when given, else
    the directory named by the environment variable ``SKLEARN_ASSS_DATA``
    when it is set and not empty, else ``~/sklearn_asss_data``. Nothing is
    created or downloaded: the loaders only read files already there (except
    :func:`load_kddcup99`, which can fall back to scikit-learn's download).

    Parameters
    ----------
    data_home : str or path-like, default=None
        The directory to use. ``~`` is expanded.

    Returns
    -------
    data_home : pathlib.Path
        The directory, with ``~`` expanded. It may not exist.

    Examples
    --------
    >>> from sklearn_asss.datasets import get_data_home
    >>> str(get_data_home("/tmp/my_data"))
    '/tmp/my_data'
    """
    if data_home is None:
        data_home = os.environ.get(DATA_ENV_VAR) or _DEFAULT_HOME
    if not isinstance(data_home, (str, os.PathLike)):
        raise TypeError(
            f"data_home must be a str or a path-like object; got {type(data_home).__name__}."
        )
    return Path(data_home).expanduser()


def _data_file(filename, data_home, *, loader, url):
    """Path of `filename` in the data home; a clear FileNotFoundError if missing."""
    home = get_data_home(data_home)
    path = home / filename
    if not path.is_file():
        raise FileNotFoundError(_missing_message(filename, home, loader=loader, url=url))
    return path


def _missing_message(filename, home, *, loader, url):
    return (
        f"{loader} needs the file {filename!r} in the data directory {str(home)!r}, "
        f"which does not contain it. Download it from {url} and put it there, or pass "
        f"data_home=<directory holding {filename}>, or set the environment variable "
        f"{DATA_ENV_VAR} to that directory."
    )
