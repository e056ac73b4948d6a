"""Coverage-centric coreset selection (CCS): every difficulty level, the hardest rows cut."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from skorch.callbacks import Callback

from .._base import Substitution, _subsampler_docstring
from .._selection import select_top
from ..nn._scores import error_l2_norm, logit_margin
from ._warmup import WarmupScoringSampler, _Activations, _warmup_docstring


@Substitution(**_subsampler_docstring, **_warmup_docstring)
class CoverageCentricSampler(WarmupScoringSampler):
    """Cover every difficulty level of each class, after cutting its hardest rows.

    Coverage-centric coreset selection (CCS, Zheng et al., ICLR 2023,
    "Coverage-centric coreset selection for high pruning rates"). A
    :class:`~sklearn_asss.nn.TaskMLP` is trained briefly on all rows (a
    warm-up of ``warmup_epochs`` epochs); every row gets a difficulty score
    from it (``difficulty``). Then, within each class:

    1. the hardest ``hard_cut_ratio`` share of the rows is cut (fewer when
       the class would keep less than its budget): at high pruning rates the
       hardest rows are the atypical and the mislabeled ones, which a small
       subset cannot afford;
    2. the range of the remaining scores is split into ``n_strata`` strata of
       equal width;
    3. the class budget is spread evenly over the strata: visiting them from
       the smallest, each gets ``min(its size, remaining budget / remaining
       strata)`` rows (rounded up, so that the budget is met exactly), which
       is CCS's allocation; the rows of a stratum are drawn uniformly.

    Keeping the hardest rows (:class:`MarginSampler`) loses the easy regions
    at low keep ratios, and keeping the easiest loses the boundaries; the
    strata keep rows of every difficulty, which is how CCS stayed above a
    random draw at high pruning rates in its paper, where score-based
    selection fell below it. The budgets per class are those of every
    sampler (:func:`~sklearn_asss.class_budgets`): this is the
    class-proportional variant of CCS, the reference that score-based
    selection has to beat at low keep ratios.

    Parameters
    ----------
    {keep_ratio}

    {min_samples_per_class}

    difficulty : {{"aum", "el2n"}}, default="aum"
        The difficulty score of a row, averaged over the warm-up epochs (one
        scoring pass after each). ``"aum"``: the area under the margin
        (Pleiss et al., 2020), the mean over epochs of the row's logit margin
        (its label's logit minus the largest other logit); a low AUM marks a
        hard or mislabeled row, so the difficulty is minus the AUM.
        ``"el2n"``: the L2 norm of the error vector ``softmax(z) - onehot(y)``
        (Paul et al., 2021). AUM is the default because it was designed to
        single out mislabeled rows, which is what the hard cut is for.

    hard_cut_ratio : float, default=0.1
        Share of each class cut as hardest before the strata are formed, in
        ``[0, 1)``; CCS's ``beta``. CCS tunes it to the pruning rate (0 at
        low pruning, up to a half at 99%); 0.1 is a fixed middle ground that
        still removes most mislabeled rows at label-noise rates up to 10%,
        whose margins are the lowest of their class, while cutting few typical
        rows. Set it to 0 on clean data kept at a high ratio.

    n_strata : int, default=50
        Number of equal-width score strata per class (CCS's 50).

    warmup_epochs : int, default=5
        Epochs of the warm-up training; the scores are averaged over them.
        Five give AUM a trajectory to average while costing a quarter of the
        benchmark's 20 epochs of task training.

    {network_parameters}

    {verbose}

    {random_state}

    Attributes
    ----------
    {fitted_attributes}

    difficulty_scores_ : ndarray of shape (n_samples,)
        The difficulty of every training row (higher is harder): minus the
        AUM, or the EL2N, averaged over the warm-up epochs.

    hard_cut_ : ndarray of shape (n_samples,), dtype=bool
        True for the rows cut as the hardest of their class.

    strata_ : ndarray of shape (n_samples,), dtype=int
        The stratum (``0 .. n_strata - 1``, easiest first) of every row within
        its class, -1 for the rows cut.

    See Also
    --------
    MarginSampler : Keep the hardest rows (smallest margin).
    RandomSampler : Keep a uniformly random share of the rows.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_asss import CoverageCentricSampler
    >>> X, y = load_iris(return_X_y=True)
    >>> sampler = CoverageCentricSampler(keep_ratio=0.2, n_strata=5, random_state=0)
    >>> X_sub, y_sub = sampler.fit_resample(X, y)
    >>> X_sub.shape
    (30, 4)
    >>> int(sampler.hard_cut_.sum())  # the hardest 5 rows of each class
    15
    """

    _parameter_constraints: dict = {
        **WarmupScoringSampler._parameter_constraints,
        "difficulty": [StrOptions({"aum", "el2n"})],
        "hard_cut_ratio": [Interval(Real, 0, 1, closed="left")],
        "n_strata": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        keep_ratio=0.3,
        min_samples_per_class=1,
        difficulty="aum",
        hard_cut_ratio=0.1,
        n_strata=50,
        warmup_epochs=5,
        hidden_layer_sizes=(128, 64),
        batch_size=256,
        lr=1e-3,
        device="cpu",
        verbose=0,
        random_state=None,
    ):
        super().__init__(
            keep_ratio=keep_ratio,
            min_samples_per_class=min_samples_per_class,
            warmup_epochs=warmup_epochs,
            hidden_layer_sizes=hidden_layer_sizes,
            batch_size=batch_size,
            lr=lr,
            device=device,
            verbose=verbose,
            random_state=random_state,
        )
        self.difficulty = difficulty
        self.hard_cut_ratio = hard_cut_ratio
        self.n_strata = n_strata

    def _select(self, X, y_encoded, budgets, random_state):
        recorder = _MeanEpochScore(self, X, y_encoded, len(budgets))
        self._warm_up(X, y_encoded, len(budgets), random_state, callbacks=[recorder])
        self.difficulty_scores_ = recorder.mean()
        self.hard_cut_ = np.zeros(len(y_encoded), dtype=bool)
        self.strata_ = np.full(len(y_encoded), -1, dtype=np.intp)
        kept = [
            self._select_in_class(np.flatnonzero(y_encoded == c), int(budget), random_state)
            for c, budget in enumerate(budgets)
        ]
        return np.concatenate(kept)

    def _score(self, activations, y_encoded, n_classes):
        """The difficulty of every row under the network as it is now (higher is harder)."""
        difficulty = np.empty(len(y_encoded))
        for rows, _, logits in activations:
            y = torch.as_tensor(y_encoded[rows], device=logits.device)
            if self.difficulty == "aum":
                difficulty[rows] = -logit_margin(logits, y).cpu().numpy()
            else:
                difficulty[rows] = error_l2_norm(logits, y).cpu().numpy()
        return difficulty

    def _select_in_class(self, rows, budget, random_state):
        """Cut the hardest rows of one class, stratify the rest, draw the budget evenly."""
        kept, strata = coverage_centric_draw(
            self.difficulty_scores_[rows], budget, self.hard_cut_ratio, self.n_strata,
            random_state,
        )  # fmt: skip
        self.hard_cut_[rows] = strata < 0
        self.strata_[rows] = strata
        return rows[kept]


class _MeanEpochScore(Callback):
    """Score every row after each epoch (the sampler's ``_score``) and keep the running sum."""

    def __init__(self, sampler, X, y_encoded, n_classes):
        self.sampler = sampler
        self.X = X
        self.y_encoded = y_encoded
        self.n_classes = n_classes

    def initialize(self):
        self.total_ = np.zeros(len(self.y_encoded))
        self.n_epochs_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        activations = _Activations(net.module_, self.X, self.sampler.device)
        self.total_ += self.sampler._score(activations, self.y_encoded, self.n_classes)
        self.n_epochs_ += 1

    def mean(self):
        return self.total_ / self.n_epochs_


def coverage_centric_draw(difficulty, budget, hard_cut_ratio, n_strata, random_state):
    """CCS on the rows of one class: positions of the `budget` rows kept, and their strata.

    The ``hard_cut_ratio`` hardest rows are cut (stratum -1; fewer where the
    budget needs them), the others stratified by equal-width bins of
    `difficulty`, and the budget spread evenly over the strata, drawn
    uniformly within each.
    """
    n_cut = min(int(hard_cut_ratio * len(difficulty)), len(difficulty) - budget)
    pool = np.argsort(-difficulty, kind="stable")[n_cut:]
    strata = np.full(len(difficulty), -1, dtype=np.intp)
    strata[pool] = equal_width_strata(difficulty[pool], n_strata)
    quotas = spread_evenly(np.bincount(strata[pool], minlength=n_strata), budget)
    keys = random_state.uniform(size=len(pool))  # uniform draw within each stratum
    return pool[select_top(keys, strata[pool], quotas)], strata


def equal_width_strata(scores, n_strata):
    """Stratum of each score when ``[min, max]`` is cut into `n_strata` equal-width bins.

    The bins are closed on the left and the last one on both sides; all
    scores fall in stratum 0 when they are equal.
    """
    low, high = scores.min(), scores.max()
    if high <= low:
        return np.zeros(len(scores), dtype=np.intp)
    strata = np.floor((scores - low) / (high - low) * n_strata).astype(np.intp)
    return np.minimum(strata, n_strata - 1)


def spread_evenly(sizes, budget):
    """Split `budget` evenly over groups of the given sizes, none given more than it has.

    CCS's allocation: the groups are visited from the smallest; each gets
    ``min(size, ceil(remaining budget / remaining groups))``. Rounding up
    (CCS rounds down, and can leave rows unspent) meets the budget exactly
    whenever ``budget <= sizes.sum()``: a group that gets less than its size
    is followed by groups at least as large.
    """
    quotas = np.zeros(len(sizes), dtype=np.int64)
    remaining = int(budget)
    for position, group in enumerate(np.argsort(sizes, kind="stable")):
        n_left = len(sizes) - position
        quotas[group] = min(int(sizes[group]), -(-remaining // n_left))
        remaining -= quotas[group]
    return quotas
