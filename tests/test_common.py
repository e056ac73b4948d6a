"""scikit-learn's and imbalanced-learn's estimator checks on every public sampler.

The samplers are discovered, not listed: every concrete subclass of
:class:`~sklearn_asss.BaseSubsampler` defined anywhere in the package (all of
its modules imported first) is checked, and must be exported from
``sklearn_asss``, so that a new sampler cannot escape the checks. The experiment
layer's own samplers (``sklearn_asss.benchmark``, e.g. its ablation of ASSS) are
checked too, but are not part of the public API.
"""

import importlib
import inspect
import pkgutil

import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import (
    parametrize_with_checks as sklearn_parametrize_with_checks,
)

import sklearn_asss
from sklearn_asss import BaseSubsampler

# small networks and few epochs: the checks fit hundreds of times on tiny data
_QUICK_ASSS = dict(
    max_epochs=1, warmup_epochs=1, batch_size=64, hidden_layer_sizes=(16,),
    selector_hidden_layer_sizes=(8, 8),
)
_QUICK = {
    "ASSSSampler": _QUICK_ASSS,
    "ScoreAblationASSS": dict(_QUICK_ASSS, ablation="final_confidence"),
    "MarginSampler": dict(warmup_epochs=1),
    "GradientMatchingSampler": dict(warmup_epochs=1),
    "CoverageCentricSampler": dict(warmup_epochs=1),
    "CleanlabSampler": dict(cv=2, max_epochs=1, hidden_layer_sizes=(16,)),
}
# samplers defined here serve the experiment only and are not exported
_EXPERIMENT_LAYER = "sklearn_asss.benchmark."
# optional dependencies a sampler needs at fit: its checks are skipped without them
_OPTIONAL_DEPENDENCIES = {"CleanlabSampler": "cleanlab"}


def _import_every_module():
    for module in pkgutil.walk_packages(sklearn_asss.__path__, prefix="sklearn_asss."):
        importlib.import_module(module.name)


def _all_subclasses(cls):
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _all_subclasses(subclass)


def _sampler_classes():
    """Every concrete BaseSubsampler subclass defined in the package, by name."""
    _import_every_module()
    classes = {
        cls
        for cls in _all_subclasses(BaseSubsampler)
        if cls.__module__.startswith("sklearn_asss.") and not inspect.isabstract(cls)
    }
    return sorted(classes, key=lambda cls: cls.__name__)


SAMPLER_CLASSES = _sampler_classes()
SAMPLERS = [cls(random_state=0, **_QUICK.get(cls.__name__, {})) for cls in SAMPLER_CLASSES]


def test_every_sampler_is_discovered_and_exported():
    names = {cls.__name__ for cls in SAMPLER_CLASSES}
    assert names >= {"ASSSSampler", "RandomSampler", "DeduplicateSampler", "CleanlabSampler"}
    for cls in SAMPLER_CLASSES:
        if cls.__module__.startswith(_EXPERIMENT_LAYER):
            continue
        assert cls.__name__ in sklearn_asss.__all__, f"{cls.__name__} is not exported"
        assert getattr(sklearn_asss, cls.__name__) is cls


def _skip_without_optional_dependency(estimator):
    dependency = _OPTIONAL_DEPENDENCIES.get(type(estimator).__name__)
    if dependency is not None:
        pytest.importorskip(dependency)


@imblearn_parametrize_with_checks(SAMPLERS)
def test_imblearn_estimator_checks(estimator, check):
    _skip_without_optional_dependency(estimator)
    check(estimator)


@sklearn_parametrize_with_checks(SAMPLERS)
def test_sklearn_estimator_checks(estimator, check):
    _skip_without_optional_dependency(estimator)
    check(estimator)
