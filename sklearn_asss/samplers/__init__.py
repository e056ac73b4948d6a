"""Baseline samplers ASSS is measured against."""

from ._random import RandomSampler

__all__ = ["RandomSampler"]
