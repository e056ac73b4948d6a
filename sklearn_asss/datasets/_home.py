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
    when it is set and not empty, else ``~/sklearn_asss_data``. This function
    creates nothing; a loader called with ``download_if_missing=True``
    downloads its missing file into this directory (creating it if needed).

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
