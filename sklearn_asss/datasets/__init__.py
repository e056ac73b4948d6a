"""Loaders for the ASSS paper's real data sets, in scikit-learn's style.

The files are read from a data directory: ``data_home`` when given, else the
directory named by the environment variable ``SKLEARN_ASSS_DATA`` (see
:func:`get_data_home`). Nothing is copied into the package.
"""

from ._connect4 import load_connect4
from ._home import get_data_home
from ._kddcup import load_kddcup99
from ._shuttle import load_shuttle

__all__ = ["get_data_home", "load_connect4", "load_kddcup99", "load_shuttle"]
