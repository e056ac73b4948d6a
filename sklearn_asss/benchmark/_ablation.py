"""ASSSSampler with its selection probabilities replaced: what does the selector add?

The ablation of the experiment: the same game, budgets and retrieval rule, but
the retrieval draws by another per-row score than the one ``rank_by`` chooses.
It lives in the experiment layer, not in the package's API.
"""

import copy
import inspect

import numpy as np
import torch
from skorch.callbacks import Callback
from sklearn.utils._param_validation import StrOptions

from .. import ASSSSampler
from .._asss import _distinct_labelled_rows, _label_confidence
from ..nn._modules import per_sample_cross_entropy
from ..nn._utils import eval_no_grad, inference_batches

#: ``ablation`` values: the score the retrieval draws by instead of ``p``.
ABLATIONS = ("selector", "constant", "final_confidence", "warmup_confidence", "mean_confidence")
# the ablations scored by the task network as it was at the end of earlier epochs
_BY_EPOCH_STATES = ("warmup_confidence", "mean_confidence")


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
        output of C, ``exp(-task_losses_)``: a plain loss score);
        ``"warmup_confidence"`` draws by the same probability from the task
        network as it was at the end of the warm-up (``warmup_epochs`` of
        plain training, before the game): the plain loss score of a briefly
        trained model; and
        ``"mean_confidence"`` by that probability averaged over the task
        network's states at the end of every epoch, warm-up and game (the
        "confidence" of dataset cartography, Swayamdipta et al. 2020).
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

    def _build_net(self, *args, **kwargs):
        net = super()._build_net(*args, **kwargs)
        if self.ablation in _BY_EPOCH_STATES:
            if self.ablation == "warmup_confidence" and self.warmup_epochs < 1:
                raise ValueError('ablation="warmup_confidence" needs warmup_epochs >= 1.')
            net.set_params(callbacks=[*net.callbacks, ("epoch_states", _EpochStates())])
        return net

    def _score_every_row(self, X, X_std, y_encoded):
        p = super()._score_every_row(X, X_std, y_encoded)
        if self.ablation in _BY_EPOCH_STATES:
            states = dict(self.net_.callbacks_)["epoch_states"].pop_states()
            if self.ablation == "warmup_confidence":
                states = states[self.warmup_epochs - 1 : self.warmup_epochs]
            self.ablation_scores_ = _mean_label_confidence(
                self.net_.module_, states, X, X_std, y_encoded, self.net_.device
            )
        return p

    def _ranking(self, p, task_losses):
        if self.ablation == "constant":
            return np.ones_like(p)
        if self.ablation == "final_confidence":
            return _label_confidence(task_losses)
        if self.ablation in _BY_EPOCH_STATES:
            return self.ablation_scores_
        return super()._ranking(p, task_losses)


class _EpochStates(Callback):
    """Copies of the task network's weights at the end of every epoch."""

    def initialize(self):
        self.states_ = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.states_.append(copy.deepcopy(net.module_.state_dict()))

    def pop_states(self):
        states, self.states_ = self.states_, []
        return states


def _mean_label_confidence(module, states, X, X_std, y_encoded, device):
    """Mean over `states` (weights of `module`) of each row's probability of its label."""
    first, inverse = _distinct_labelled_rows(X, y_encoded)
    X_first, y_first = X_std[torch.as_tensor(first)], y_encoded[first]
    module = copy.deepcopy(module)
    total = np.zeros(len(first))
    for state in states:
        module.load_state_dict(state)
        with eval_no_grad(module):
            losses = [
                per_sample_cross_entropy(module(X_batch), y_batch.long()).cpu()
                for _, X_batch, y_batch in inference_batches(X_first, y_first, device=device)
            ]
        total += _label_confidence(torch.cat(losses).numpy().astype(np.float64))
    return (total / len(states))[inverse]


def _with_ablation_parameter(init):
    """ASSSSampler's signature plus ``ablation``, so that scikit-learn sees every parameter."""
    parent = inspect.signature(ASSSSampler.__init__).parameters.values()
    own = inspect.signature(init).parameters["ablation"]
    init.__signature__ = inspect.Signature([*parent, own])
    return init


# scikit-learn reads parameter names from the signature of __init__; **params hides them
ScoreAblationASSS.__init__ = _with_ablation_parameter(ScoreAblationASSS.__init__)
