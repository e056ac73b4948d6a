"""Everything torch: modules, the relaxation, the objectives and the skorch nets."""

from ._guards import FiniteTrainingCheck, TrainingDivergedError
from ._modules import SelectorMLP, TaskMLP
from ._net import SelectionCollapseWarning, SoftSelectionNet
from ._scores import logit_margin
from ._train import TaskClassifier, fit_task_classifier, make_task_classifier
from ._utils import BatchIterator, check_device

__all__ = [
    "BatchIterator",
    "FiniteTrainingCheck",
    "SelectionCollapseWarning",
    "SelectorMLP",
    "SoftSelectionNet",
    "TaskClassifier",
    "TaskMLP",
    "TrainingDivergedError",
    "check_device",
    "fit_task_classifier",
    "logit_margin",
    "make_task_classifier",
]
