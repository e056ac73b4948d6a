"""ASSSSampler with its selection probabilities replaced: what does the selector add?

The ablation of the experiment: the same game, budgets and retrieval rule, but
the retrieval draws by another per-row score than the one ``rank_by`` chooses.
It lives in the experiment layer, not in the package's API.
"""

import copy
import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import Callback

from .. import ASSSSampler
from .._asss import _held_out_rows, _held_out_scores, _label_confidence
from .._confident_learning import confident_thresholds
from .._selection import (
    _clusters_per_class,
    _select_by_rule,
    class_budgets,
    fill_trusted_first,
    select_sample,
    select_sample_in_clusters,
    select_subset,
    select_top,
)
from .._utils import cluster_rows
from ..nn import fit_task_classifier
from ..nn._modules import per_sample_cross_entropy
from ..nn._utils import eval_no_grad, inference_batches
from ..samplers._coverage_centric import coverage_centric_draw
from ..samplers._kmeans import _nearest_per_cluster

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
#: ``issue_probabilities`` values: whose class probabilities flag the rows drawn last
ISSUE_PROBABILITIES = ("final", "crossfit")
#: ``flagged_by`` values: how the flagged rows a class needs are chosen
FLAGGED_BY = ("score", "confidence", "confidence_sample")
#: ``budgets_from`` values: which class counts the class budgets are shares of
BUDGETS_FROM = ("package", "labels", "estimated", "estimated_confident")
#: ``retrieval`` values: how a class's budget is taken from its rows (after the label filter)
RETRIEVALS = (
    "package", "medoids", "credible_medoids", "confident_medoids", "top_score_per_cluster",
    "difficulty_strata", "validated",
)
# "difficulty_strata": CCS's rule and defaults (CoverageCentricSampler's) on the task losses
_HARD_CUT_RATIO, _N_STRATA = 0.1, 50
# "validated": the trees of the forest each candidate trains
_VALIDATION_TREES = 100


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
    issue_probabilities : {"final", "crossfit"}, default="final"
        With a ``label_filter``: whose class probabilities it flags the rows
        by, the package's (``"final"``: those ``filter_probabilities`` names;
        the game's final task network's before ``"out_of_fold"`` was the
        default) or those of ``"crossfit_confidence"``'s two plain networks,
        trained on two stratified halves of every row (``"crossfit"``,
        out-of-sample, as cleanlab's are).
    crossfit_epochs : int or None, default=None
        The epochs each of the two plain networks of ``"crossfit"`` (flags and
        ``"crossfit_confidence"``) trains; None: as many as the warm-up and the
        game together.
    crossfit_lr : float or None, default=None
        Their learning rate; None: ``task_lr``. Six epochs at 3e-3 flag about
        as many flipped rows on the panel tables as twelve at 1e-3, for half
        the time.
    flagged_by : {"confidence_sample", "confidence", "score"}, \
default="confidence_sample"
        With a ``label_filter``: how the flagged rows a class needs (when it
        has too few unflagged ones) are chosen: drawn in proportion to the
        probability the game's final task network gives each row's label,
        as the package does (``"confidence_sample"``), or the highest of
        those first (``"confidence"``), or drawn by the retrieval's score,
        as the package did before (``"score"``).
    budgets_from : {"package", "labels", "estimated", "estimated_confident"}, \
default="package"
        With a ``label_filter``: the class budgets. The package's are shares
        of the rows labelled with each class, the floor
        ``min_samples_per_class`` of a class with more rows than it filled
        only from its unflagged rows (``"package"``); ``"labels"`` fills the
        floor from any rows, as the package did before. ``"estimated"``: shares
        of each class's estimated true count, its unflagged rows plus the
        flagged rows the task network gives it as most probable class: a
        class flooded with flipped rows keeps fewer of them, and the rows go
        to the classes they were flipped from; a class keeps at least
        ``min(min_samples_per_class, its labelled rows)`` rows.
        ``"estimated_confident"`` moves a flagged row to its most probable
        class only when the task network's probability of that class reaches
        the class's confident threshold (its mean over the rows labelled with
        it, as confident learning's): the flags of a hard class, which the
        network gives no other class confidently, stay with their label.
    retrieval : {"package", "medoids", "credible_medoids", "confident_medoids", \
"top_score_per_cluster", "difficulty_strata", "validated"}, default="package"
        How each class's budget is taken from its unflagged rows: the
        package's clustered draw, K-means medoids (the quality grid's
        ``asss_med*`` variants), or CCS's rule on the game's final task losses
        (``"difficulty_strata"``: the hardest 10% of the class cut, the
        budget spread evenly over 50 equal-width strata of the loss, drawn
        uniformly within each, as :class:`~sklearn_asss.CoverageCentricSampler`).
        ``"validated"``: the package's subset or the ``"medoids"`` one,
        whichever subset a model (``validate_with``) learns better from,
        by its balanced accuracy on up to 4,000 rows in neither subset
        (``validate_on``); the fitted sampler keeps ``candidates_``,
        ``validation_rows_``, ``validation_scores_`` and ``chosen_retrieval_``.
    medoid_max_rows : int or None, default=None
        With a medoid ``retrieval``: only classes keeping at most this many
        rows take medoids, the others the package's draw.
    **params
        Every parameter of :class:`~sklearn_asss.ASSSSampler`.
    """

    _parameter_constraints: dict = {
        **ASSSSampler._parameter_constraints,
        "ablation": [StrOptions(set(ABLATIONS))],
        "suspect_ratio": [Interval(Real, 0, None, closed="neither"), None],
        "issue_probabilities": [StrOptions(set(ISSUE_PROBABILITIES))],
        "crossfit_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "crossfit_lr": [Interval(Real, 0, None, closed="neither"), None],
        "flagged_by": [StrOptions(set(FLAGGED_BY))],
        "budgets_from": [StrOptions(set(BUDGETS_FROM))],
        "retrieval": [StrOptions(set(RETRIEVALS))],
        "medoid_max_rows": [Interval(Integral, 0, None, closed="left"), None],
        "validate_on": [StrOptions({"unflagged", "all"})],
        "validate_with": [StrOptions({"forest", "mlp"})],
    }

    def __init__(
        self,
        *,
        ablation="constant",
        suspect_ratio=None,
        issue_probabilities="final",
        crossfit_epochs=None,
        crossfit_lr=None,
        flagged_by="confidence_sample",
        budgets_from="package",
        retrieval="package",
        medoid_max_rows=None,
        validate_on="all",
        validate_with="forest",
        **params,
    ):
        super().__init__(**params)
        self.ablation = ablation
        self.suspect_ratio = suspect_ratio
        self.issue_probabilities = issue_probabilities
        self.crossfit_epochs = crossfit_epochs
        self.crossfit_lr = crossfit_lr
        self.flagged_by = flagged_by
        self.budgets_from = budgets_from
        self.retrieval = retrieval
        self.medoid_max_rows = medoid_max_rows
        self.validate_on = validate_on
        self.validate_with = validate_with

    # its retrieval may draw from other rows or budgets than the clusters made beside the game
    _clusters_beside_game = False

    def _selection_rule(self, n_rows):
        # "auto" is the clustered draw, the one these retrievals replace or (retrieval=
        # "validated") weigh against the medoids
        return "clustered" if self.selection == "auto" else super()._selection_rule(n_rows)

    def _retrieve(
        self, X_std, scores, y_encoded, budgets, random_state, drawn_last=None, clusters=None,
        medoids=None,
    ):  # fmt: skip
        if self.budgets_from.startswith("estimated") and drawn_last is not None:
            budgets = self._estimated_budgets(y_encoded, drawn_last, budgets.sum())
        if self.retrieval == "validated":
            return self._validated_retrieval(
                X_std, scores, y_encoded, budgets, random_state, drawn_last
            )
        if self.retrieval != "package":
            return self._retrieve_by_rule(
                X_std.numpy(), scores, y_encoded, budgets, random_state, drawn_last
            )
        return self._package_retrieval(X_std, scores, y_encoded, budgets, random_state, drawn_last)

    def _package_retrieval(self, X_std, scores, y_encoded, budgets, random_state, drawn_last):
        """The package's draw, with this class's ``suspect_ratio`` and ``flagged_by``."""
        rule = self._selection_rule(len(y_encoded))
        by_suspect_ratio = self.suspect_ratio is not None and rule == "clustered"
        if not by_suspect_ratio and (drawn_last is None or self.flagged_by == "confidence_sample"):
            return super()._retrieve(
                X_std, scores, y_encoded, budgets, random_state, drawn_last=drawn_last
            )
        X_rows = X_std.numpy()

        def draw(rows, rows_budgets):
            if not by_suspect_ratio:
                return select_subset(
                    scores[rows], y_encoded[rows], rows_budgets, selection=rule,
                    X=X_rows[rows], random_state=random_state,
                )  # fmt: skip
            # select_subset's clustered rule, with the suspect ratio set
            clusters = _clusters_per_class(
                X_rows[rows], y_encoded[rows], rows_budgets, random_state
            )
            return select_sample_in_clusters(
                scores[rows], y_encoded[rows], clusters, rows_budgets, random_state,
                suspect_ratio=self.suspect_ratio,
            )  # fmt: skip

        def draw_rest(rows, rows_budgets):
            by = scores if self.flagged_by == "score" else confidence
            if self.flagged_by == "confidence" or rule == "top":
                return select_top(by[rows], y_encoded[rows], rows_budgets)
            return select_sample(by[rows], y_encoded[rows], rows_budgets, random_state)

        confidence = _label_confidence(self.task_losses_)
        return fill_trusted_first(draw, draw_rest, y_encoded, budgets, drawn_last)

    def _validated_retrieval(self, X_std, scores, y_encoded, budgets, random_state, drawn_last):
        """The package's subset or the medoids', whichever trains the better model.

        Both candidates are drawn (``candidates_``); a model (``validate_with``)
        learns from each and is scored by balanced accuracy on up to
        4,000 rows in neither subset (``validate_on``;
        ``validation_rows_``, ``validation_scores_``); the package's wins ties
        (``chosen_retrieval_``).
        """
        random_state = check_random_state(random_state)
        X = X_std.numpy()
        medoids_state = np.random.RandomState(random_state.randint(2**31 - 1))
        package = self._package_retrieval(
            X_std, scores, y_encoded, budgets, random_state, drawn_last
        )
        medoids = self._retrieve_by_rule(
            X, scores, y_encoded, budgets, medoids_state, drawn_last, rule="medoids"
        )
        self.candidates_ = {"package": package, "medoids": medoids}
        eligible = np.ones(len(y_encoded), dtype=bool)
        if drawn_last is not None and self.validate_on == "unflagged":
            eligible = ~drawn_last
        self.validation_rows_ = _held_out_rows(self.candidates_, eligible, random_state)
        self.validation_scores_ = _validation_scores(
            self.candidates_, X, y_encoded, self.validation_rows_, random_state,
            self.validate_with, self.device,
        )  # fmt: skip
        self.chosen_retrieval_ = max(self.validation_scores_, key=self.validation_scores_.get)
        return self.candidates_[self.chosen_retrieval_]

    def _retrieve_by_rule(
        self, X, scores, y_encoded, budgets, random_state, drawn_last, rule=None
    ):  # fmt: skip
        """The ``retrieval`` rule (or `rule`) on the unflagged rows, the flagged ones as the
        package."""
        random_state = check_random_state(random_state)
        confidence = _label_confidence(self.task_losses_)
        rule = rule or self.retrieval
        package_rule = self._selection_rule(len(y_encoded))

        def draw(rows, rows_budgets):
            if rule == "difficulty_strata":
                return _difficulty_strata(
                    self.task_losses_[rows], y_encoded[rows], rows_budgets, random_state
                )
            by_medoids = np.asarray(rows_budgets).copy()
            if self.medoid_max_rows is not None:
                by_medoids[by_medoids > self.medoid_max_rows] = 0
            gate = confidence if rule == "confident_medoids" else scores
            kept = _medoids_per_class(
                rule, gate[rows], y_encoded[rows], by_medoids, X[rows], random_state
            )
            if (by_medoids == rows_budgets).all():
                return kept
            others = _select_by_rule(
                package_rule, scores[rows], y_encoded[rows], rows_budgets - by_medoids,
                X[rows], random_state,
            )  # fmt: skip
            return np.sort(np.concatenate([kept, others]))

        def draw_rest(rows, rows_budgets):
            return select_sample(confidence[rows], y_encoded[rows], rows_budgets, random_state)

        return fill_trusted_first(draw, draw_rest, y_encoded, budgets, drawn_last)

    def _budgets_trusting_filter(self, y_encoded, budgets, issues, outvoted):
        # "labels": the budgets as the base rule made them, floors filled from any rows
        if self.budgets_from == "labels":
            return budgets
        return super()._budgets_trusting_filter(y_encoded, budgets, issues, outvoted)

    def _estimated_budgets(self, y_encoded, issues, n_keep):
        """Class budgets as shares of the classes' estimated true counts (``budgets_from``)."""
        n_classes = len(self.classes_)
        labelled = np.bincount(y_encoded, minlength=n_classes)
        moved = issues & (self.predicted_ != y_encoded)
        estimated = np.bincount(y_encoded[~moved], minlength=n_classes) + np.bincount(
            self.predicted_[moved], minlength=n_classes
        )
        counts = np.clip(estimated, np.minimum(labelled, self.min_samples_per_class), labelled)
        if counts.sum() < n_keep:
            counts = labelled
        return self._set_class_budgets(class_budgets(counts, n_keep, self.min_samples_per_class))

    def _flag_label_issues(self, probabilities, y_encoded, outvoted, flags=None):
        super()._flag_label_issues(probabilities, y_encoded, outvoted, flags)
        if self.budgets_from.startswith("estimated"):
            self.predicted_ = self._true_class_guesses(probabilities, y_encoded)

    def _true_class_guesses(self, probabilities, y_encoded):
        """Each row's most probable class; with ``"estimated_confident"``, its label
        unless that class's probability reaches the class's confident threshold."""
        guesses = probabilities.argmax(axis=1)
        if self.budgets_from == "estimated":
            return guesses
        thresholds = confident_thresholds(probabilities, y_encoded)
        confident = probabilities[np.arange(len(guesses)), guesses] >= thresholds[guesses]
        return np.where(confident, guesses, y_encoded)

    def _build_net(self, *args, **kwargs):
        net = super()._build_net(*args, **kwargs)
        if self.ablation in _BY_EPOCH_STATES:
            if self.ablation == "warmup_confidence" and self.warmup_epochs < 1:
                raise ValueError('ablation="warmup_confidence" needs warmup_epochs >= 1.')
            net.set_params(callbacks=[*net.callbacks, ("epoch_states", _EpochStates())])
        return net

    def _score_every_row(self, X_std, y_encoded, pairs, beside_game):
        p = super()._score_every_row(X_std, y_encoded, pairs, beside_game)
        crossfit_issues = self.label_filter is not None and self.issue_probabilities == "crossfit"
        if crossfit_issues or self.ablation == "crossfit_confidence":
            crossfit = self._crossfit_probabilities(X_std, y_encoded)
        if self.ablation == "crossfit_confidence":
            self.ablation_scores_ = crossfit[np.arange(len(y_encoded)), y_encoded]
        if crossfit_issues:
            # without _true_class_guesses
            super()._flag_label_issues(crossfit, y_encoded, pairs.outvoted)
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
        max_epochs = self.crossfit_epochs or self.warmup_epochs + self.net_.max_epochs
        probabilities = np.empty((len(y_encoded), n_classes))
        X_rows = X_std.numpy()
        for seed, (train, held_out) in enumerate(halves.split(X_rows, y_encoded)):
            net = fit_task_classifier(
                X_rows[train], y_encoded[train], n_classes, seed=self.net_.seed + seed,
                hidden_layer_sizes=self.hidden_layer_sizes, batch_size=self.net_.batch_size,
                lr=self.crossfit_lr or self.net_.lr, device=self.device,
                max_epochs=max_epochs,
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

    Each distinct (row, label) pair (`pairs`: its ``_LabelledPairs``) is scored once.
    """
    first, inverse = pairs.first, pairs.inverse
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


def _medoids_per_class(retrieval, scores, y_encoded, budgets, X, random_state):
    """Per class, one K-means cluster per kept row and a row of each (``retrieval``).

    `scores` rank the rows for ``"credible_medoids"`` and ``"top_score_per_cluster"``
    and are the label confidences for ``"confident_medoids"``.
    """
    kept = []
    for c, budget in enumerate(budgets):
        if budget == 0:
            continue
        rows = np.flatnonzero(y_encoded == c)
        if retrieval == "credible_medoids":
            rows = _highest_scored(rows, scores, max(int(budget), -(-len(rows) // 2)))
        elif retrieval == "confident_medoids":
            confident = rows[scores[rows] >= scores[rows].mean()]
            rows = confident if len(confident) >= budget else _highest_scored(rows, scores, budget)
        labels, distances, _ = cluster_rows(X[rows], int(budget), random_state)
        # each cluster's row nearest its centroid, or (a negated distance) its highest score
        by = -scores[rows] if retrieval == "top_score_per_cluster" else distances
        picked = _nearest_per_cluster(labels, by, int(budget))
        kept.append(rows[picked])
    return np.sort(np.concatenate(kept)) if kept else np.array([], dtype=np.intp)


def _difficulty_strata(difficulty, y_encoded, budgets, random_state):
    """Per class, CCS's draw: the hardest rows cut, the budget spread over difficulty strata."""
    kept = []
    for c, budget in enumerate(budgets):
        if budget == 0:
            continue
        rows = np.flatnonzero(y_encoded == c)
        positions, _ = coverage_centric_draw(
            difficulty[rows], int(budget), _HARD_CUT_RATIO, _N_STRATA, random_state
        )
        kept.append(rows[positions])
    return np.sort(np.concatenate(kept)) if kept else np.array([], dtype=np.intp)


def _validation_scores(
    candidates, X, y_encoded, valid, random_state, model="forest", device="cpu"
):  # fmt: skip
    """Balanced accuracy on rows `valid` of a `model` (a random forest, or the grid's MLP on
    `device`) trained on each candidate subset (each scores 0 when there are no such rows)."""
    seed = random_state.randint(2**31 - 1)
    n_classes = int(y_encoded.max()) + 1

    def fitted(rows):
        if model == "forest":
            forest = RandomForestClassifier(_VALIDATION_TREES, random_state=seed, n_jobs=1)
            return forest.fit(X[rows], y_encoded[rows])
        return fit_task_classifier(X[rows], y_encoded[rows], n_classes, seed=seed, device=device)

    def predict(candidates, valid):
        return {name: fitted(rows).predict(X[valid]) for name, rows in candidates.items()}

    return _held_out_scores(candidates, y_encoded, valid, predict)


def _highest_scored(rows, scores, n):
    return rows[np.argsort(-scores[rows], kind="stable")[: int(n)]]


def _with_ablation_parameter(init):
    """ASSSSampler's signature plus ``ablation``, so that scikit-learn sees every parameter."""
    parent = inspect.signature(ASSSSampler.__init__).parameters.values()
    own = [p for p in inspect.signature(init).parameters.values()
           if p.kind is inspect.Parameter.KEYWORD_ONLY]  # fmt: skip
    init.__signature__ = inspect.Signature([*parent, *own])
    return init


# scikit-learn reads parameter names from the signature of __init__; **params hides them
ScoreAblationASSS.__init__ = _with_ablation_parameter(ScoreAblationASSS.__init__)
