"""Pictures of what a subsampler selected and of how ASSS trained.

matplotlib is an optional dependency (``pip install "sklearn-asss[plot]"``):
it is imported when a picture is drawn, not when this module is imported.
"""

from ._history import plot_history
from ._selection_display import SelectionDisplay

__all__ = ["SelectionDisplay", "plot_history"]
