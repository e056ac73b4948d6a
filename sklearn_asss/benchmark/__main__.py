"""``python -m sklearn_asss.benchmark``: the ASSS paper's experiment, one command.

Run with ``--help`` for the options; with no argument it runs every
available method on scikit-learn's digits data (a few minutes on a laptop).
"""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
