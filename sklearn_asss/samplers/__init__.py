"""Baseline samplers ASSS is measured against."""

from ._cleanlab import CleanlabSampler
from ._coverage_centric import CoverageCentricSampler
from ._deduplicate import DeduplicateSampler
from ._gradient_matching import GradientMatchingSampler
from ._kmeans import KMeansSampler
from ._margin import MarginSampler
from ._nn_thinning import NNThinningSampler
from ._random import RandomSampler

__all__ = [
    "CleanlabSampler",
    "CoverageCentricSampler",
    "DeduplicateSampler",
    "GradientMatchingSampler",
    "KMeansSampler",
    "MarginSampler",
    "NNThinningSampler",
    "RandomSampler",
]
