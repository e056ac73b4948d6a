"""scikit-learn's and imbalanced-learn's estimator checks on every public sampler."""

from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import (
    parametrize_with_checks as sklearn_parametrize_with_checks,
)

import sklearn_asss
from sklearn_asss import BaseSubsampler

# small networks and few epochs: the checks fit hundreds of times on tiny data
_QUICK = {
    "ASSSSampler": dict(
        max_epochs=1, warmup_epochs=1, batch_size=64, hidden_layer_sizes=(16,),
        selector_hidden_layer_sizes=(8, 8),
    ),
    "MarginSampler": dict(warmup_epochs=1),
    "GradientMatchingSampler": dict(warmup_epochs=1),
}


def _public_samplers():
    samplers = []
    for name in sklearn_asss.__all__:
        obj = getattr(sklearn_asss, name)
        if isinstance(obj, type) and issubclass(obj, BaseSubsampler) and obj is not BaseSubsampler:
            samplers.append(obj(random_state=0, **_QUICK.get(name, {})))
    return samplers


SAMPLERS = _public_samplers()


def test_every_public_sampler_is_checked():
    assert {type(s).__name__ for s in SAMPLERS} >= {"ASSSSampler", "RandomSampler"}


@imblearn_parametrize_with_checks(SAMPLERS)
def test_imblearn_estimator_checks(estimator, check):
    check(estimator)


@sklearn_parametrize_with_checks(SAMPLERS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
