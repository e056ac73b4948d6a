"""Everything torch: modules, the relaxation, the objectives and the skorch nets."""

from ._modules import SelectorMLP, TaskMLP
from ._net import SelectionCollapseWarning, SoftSelectionNet
from ._scores import logit_margin
from ._train import fit_task_classifier, make_task_classifier
from ._utils import BatchIterator

__all__ = [
    "BatchIterator",
    "SelectionCollapseWarning",
    "SelectorMLP",
    "SoftSelectionNet",
    "TaskMLP",
    "fit_task_classifier",
    "logit_margin",
    "make_task_classifier",
]
