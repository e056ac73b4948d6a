"""Loaders for the ASSS paper's real data sets, in scikit-learn's style.

The files are read from a data directory: ``data_home`` when given, else the
directory named by the environment variable ``SKLEARN_ASSS_DATA`` (see
:func:`get_data_home`). Each file is verified (size and SHA-256) before it is
read; a missing file is downloaded from its public source when the loader is
called with ``download_if_missing=True`` (the default, as in scikit-learn's
``fetch_*`` functions), except for the panel tables, which have no public
download in their format. Nothing is copied into the package.
"""

from ._connect4 import load_connect4
from ._files import DataFileError
from ._home import get_data_home
from ._kddcup import load_kddcup99
from ._panel import PANEL_DATASETS, load_panel
from ._shuttle import load_shuttle

__all__ = [
    "PANEL_DATASETS",
    "DataFileError",
    "get_data_home",
    "load_connect4",
    "load_kddcup99",
    "load_panel",
    "load_shuttle",
]
