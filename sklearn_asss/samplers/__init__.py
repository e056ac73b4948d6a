"""Baseline samplers ASSS is measured against."""

from ._gradient_matching import GradientMatchingSampler
from ._kmeans import KMeansSampler
from ._margin import MarginSampler
from ._nn_thinning import NNThinningSampler
from ._random import RandomSampler

__all__ = [
    "GradientMatchingSampler",
    "KMeansSampler",
    "MarginSampler",
    "NNThinningSampler",
    "RandomSampler",
]
