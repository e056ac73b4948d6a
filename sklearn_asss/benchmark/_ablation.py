"""ASSSSampler with its selection probabilities replaced: what does the selector add?

The ablation of the experiment: the same game, budgets and retrieval rule, but
the retrieval draws by another per-row score than the selector's ``p``. It
lives in the experiment layer, not in the package's API.
"""

import inspect

import numpy as np
import torch
from sklearn.utils._param_validation import StrOptions

from .. import ASSSSampler
from ..nn._utils import eval_no_grad, inference_batches

#: ``ablation`` values: the score the retrieval draws by instead of ``p``.
ABLATIONS = ("selector", "constant", "final_confidence")


class ScoreAblationASSS(ASSSSampler):
    """:class:`~sklearn_asss.ASSSSampler` whose retrieval uses another score than ``p``.

    Parameters
    ----------
    ablation : {"selector", "constant", "final_confidence"}, default="constant"
        ``"selector"`` is ASSSSampler itself; ``"constant"`` draws every row
        of a cluster alike (the budgets and clusters alone); and
        ``"final_confidence"`` draws in proportion to the probability the
        game's final task network gives each row's label (the softmax
        output of C, a plain loss score: ``exp(-loss)``).
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

    def _retrieve(self, X_std, p, y_encoded, budgets, random_state):
        if self.ablation == "constant":
            p = np.ones_like(p)
        elif self.ablation == "final_confidence":
            p = self._label_confidence(X_std, y_encoded)
        return super()._retrieve(X_std, p, y_encoded, budgets, random_state)

    def _label_confidence(self, X_std, y_encoded):
        """``softmax(C(x))[y]`` of every row under the game's final task network."""
        module = self.net_.module_
        labels = torch.as_tensor(y_encoded, dtype=torch.long)
        with eval_no_grad(module):
            parts = [
                torch.softmax(module(X_batch), dim=1)
                .gather(1, y_batch.long().unsqueeze(1))
                .squeeze(1)
                .cpu()
                for _, X_batch, y_batch in inference_batches(
                    X_std, labels, device=self.net_.device
                )
            ]
        return torch.cat(parts).numpy().astype(np.float64)


def _with_ablation_parameter(init):
    """ASSSSampler's signature plus ``ablation``, so that scikit-learn sees every parameter."""
    parent = inspect.signature(ASSSSampler.__init__).parameters.values()
    own = inspect.signature(init).parameters["ablation"]
    init.__signature__ = inspect.Signature([*parent, own])
    return init


# scikit-learn reads parameter names from the signature of __init__; **params hides them
ScoreAblationASSS.__init__ = _with_ablation_parameter(ScoreAblationASSS.__init__)
