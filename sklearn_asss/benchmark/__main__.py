"""``python -m sklearn_asss.benchmark``: run a study (no argument: the digits demo)."""

import sys

from ._cli import main

if __name__ == "__main__":
    sys.exit(main())
