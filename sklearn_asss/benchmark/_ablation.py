"""ASSSSampler with its selection probabilities replaced: what does the selector add?

The ablation of the experiment: the same game, budgets and retrieval rule, but
the retrieval draws by another per-row score than the one ``rank_by`` chooses.
It lives in the experiment layer, not in the package's API.
"""

import copy
import inspect
from numbers import Real

import numpy as np
import torch
from sklearn.model_selection import StratifiedKFold
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import Callback

from .. import ASSSSampler
from .._asss import _label_confidence
from .._selection import _clusters_per_class, select_sample, select_sample_in_clusters
from ..nn import fit_task_classifier
from ..nn._modules import per_sample_cross_entropy
from ..nn._utils import eval_no_grad, inference_batches

#: ``ablation`` values: the score the retrieval draws by instead of ``p``.
ABLATIONS = (
    "selector",
    "constant",
    "final_confidence",
    "warmup_confidence",
    "mean_confidence",
    "crossfit_confidence",
)
# the ablations scored by the task network as it was at the end of earlier epochs
_BY_EPOCH_STATES = ("warmup_confidence", "mean_confidence")
# the ablations whose scores are computed after the game and kept in ``ablation_scores_``
_SCORED_APART = (*_BY_EPOCH_STATES, "crossfit_confidence")
#: ``label_filter`` values: whose class probabilities flag the rows drawn last
LABEL_FILTERS = ("final", "crossfit")


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
        "confidence" of dataset cartography, Swayamdipta et al. 2020);
        ``"crossfit_confidence"`` by the probability of each row's label
        given by a plain task network (no selector) trained as many epochs
        as the warm-up and the game on the other half of the rows (two
        stratified halves): an out-of-sample loss score, as confident
        learning (cleanlab) uses, where the others are in-sample.
    suspect_ratio : float or None, default=None
        ``selection="clustered"`` only: a cluster whose mean score is below
        this share of its class's mean score has its share of the class
        budget cut in proportion (:func:`~sklearn_asss._selection.cluster_quotas`);
        None keeps the package's 0.1.
    label_filter : {"final", "crossfit"} or None, default=None
        Draw first from the rows whose label is not flagged by confident
        learning (:func:`confident_learning_suspects`), as cleanlab + random
        does: each class budget is filled by the retrieval from its
        unflagged rows, and from its flagged rows (by score) only when too
        few are left. The class probabilities are the game's final task
        network's (``"final"``, in-sample, no extra cost) or those of
        ``"crossfit_confidence"``'s two plain networks (``"crossfit"``,
        out-of-sample). None: no filter. The flags are kept in
        ``label_suspects_``.
    **params
        Every parameter of :class:`~sklearn_asss.ASSSSampler`.
    """

    _parameter_constraints: dict = {
        **ASSSSampler._parameter_constraints,
        "ablation": [StrOptions(set(ABLATIONS))],
        "suspect_ratio": [Interval(Real, 0, None, closed="neither"), None],
        "label_filter": [StrOptions(set(LABEL_FILTERS)), None],
    }

    def __init__(self, *, ablation="constant", suspect_ratio=None, label_filter=None, **params):
        super().__init__(**params)
        self.ablation = ablation
        self.suspect_ratio = suspect_ratio
        self.label_filter = label_filter

    def _retrieve(self, X_std, scores, y_encoded, budgets, random_state):
        if self.label_filter is None:
            return self._retrieve_all(X_std, scores, y_encoded, budgets, random_state)
        trusted = np.flatnonzero(~self.label_suspects_)
        suspects = np.flatnonzero(self.label_suspects_)
        trusted_budgets = np.minimum(budgets, np.bincount(y_encoded[trusted], minlength=len(budgets)))
        kept = trusted[
            self._retrieve_all(
                X_std[torch.as_tensor(trusted)], scores[trusted], y_encoded[trusted],
                trusted_budgets, random_state,
            )
        ]  # fmt: skip
        rest = select_sample(
            scores[suspects], y_encoded[suspects], budgets - trusted_budgets, random_state
        )
        return np.sort(np.concatenate([kept, suspects[rest]]))

    def _retrieve_all(self, X_std, scores, y_encoded, budgets, random_state):
        if self.suspect_ratio is None or self.selection != "clustered":
            return super()._retrieve(X_std, scores, y_encoded, budgets, random_state)
        # select_subset's clustered path, with the suspect ratio set
        clusters = _clusters_per_class(X_std.numpy(), y_encoded, budgets, random_state)
        return select_sample_in_clusters(
            scores, y_encoded, clusters, budgets, random_state, suspect_ratio=self.suspect_ratio
        )

    def _build_net(self, *args, **kwargs):
        net = super()._build_net(*args, **kwargs)
        if self.ablation in _BY_EPOCH_STATES:
            if self.ablation == "warmup_confidence" and self.warmup_epochs < 1:
                raise ValueError('ablation="warmup_confidence" needs warmup_epochs >= 1.')
            net.set_params(callbacks=[*net.callbacks, ("epoch_states", _EpochStates())])
        return net

    def _score_every_row(self, X_std, y_encoded, pairs):
        p = super()._score_every_row(X_std, y_encoded, pairs)
        crossfit = None
        if self.label_filter == "crossfit" or self.ablation == "crossfit_confidence":
            crossfit = self._crossfit_probabilities(X_std, y_encoded)
        if self.ablation == "crossfit_confidence":
            self.ablation_scores_ = crossfit[np.arange(len(y_encoded)), y_encoded]
        if self.label_filter is not None:
            probabilities = crossfit
            if self.label_filter == "final":
                probabilities = _class_probabilities(
                    self.net_.module_, X_std, pairs, self.net_.device
                )
            self.label_suspects_ = confident_learning_suspects(probabilities, y_encoded)
        if self.ablation in _BY_EPOCH_STATES:
            states = dict(self.net_.callbacks_)["epoch_states"].pop_states()
            if self.ablation == "warmup_confidence":
                states = states[self.warmup_epochs - 1 : self.warmup_epochs]
            self.ablation_scores_ = _mean_label_confidence(
                self.net_.module_, states, X_std, y_encoded, pairs, self.net_.device
            )
        return p

    def _ranking(self, p, task_losses):
        if self.ablation == "constant":
            return np.ones_like(p)
        if self.ablation == "final_confidence":
            return _label_confidence(task_losses)
        if self.ablation in _SCORED_APART:
            return self.ablation_scores_
        return super()._ranking(p, task_losses)

    def _crossfit_probabilities(self, X_std, y_encoded):
        """Each row's class probabilities from a plain network trained on the other half."""
        n_classes = len(self.classes_)
        halves = StratifiedKFold(2, shuffle=True, random_state=self.net_.seed)
        probabilities = np.empty((len(y_encoded), n_classes))
        X_rows = X_std.numpy()
        for seed, (train, held_out) in enumerate(halves.split(X_rows, y_encoded)):
            net = fit_task_classifier(
                X_rows[train], y_encoded[train], n_classes, seed=self.net_.seed + seed,
                hidden_layer_sizes=self.hidden_layer_sizes, batch_size=self.batch_size,
                lr=self.task_lr, device=self.device,
                max_epochs=self.warmup_epochs + self.net_.max_epochs,
            )  # fmt: skip
            probabilities[held_out] = net.predict_proba(X_rows[held_out])
        return probabilities


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


def _mean_label_confidence(module, states, X_std, y_encoded, pairs, device):
    """Mean over `states` (weights of `module`) of each row's probability of its label.

    Each distinct (row, label) pair (`pairs`: first index and each row's pair) is scored once.
    """
    first, inverse = pairs
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


def _class_probabilities(module, X_std, pairs, device):
    """`module`'s softmax output for every row, computed once per distinct (row, label) pair."""
    first, inverse = pairs
    with eval_no_grad(module):
        batches = [
            torch.softmax(module(X_batch), dim=1).cpu()
            for _, X_batch in inference_batches(X_std[torch.as_tensor(first)], device=device)
        ]
    return torch.cat(batches).numpy().astype(np.float64)[inverse]


def confident_learning_suspects(probabilities, y_encoded):
    """The rows whose label confident learning flags, as cleanlab's filter does.

    A class's threshold is the mean probability of that class over the rows
    labelled with it. A row's guessed class is the one whose probability
    reaches its threshold (the most probable class when several do); the row
    is flagged when it has a guess, the guess is not its label, and its most
    probable class is not its label either (cleanlab's
    ``find_label_issues(filter_by="confident_learning")``, Northcutt et al.
    2021). Without the last condition, under pair noise a class whose labels
    are mostly another class's rows lowers its threshold until the genuine
    rows of that other class pass it: on shuttle 22% of the genuine majority
    rows were flagged.
    """
    n_classes = probabilities.shape[1]
    rows = np.arange(len(y_encoded))
    thresholds = np.bincount(
        y_encoded, weights=probabilities[rows, y_encoded], minlength=n_classes
    ) / np.maximum(np.bincount(y_encoded, minlength=n_classes), 1)
    confident = probabilities >= thresholds - 1e-6
    n_confident = confident.sum(axis=1)
    most_probable = probabilities.argmax(axis=1)
    guess = np.where(n_confident > 1, most_probable, confident.argmax(axis=1))
    # ties between the label and another class go to the label
    nudged = probabilities.copy()
    nudged[rows, y_encoded] += 1e-6
    return (n_confident > 0) & (guess != y_encoded) & (nudged.argmax(axis=1) != y_encoded)


def _with_ablation_parameter(init):
    """ASSSSampler's signature plus ``ablation``, so that scikit-learn sees every parameter."""
    parent = inspect.signature(ASSSSampler.__init__).parameters.values()
    own = [inspect.signature(init).parameters[name] for name in ("ablation", "suspect_ratio", "label_filter")]
    init.__signature__ = inspect.Signature([*parent, *own])
    return init


# scikit-learn reads parameter names from the signature of __init__; **params hides them
ScoreAblationASSS.__init__ = _with_ablation_parameter(ScoreAblationASSS.__init__)
