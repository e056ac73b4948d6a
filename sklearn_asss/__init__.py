"""Task-aware data subsampling for scikit-learn and imbalanced-learn."""

from ._asss import ASSSSampler
from ._base import BaseSubsampler
from ._selection import class_budgets, select_subset
from .samplers import (
    CleanlabSampler,
    CoverageCentricSampler,
    DeduplicateSampler,
    GradientMatchingSampler,
    KMeansSampler,
    MarginSampler,
    NNThinningSampler,
    RandomSampler,
)

__version__ = "0.1.0.dev0"

__all__ = [
    "ASSSSampler",
    "BaseSubsampler",
    "CleanlabSampler",
    "CoverageCentricSampler",
    "DeduplicateSampler",
    "GradientMatchingSampler",
    "KMeansSampler",
    "MarginSampler",
    "NNThinningSampler",
    "RandomSampler",
    "class_budgets",
    "select_subset",
    "__version__",
]
