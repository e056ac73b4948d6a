"""ASSSSampler with its selection probabilities replaced: what does the selector add?

The ablation of the experiment: the same game, budgets and retrieval rule, but
the retrieval draws by another per-row score than the one ``rank_by`` chooses.
It lives in the experiment layer, not in the package's API.
"""

import inspect

import numpy as np
from sklearn.utils._param_validation import StrOptions

from .. import ASSSSampler
from .._asss import _label_confidence

#: ``ablation`` values: the score the retrieval draws by instead of ``p``.
ABLATIONS = ("selector", "constant", "final_confidence")


class ScoreAblationASSS(ASSSSampler):
    """:class:`~sklearn_asss.ASSSSampler` whose retrieval uses another score than ``p``.

    Parameters
    ----------
    ablation : {"selector", "constant", "final_confidence"}, default="constant"
        ``"selector"`` is ASSSSampler itself (its ``rank_by``);
        ``"constant"`` draws every row of a cluster alike (the budgets and
        clusters alone); and
        ``"final_confidence"`` draws in proportion to the probability the
        game's final task network gives each row's label (the softmax
        output of C, ``exp(-task_losses_)``: a plain loss score).
    **params
        Every parameter of :class:`~sklearn_asss.ASSSSampler`.
    """

    _parameter_constraints: dict = {
        **ASSSSampler._parameter_constraints,
        "ablation": [StrOptions(set(ABLATIONS))],
    }

    def __init__(self, *, ablation="constant", **params):
        super().__init__(**params)
        self.ablation = ablation

    def _ranking(self, p, task_losses):
        if self.ablation == "constant":
            return np.ones_like(p)
        if self.ablation == "final_confidence":
            return _label_confidence(task_losses)
        return super()._ranking(p, task_losses)


def _with_ablation_parameter(init):
    """ASSSSampler's signature plus ``ablation``, so that scikit-learn sees every parameter."""
    parent = inspect.signature(ASSSSampler.__init__).parameters.values()
    own = inspect.signature(init).parameters["ablation"]
    init.__signature__ = inspect.Signature([*parent, own])
    return init


# scikit-learn reads parameter names from the signature of __init__; **params hides them
ScoreAblationASSS.__init__ = _with_ablation_parameter(ScoreAblationASSS.__init__)
