"""ASSSSampler: Adversarial Soft-Selection Subsampling as an imbalanced-learn sampler."""

import copy
import functools
import math
import time
import warnings
from numbers import Integral, Real
from typing import NamedTuple

import numpy as np
import torch
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch.callbacks import EarlyStopping
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ._base import BaseSubsampler, Substitution, _subsampler_docstring
from ._confident_learning import (
    LABEL_FILTERS,
    fit_label_filter,
    fitted_label_filter,
    flag_label_issues,
)
from ._selection import (
    SELECTIONS,
    _select_subset,
    _trusted_rows,
    class_budgets,
    select_top,
    trusted_clusters,
)
from ._utils import distinct_rows, draw_seed
from .nn._modules import SelectorMLP, TaskMLP
from .nn._net import LOOKAHEADS, SELECTOR_INPUTS, SoftSelectionNet
from .nn._progress import TimeLeft
from .nn._stacked import fit_task_classifiers, task_modules
from .nn._train import fit_task_classifier
from .nn._utils import (
    DEVICE_CONSTRAINT,
    INFERENCE_BATCH_SIZE,
    can_fork_worker,
    check_device,
    eval_no_grad,
    inference_batches,
    run_beside,
    seeded_torch,
)
from .samplers._kmeans import KMeansSampler

# below this mean selection probability the paper objective has collapsed
_COLLAPSE_THRESHOLD = 1e-2
# the bi-level game holds mean p at keep_ratio or this, whichever is larger: the relaxed
# selections pass the selector a gradient scaled by z(1 - z), small when p is, and the quick
# game's 180-210 selector steps then barely move p at 1-3% kept (the parameters page)
_MIN_GAME_LEVEL = 0.3
# standardised values beyond this many standard deviations are compressed logarithmically
_TAIL = 3.0
# max_epochs=None: the game lasts about this many steps, whatever the table's size
_GAME_STEPS = 300
# the game sample keeps at least this many rows of every class (all of a smaller class)
_MIN_GAME_ROWS_PER_CLASS = 100
# collapse_duplicates: a game row stands for at most this many copies of a (row, label) pair;
# a pair with more is split into several game rows. One game row carrying all of a pair's
# thousands of copies would get one clipped selector step an epoch instead of thousands.
_MAX_COPIES_PER_GAME_ROW = 16
# selection="auto" validates up to this keep ratio (on tables of fewer than
# _OUTPUT_LAYER_MIN_ROWS rows); the held-out rows that judge the candidates
_VALIDATED_MAX_KEEP_RATIO = 0.1
_VALIDATION_ROWS = 4000
# ... and the default judge: a random forest of this many trees, one job (two of them took
# 0.05-0.10 s on texture's rows, 44 to 440 per judge, as the two 20-epoch task networks
# trained at once that judged before did; 10 trees chose subsets 0.08 points of macro F1
# worse for the forest downstream, 50 or 100 0.09 better, the comparison page)
_JUDGE_TREES = 20
# lookahead="auto": the output-layer look-ahead from this many game rows, the full one below
_OUTPUT_LAYER_MIN_ROWS = 20_000
# max_epochs="auto": game epochs from _OUTPUT_LAYER_MIN_ROWS game rows (of the paper objective:
# the bi-level game plays the quick schedule below), and below. A smaller
# game has too few selector steps to move p (a few hundred), and its full look-ahead makes
# each cost several plain steps: on the six panel tables 3 epochs kept what 10 did; on
# connect-4 3 epochs kept 1 point more flipped rows and lost 0.8 points of accuracy.
_LARGE_GAME_EPOCHS = 10
_SMALL_GAME_EPOCHS = 3
# A bi-level game from _OUTPUT_LAYER_MIN_ROWS rows plays the quick schedule: batch_size="auto"
# steps on _QUICK_BATCH_SIZE rows for _QUICK_GAME_EPOCHS epochs (half the selection time of
# 256 rows for 10 on shuttle and connect-4, the same retention but some macro F1 at 1-3% kept
# under label noise; 4 epochs kept what 5 did but for some connect-4 accuracy at 1% kept under
# label noise, 3 lost it at 3-30%), any other on 256. The paper objective's selector filtered
# less in it (connect-4: 1-1.6 points more flipped rows kept, up to 2 points less macro F1).
# task_lr="auto", selector_lr="auto": their rates at 256 rows a step or fewer, the task
# network's growing with the square root of a larger batch and the selector's in proportion.
# The quick schedule's task network starts from _QUICK_TASK_LR at _QUICK_BATCH_SIZE rows: at
# the square-root rule's 1.41e-3 its few hundred steps left it, and the selector that reads
# its losses, short of the long game's (connect-4, clean, 30% kept: 0.29 points of accuracy)
_QUICK_BATCH_SIZE = 512
_QUICK_GAME_EPOCHS = 4
_QUICK_TASK_LR = 3.5e-3
_BATCH_SIZE = 256
_TASK_LR = 1e-3
_SELECTOR_LR = 1e-4
# selector_interval="auto": the selector steps on every this many task steps of the quick
# schedule (a fifth less selection time on shuttle and connect-4, the same retention), on
# every step of a smaller game (its few hundred selector steps barely move p)
_QUICK_SELECTOR_INTERVAL = 2
#: ``rank_by`` values: the per-row score the retrieval draws by
RANKINGS = ("selection_probability", "task_confidence")
#: ``filter_probabilities`` values: whose class probabilities the label filter reads
FILTER_PROBABILITIES = ("out_of_fold", "game")
# filter_probabilities="out_of_fold": each of the plain networks trains this many epochs
# at this learning rate (on the panel tables as many flipped rows flagged as 12 at 1e-3),
# this many rows a step, and at least this many steps (on 2,000 rows, 24 steps missed a
# quarter of the flipped rows). A game batch_size above it takes its place, the epochs and
# the learning rate growing with the square root of the batch: under the fast setting, 1,024
# rows a step for 12 epochs at 6e-3 took 0.6 of the time of 256 for 6 and retained more on
# connect-4, less macro F1 on shuttle with flipped labels (asss_b1k5f against asss_b1k5)
_FILTER_EPOCHS = 6
_FILTER_LR = 3e-3
_FILTER_BATCH_SIZE = 256
_FILTER_MIN_STEPS = 40
# ... one network per fold of the game rows, each trained on the other folds and flagging its
# own. Three folds rather than two halves: each network learns from two thirds of the rows,
# and on the six panel tables the flags left 2-12% fewer flipped rows, the subsets held 0.2
# points fewer at 10-30% kept, in the same time (the filter trains beside a longer game).
# Two in the quick schedule of a large game, whose filter already takes as long as the
# game: three cost connect-4 1.5 times the filter's time, or flagged no better on as many
# steps (the user guide's parameters page, "Three folds for the label filter")
_FILTER_FOLDS = 3
_QUICK_FILTER_FOLDS = 2
# ... and, outside the quick schedule, each network stops by the loss on its own fold (the
# labels there noisy too): it keeps its weights of the epoch where that loss was least and
# the training ends when no network has lowered it for _FILTER_PATIENCE epochs, at most
# _FILTER_MAX_EPOCHS_FACTOR times the schedule's epochs. The schedule fits most tables, not
# all: on texture the loss fell for 20-30 epochs, and the stopped networks' flags left 1.4%
# flipped rows unflagged instead of 2.1% (symmetric flips); phoneme 6.8% instead of 7.6%;
# the other four panel tables within 0.5 points. Five times the epochs took the selection
# past cleanlab's time on texture (the user guide's parameters page, "The label filter
# stops by its held-out loss")
_FILTER_PATIENCE = 3
_FILTER_MAX_EPOCHS_FACTOR = 3


@Substitution(**_subsampler_docstring)
class ASSSSampler(BaseSubsampler):
    r"""Adversarial Soft-Selection Subsampling (ASSS).

    A selector network G gives each row a selection probability
    :math:`p_i = \sigma(s_i)`; a task network C learns from the rows weighted
    by Gumbel-softmax relaxed selections :math:`\tilde z_i` (equation (2) of
    the paper); the two are trained in alternation (Algorithm 1), and the
    subset keeps, per class, the rows chosen by :math:`p` (``selection``).

    Two selector objectives are offered:

    - ``objective="paper"`` is equation (4) as written:
      :math:`L_G = L_C + \lambda\,\overline{{p}} - \beta H(p)` with
      :math:`L_C = \frac1B\sum_i \tilde z_i\,\mathrm{{CE}}_i`. Every term falls
      when any :math:`p_i` falls, so the selector tends to drive all
      probabilities toward 0 and what is left of :math:`p` ranks the easiest
      rows first; a :class:`~sklearn_asss.nn.SelectionCollapseWarning` is
      raised when the final mean probability is below 0.01.
    - ``objective="bilevel"`` solves equation (1) one step deep: the selector
      is judged by the task network's expected error
      :math:`1 - \mathrm{{softmax}}(C(x))_y` on an independent batch after
      one SGD step on the batch weighted by :math:`\tilde z` (differentiated
      through that step, as learning-to-reweight does; on a game of 20,000
      rows or more a step of its output layer only, ``lookahead``), plus
      :math:`\lambda(\overline{{p}} - \ell)^2` and minus
      :math:`\beta H(p)`, with the level :math:`\ell` = ``max(keep_ratio, 0.3)``
      (the selector's gradient, scaled by :math:`\tilde z(1 - \tilde z)`,
      is small when :math:`p` is; the retrieval keeps ``keep_ratio`` of the
      rows whatever the level). A row gains probability when learning from it
      lowers the error on other rows and loses it when it pulls against them,
      which is what a mislabeled row does. The expected error, unlike the
      cross-entropy, is bounded, so the mislabeled rows of the independent
      batch cannot dominate the judgement; and the gradient it sends to
      :math:`\tilde z` is standardised over the batch, so that it sets the
      ranking of the rows while the budget term alone sets the level of
      :math:`p`.

    Both networks are trained by a :class:`~sklearn_asss.nn.SoftSelectionNet`,
    a skorch ``NeuralNet`` holding the two modules and two optimizers with its
    own ``train_step`` (skorch's documented way to train several modules), so
    skorch's callbacks, history and ``verbose`` epoch table apply. The task
    network is first trained on the full, unweighted data for
    ``warmup_epochs`` epochs (stage 1 of the paper's later pipeline); the
    temperature then falls exponentially from ``initial_temperature`` to
    ``final_temperature`` over the ``max_epochs`` epochs of the game, step by
    step. On a table of more than ``max_game_samples`` rows (100,000), both
    play on a stratified sample of that many rows, and the trained networks
    then score every row. The networks see the features standardised, with
    values beyond 3 standard deviations
    compressed logarithmically (a rare one-hot category would otherwise
    standardise to values in the hundreds and outweigh every other input);
    the returned rows are unchanged.

    Parameters
    ----------
    {keep_ratio}

    min_samples_per_class : int, default=50
        Rows every class keeps at least (all of its rows when it has fewer),
        taken from the largest classes; capped at ``n_kept // n_classes``.
        The other samplers default to 1, the proportional split of a
        stratified draw. A class kept at 2 or 3 rows is barely learned, and
        on shuttle, whose rarest classes have 10 and 13 rows, this floor is
        what lifts the macro F1 of the subset above a uniform random
        draw's; a random draw given the same floor gains more (see the user
        guide). Set it to 1 for the proportional split.

    objective : {{"bilevel", "paper"}}, default="bilevel"
        The selector's loss, see above.

    selection : {{"auto", "validated", "clustered", "sample", "top", "stratified"}}, \
default="auto"
        How the subset is retrieved from :math:`p`, within each class budget.
        ``"auto"`` is ``"validated"`` where the choice costs little and was
        measured to help, a ``keep_ratio`` of 0.1 or less on fewer than 20,000
        rows, and ``"clustered"`` elsewhere (``selection_``).
        ``"validated"`` draws two candidate subsets and keeps the one on which
        the task network learns better: the ``"clustered"`` draw, and class
        prototypes (per class, :class:`~sklearn_asss.KMeansSampler`'s K-means
        into as many clusters as it keeps rows; the clusters of less than a
        quarter of the mean cluster's rows passed over, the row nearest each
        other centroid taken from the half of its cluster whose label the
        filter finds more probable). Both draw from each class's rows that
        are not drawn last (``label_filter``); the rows drawn last that a
        class needs are those of the clustered draw in both.
        A judge (``validation_estimator``, by default a random forest of 20
        trees; one seed for both) is fitted on each candidate and scored by
        balanced accuracy on up to 4,000 rows in neither, every row flagged or
        not (``validation_scores_``); the clustered draw wins ties. Judged by
        a task network instead (20 epochs of 256 rows, the default before), the
        choice retained more accuracy than the clustered draw alone on the
        quality grid's six panel tables at 1-10% kept, by 1.7 paired standard
        errors on average with the MLP downstream and 2.3 with a forest; the
        forest judges better, at the same cost: against the network, +1.35
        standard errors of macro F1 with the forest downstream, +0.51 with an
        MLP trained 500 steps, −0.28 with the grid's 20-epoch MLP. On shuttle
        and connect-4, not validated by ``"auto"``, the forest-judged choice
        gained macro F1 (connect-4 +2.1 to +4.8 points of retention) but lost
        accuracy (up to 1.3), at 1.0-2.0 times the selection time (the user
        guide): set it there where the hard or rare classes matter most.
        ``"clustered"`` splits each class into K-means clusters (one per five
        rows to keep, at most 1,000, on the standardised features the networks
        see), gives each cluster a share of the class budget in proportion to
        its rows, and draws within each cluster in proportion to :math:`p`: the
        selector decides which rows of a neighbourhood are kept, the
        clusters keep the subset spread over the whole class. A cluster
        whose mean :math:`p` is below a tenth of its class's mean (a clump of
        rows the selector rejects, such as rows carrying another class's
        label) gets its share cut in proportion, and the clusters too small
        for a share of two rows (isolated rows) are pooled per class and
        drawn from together. A class keeping fewer than 50 rows is not
        split: its few rows are drawn in proportion to :math:`p` over the
        whole class, so they concentrate where the selector rates the class
        highest instead of being spread a few to a cluster. ``"sample"``
        draws rows without replacement in proportion to :math:`p` over the
        whole class (Gumbel top-k): it filters label noise harder, but on
        clean data it under-samples whole regions the selector rates low and
        retains less than a random draw; ``"top"`` keeps the highest
        :math:`p` (the paper's top-M); ``"stratified"`` drops the lowest
        tenth of :math:`p` (likely label noise) and draws evenly across the
        rest of its range. These are the rules of
        :func:`~sklearn_asss.select_subset`; the measurements behind the
        default are in the user guide.

    validation_estimator : estimator or None, default=None
        What judges the candidates of ``selection="validated"`` (or
        ``"auto"`` resolved to it): a scikit-learn classifier, cloned and
        fitted on each candidate's rows (as given to ``fit``, not
        standardised), its ``random_state`` set to one seed for both where it
        is None, scored by balanced accuracy on the same held-out rows. Pass
        the model you will train on the subset to have the subset chosen for
        it: on the panel tables at 1-10% kept a random forest of 100 trees
        and a 20-epoch task network chose differently in 30% of the fits
        (the user guide). None: a ``RandomForestClassifier`` of 20 trees and
        one job. Unused by the other rules.

    rank_by : {{"selection_probability", "task_confidence"}}, \
default="selection_probability"
        The per-row score the retrieval (``selection``) draws by:
        ``"selection_probability"`` is the selector's :math:`p`;
        ``"task_confidence"`` is the probability the game's final task
        network gives each row's label, ``np.exp(-task_losses_)``. The task
        network learned from the rows the selector weighted up, so its
        confidence ranks mislabeled rows last better than :math:`p` does,
        and on shuttle and connect-4 better than an unweighted network's: with
        20% flipped labels its subsets held 11-14% flipped rows where
        :math:`p`'s held 14-20%, for 4 to 11 points more macro-F1 retention
        on shuttle and connect-4, at up to 0.7 points less accuracy retention
        on connect-4 (see the user guide's comparison page). On clean data it
        favours the rows the network finds easy.

    label_filter : {{"prune_by_noise_rate", "confident_learning"}} or None, \
default="prune_by_noise_rate"
        Takes the rows whose label a task network confidently contradicts
        (``label_issues_``, from the class probabilities that
        ``filter_probabilities`` names) only when their class has too few
        other rows: each class budget is filled by ``selection`` from the
        class's unflagged rows first, as cleanlab + random does (drawing by
        ``rank_by``'s score, times the filter's probability of each row's
        label with ``label_weighting``), and then
        from its flagged rows, drawn in proportion to the probability that
        game's final task network gives their label. A class with at least
        its budget of unflagged rows whose label the filter gives a uniform
        guess's probability or more (one over the number of classes) draws
        its other unflagged rows last too, with the flagged ones
        (``incredible_last_``): a small subset cannot afford the atypical
        rows, which pull the boundary towards the larger classes (on
        connect-4 with clean labels +2.45 points of macro-F1 PRR with the
        forest downstream, the user guide's parameters page). The rows are
        flagged by one of cleanlab's rules on the class
        probabilities: ``"prune_by_noise_rate"`` (cleanlab's default: as many
        rows of each pair of classes as confident learning estimates are
        mislabelled, those of largest margin) or ``"confident_learning"``
        (the rows whose probability of another class reaches that class's
        threshold). With the game's probabilities (before
        ``filter_probabilities="out_of_fold"``), on the six panel tables with
        20% flipped labels (symmetric or pair, keep ratios 1-30%) the default
        rule gained
        0.4 to 23 points of accuracy retention over no filter in all 48
        cells, its subsets holding 1-19% flipped rows against 18-25%. It
        costs accuracy where the network's confident disagreements are hard
        rows rather than wrong labels: up to 1.6 points on clean panel
        tables, 0.6-1.0 on connect-4 (for more macro F1), and 5.4 on shuttle
        with pair flips at 3% kept. The floor ``min_samples_per_class`` of a
        class with more rows than it is filled only from its unflagged rows
        (``class_budgets``'s ``trusted_counts``): a rare class flooded with
        flipped labels keeps its trusted rows, not the flipped ones. A row
        whose exact copies carry another label more often than its own is
        flagged too, and does not count in its class's share of the rows
        kept: on kddcup with 20% flipped labels such rows are 69-70% of the
        flipped rows, 99-100% of them flipped, and the subsets hold a third
        of the flipped rows they held without the vote (4-14% against
        cleanlab + random's 9-20%). ``None`` turns it off. The user guide's
        comparison page has the figures.

    filter_probabilities : {{"out_of_fold", "game"}}, default="out_of_fold"
        Whose class probabilities ``label_filter`` reads.
        ``"out_of_fold"``, as cleanlab asks of its input: the game rows are
        split in three stratified folds (two halves in the short game of a
        bi-level game of 20,000 rows or more, where the filter already takes
        as long as the game), and a plain task network (``task_module``, or
        ``filter_hidden_layer_sizes``; 6
        epochs of 256 rows a step at a learning rate of 3e-3, at least 40
        steps; a larger ``batch_size`` takes the place of 256, the epochs and
        the learning rate growing with the square root of its ratio to 256)
        trained on the other folds flags each fold's rows (the default
        network: all at once, as one stacked network). Outside the short
        game each network stops by its loss on its own fold: it keeps its
        weights of the epoch where that loss was least, and the training
        ends when no network has lowered it for 3 epochs (at most 3 times
        the epochs above; ``valid_loss`` in their ``history``). Any other row
        (beyond ``max_game_samples``, or a partition of ``resample_dask``) is
        flagged by their mean (``filter_nets_``). They cost about 6 to 8
        epochs of plain training in the short game, up to three times as
        many in a smaller one, beside the game where they can be. ``"game"``: the
        game's final task network, which has learned many of the flipped rows
        it trained on: on the six panel tables with 20% flipped labels its
        subsets kept more flipped rows (the user guide's comparison page).

    shortfall_fill : {{"flagged", "copies"}}, default="flagged"
        With a ``label_filter``, what fills the places of a class budget that
        its unflagged rows cannot: ``"flagged"``, its flagged rows (as
        above); ``"copies"``, the same places drawn again, with replacement,
        from all the rows the class keeps, in proportion to the probability
        the game's task network gives their label, so that the class keeps
        its budget while its most credible rows take the places of the
        flagged ones (``sample_indices_`` then repeats rows). Under label
        noise a rare class may be labelled mostly by flipped rows, and its
        budget, which follows the noisy labels, is then filled with them
        whatever ``p`` says; on shuttle with 20% flipped labels
        ``"copies"`` gained macro F1 with the forest and the MLP downstream
        (the user guide's parameters page, ``shortfall_fill``).
        :func:`~sklearn_asss.dask.resample_dask` supports ``"flagged"`` only.

    label_weighting : bool, default=False
        With a ``label_filter``, draw the unflagged rows by ``rank_by``'s
        score times the probability ``filter_probabilities`` give their label
        (``label_probabilities_``) instead of by the score alone. On the
        quality grid the subsets then keep fewer flipped rows than cleanlab
        + random's on the panel tables and gain macro F1 with the MLP
        downstream, but lose accuracy on connect-4 (MLP) and on the panel
        tables with the forest downstream (the user guide's parameters page).

    sparsity_weight : float, default=1.0
        :math:`\lambda`: weight of the sparsity penalty
        :math:`\overline{{p}}` (``"paper"``) or of the budget penalty
        :math:`(\overline{{p}} - \max(\text{{keep\_ratio}}, 0.3))^2`
        (``"bilevel"``).

    entropy_weight : float, default=0.01
        :math:`\beta`: weight of the entropy bonus :math:`H(p)`.

    initial_temperature, final_temperature : float, default=1.0, 0.1
        Start and end of the Gumbel-softmax temperature schedule.

    task_lr, selector_lr : float or "auto", default="auto"
        Adam learning rates of the task network and of the selector (the
        two-time-scale rule: the selector moves slower); the selector steps
        at ``selector_interval`` times ``selector_lr`` (see there).
        ``"auto"``: 1e-3 and 1e-4 at 256 rows a step or fewer, the task
        network's rate growing with the square root of a larger
        ``batch_size`` and the selector's in proportion to it (1.41e-3 and
        2e-4 at 512 rows, 2e-3 and 4e-4 at 1,024). In the short game of a
        bi-level game of 20,000 rows or more (``max_epochs``) the task
        network's starts from 3.5e-3 at 512 rows instead (4.95e-3 at 1,024):
        at 1.41e-3 it learnt too little in four epochs for the selector. A
        game of a few hundred steps, as on a table of a few thousand rows or with
        ``max_game_samples`` set, needs ``selector_lr=1e-3``: at 1e-4 the
        selector barely moves :math:`p` (ROC AUC 0.74 for finding flipped
        labels on ``ring``, against 0.95 at 1e-3).

    max_epochs : int, "auto" or None, default="auto"
        Epochs of the adversarial game (after the warm-up), over the game
        sample. ``"auto"``: 4 on a bi-level game of 20,000 rows or more
        (with ``batch_size="auto"``'s 512 rows a step 5 retained what 10 of
        256 did, in half the time, and 4 what 5 did), 10 on the paper
        objective's, 3 below
        (a smaller game's few hundred selector steps barely move :math:`p`,
        and its full look-ahead makes each step cost several plain ones: on
        the six panel tables 3 epochs retained what 10 did, in less than
        half the selection time). None plays as many epochs as make about
        300 game steps (at least one epoch), so that a table of 5,000 rows
        and one of 500,000 get an equally long game.

    max_game_samples : int or None, default=100_000
        The warm-up and the game train on a random draw of at most this many
        rows, stratified by class: each class gets its proportional share
        and at least 100 rows (all of a smaller class). The selector then
        scores every row in batched passes, once per distinct (row, label)
        pair, so the game's cost is bounded whatever the table's size; a
        table of at most this many rows plays on every row. None plays on
        every row of any table. On the whole kddcup 10% file (494,021 rows)
        the bound cuts ``fit_resample`` to about a third (13 s against 40 s),
        its retention within about one paired standard error of the game on
        every row; a bound near a table's size costs it label-noise
        filtering (connect-4's 54,045 training rows with 50,000: 1.0 point
        of macro-F1 retention under 20% flipped labels at 3% kept): the
        rows outside the game are scored by a network that never saw them.
        A game of 20,000 rows (``max_game_samples=20_000, max_epochs=None,
        batch_size=512, selector_lr=1e-3``) costs a fraction of the default's
        time on shuttle and connect-4 and filters label noise far better on
        small tables, but retains less on connect-4 (figures in the user
        guide's parameters page).

    collapse_duplicates : bool, default=True
        Play the warm-up and the game on the distinct (row, label) pairs of
        the game sample, each weighted by its number of copies in every
        mean the two networks take (losses, look-ahead step and judging
        batch, :math:`\overline{{p}}`), instead of on every copy. An epoch
        then costs one step per ``batch_size`` distinct rows: on the kddcup
        10% file, where 70% of the rows repeat another, a third of the
        rows, and ``fit`` takes about a third of the time with the same
        retention (the user guide's parameters page). A pair with more than
        16 copies plays as several rows of at most 16, so that a row
        repeated thousands of times still weighs in many steps of an epoch,
        as its copies do, instead of one. A game sample without repeated
        rows plays the same game either way. False plays on every copy.

    warmup_epochs : int, default=2
        Epochs of plain training of the task network before the game.

    batch_size : int or "auto", default="auto"
        Rows per minibatch of the warm-up and the game (and of the
        look-ahead's independent batch, and of the label filter's networks
        when above 256); a larger batch gives the standardised look-ahead
        gradient a steadier ranking per step. ``"auto"``: 512 on a bi-level
        game of 20,000 rows or more, 256 otherwise (the paper objective's
        selector filtered less with 512). 1,024 rows a step was no faster
        than 512 on shuttle and connect-4 (the label filter's networks train
        more epochs) and lost some macro F1 where 1-3% is kept under label
        noise (the user guide's parameters page has the figures).

    task_module : torch.nn.Module or callable, default=None
        The task network C. None uses the paper's 3-layer MLP
        (:class:`~sklearn_asss.nn.TaskMLP` with ``hidden_layer_sizes``). A
        module instance is copied before training; a callable is called as
        ``task_module(n_features, n_classes)`` and must return a module
        mapping a float tensor of rows to class logits.

    hidden_layer_sizes : tuple of int, default=(128, 64)
        Hidden widths of the default task network.

    filter_hidden_layer_sizes : tuple of int or "auto", default="auto"
        Hidden widths of the label filter's networks
        (``filter_probabilities="out_of_fold"``) where ``task_module`` is None
        (otherwise they are the user's task network). ``"auto"``: half of each
        of ``hidden_layer_sizes`` at a ``keep_ratio`` of 0.1 or less on a game
        of fewer than 20,000 rows, where ``selection="auto"`` validates and
        the filter's three networks, beside the game, decide the selection's
        time: they pay for the choice's judges (then two networks). There half the widths
        kept as much accuracy on the panel tables (within 0.2 paired standard
        errors on average) in less time; at 30% kept they lost 0.4-0.7 paired
        standard errors, and a larger game keeps the task network's widths
        (the user guide's parameters page).

    selector_hidden_layer_sizes : tuple of int, default=(64, 32)
        Hidden widths of the selector's two hidden layers.

    selector_input : {{"features", "features+label", "features+label+loss"}}, \
default="features+label+loss"
        What the selector sees of a row: its standardised features, plus its
        one-hot label, plus the task network's (detached) loss on it. From
        the features alone it cannot tell a mislabeled row from a clean one.

    lookahead : {{"auto", "output_layer", "full"}}, default="auto"
        ``objective="bilevel"`` only: which of the task network's parameters
        the one-step look-ahead updates. ``"output_layer"`` steps its last
        ``torch.nn.Linear`` layer alone, which needs no second pass through
        the network: the selector is judged by how each row's output-layer
        gradient aligns with the independent batch's, the proxy
        gradient-matching selection uses. ``"full"`` steps every parameter
        (a second-order pass). ``"auto"`` uses ``"output_layer"`` when the
        game trains on at least 20,000 rows, where it cuts the time of
        ``fit`` by about a quarter and retained the same accuracy as
        ``"full"`` on shuttle, connect-4 and kddcup (macro F1 within 1.6
        paired standard errors), and ``"full"`` on smaller tables, whose
        game is cheap anyway and where ``"output_layer"`` retained 0.2
        points less under label noise (see the user guide's parameters
        page). ``"output_layer"`` needs a task network whose output is its
        last linear layer's output (a ValueError says so otherwise).

    selector_clip : float, default=1.0
        Maximum norm of the selector's gradient (gradient clipping).

    selector_interval : int or "auto", default="auto"
        The selector steps on every this many of the task network's game
        steps, at ``selector_interval * selector_lr``, so that it moves as
        far over the game; on the other steps the task network learns from a
        draw of the selector's current probabilities. A selector step (with
        its judging batch) costs about twice a plain training step.
        ``"auto"``: 2 on a bi-level game of 20,000 rows or more, 1 below (a
        smaller game's few hundred selector steps are barely enough to move
        :math:`p`) and with ``objective="paper"`` (not measured). On
        shuttle and connect-4 every second step cut the selection time by a
        fifth with the same retention (see the user guide's parameters
        page).

    callbacks : list of skorch callbacks, default=None
        Extra callbacks for the skorch net.

    device : str or torch.device, default="cpu"
        Where both networks train. A device this machine does not have is a
        ValueError at the start of ``fit``; a sampler fitted on a GPU and
        pickled loads and scores on a CPU-only machine (see the user guide's
        Troubleshooting page). With two or more torch threads
        (``torch.get_num_threads()``) the default label filter's networks and
        the retrieval's clusters are made while the game plays: on a CPU under
        Linux in a forked worker process on one thread, elsewhere in a second
        thread on half of the threads beside a game of 20,000 rows or more. On
        two threads the subset is the one a single thread gives, in 0.56-0.63
        of the time on shuttle and connect-4.

    verbose : int, default=0
        1 prints the size of the game sample and its number of epochs,
        skorch's table of the epochs (losses, mean p, tau, and ``left_s``,
        the estimated seconds left in the game), the time of the label
        filter's networks (and, when they trained beside the game, how long
        the game then waited for them and the clusters: the longer of the two
        bounds the fit), and the time of the pass that scores every row.

    {random_state}

    Attributes
    ----------
    {fitted_attributes}

    selection_ : str
        The rule ``selection`` resolved to (``"auto"``: ``"validated"`` or
        ``"clustered"``).

    validation_scores_ : dict or None
        With ``selection_ == "validated"``, the balanced accuracy of the
        judge fitted on each candidate, ``{{"clustered": ..., "medoids":
        ...}}``; the subset kept is that of the higher (``kept_candidate_``).
        None otherwise.

    kept_candidate_ : str or None
        With ``selection_ == "validated"``, the candidate kept,
        ``"clustered"`` or ``"medoids"``; None otherwise.

    selection_scores_ : ndarray of shape (n_samples,)
        The selection probability :math:`p_i` of every training row (the
        subset is drawn by it unless ``rank_by="task_confidence"``).

    task_losses_ : ndarray of shape (n_samples,)
        The final task network's cross-entropy on every training row, the
        per-row loss the selector sees (``selector_input``). A plain score to
        compare :math:`p` with: ``np.exp(-task_losses_)`` is the probability
        the task network gives each row's label.

    label_issues_ : ndarray of bool of shape (n_samples,) or None
        With a ``label_filter``, the rows whose label is confidently
        contradicted (``filter_probabilities``) or outnumbered by another
        label among the row's exact copies (drawn, by the probability the
        game's task network gives their label, only when their class has too
        few other rows); None without a filter.

    label_probabilities_ : ndarray of shape (n_samples,) or None
        With a ``label_filter``, the probability of each row's label from the
        class probabilities it flags rows by (``filter_probabilities``); with
        ``label_weighting`` the retrieval draws by ``rank_by``'s score times
        it. None without a filter.

    label_thresholds_ : ndarray or None
        With a ``label_filter``, what it flags rows against, from the class
        probabilities of ``filter_probabilities``: ``"confident_learning"``, each
        class's threshold (the mean probability of the class over the rows
        labelled with it), shape (n_classes,); ``"prune_by_noise_rate"``,
        for each label k (row) and class j (column) the smallest margin
        :math:`p_j - p_k` flagged, shape (n_classes, n_classes).
        ``resample_dask`` flags the rows of every partition against these.

    incredible_last_ : ndarray of bool of shape (n_classes,) or None
        With a ``label_filter``, the classes that draw last, with their
        flagged rows, their unflagged rows whose label the filter gives less
        than a uniform guess's probability (one over the number of classes):
        those with at least their budget of other unflagged rows.
        ``resample_dask`` draws the rows of every partition by these. None
        without a filter.

    filter_nets_ : list of skorch nets or None
        With ``label_filter`` and ``filter_probabilities="out_of_fold"``,
        the label filter's networks, one per fold of the game rows (each
        trained on the other folds); None otherwise.

    game_indices_ : ndarray of shape (n_game_samples,)
        The rows (ascending) the warm-up and the game trained on (with
        ``collapse_duplicates``, on their distinct (row, label) pairs).

    history_ : skorch.History
        One entry per epoch with ``phase`` ("warmup" or "game"),
        ``task_loss`` (:math:`L_C`, or the look-ahead loss for ``"bilevel"``),
        ``selector_loss`` (:math:`L_G`), ``mean_p``, ``tau`` and ``dur``.

    net_ : SoftSelectionNet
        The trained skorch net (``net_.module_`` is C, ``net_.selector_`` G).

    See Also
    --------
    RandomSampler : The baseline ASSS must beat.
    MarginSampler : Keep the rows closest to the decision boundary.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn_asss import ASSSSampler
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> sampler = ASSSSampler(keep_ratio=0.3, max_epochs=3, random_state=0)
    >>> X_sub, y_sub = sampler.fit_resample(X, y)
    >>> X_sub.shape
    (171, 30)
    >>> sampler.selection_scores_.shape
    (569,)
    """

    _parameter_constraints: dict = {
        **BaseSubsampler._parameter_constraints,
        "objective": [StrOptions({"bilevel", "paper"})],
        "selection": [StrOptions({"auto", "validated", *SELECTIONS})],
        "validation_estimator": [HasMethods(["fit", "predict"]), None],
        "rank_by": [StrOptions(set(RANKINGS))],
        "label_filter": [StrOptions(set(LABEL_FILTERS)), None],
        "filter_probabilities": [StrOptions(set(FILTER_PROBABILITIES))],
        "shortfall_fill": [StrOptions({"flagged", "copies"})],
        "label_weighting": ["boolean"],
        "sparsity_weight": [Interval(Real, 0, None, closed="left")],
        "entropy_weight": [Interval(Real, 0, None, closed="left")],
        "initial_temperature": [Interval(Real, 0, None, closed="neither")],
        "final_temperature": [Interval(Real, 0, None, closed="neither")],
        "task_lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "selector_lr": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "max_game_samples": [Interval(Integral, 1, None, closed="left"), None],
        "collapse_duplicates": ["boolean"],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "task_module": [None, torch.nn.Module, callable],
        "hidden_layer_sizes": [tuple, list],
        "filter_hidden_layer_sizes": [tuple, list, StrOptions({"auto"})],
        "selector_hidden_layer_sizes": [tuple, list],
        "selector_input": [StrOptions(set(SELECTOR_INPUTS))],
        "lookahead": [StrOptions({"auto", *LOOKAHEADS})],
        "selector_clip": [Interval(Real, 0, None, closed="neither")],
        "selector_interval": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "callbacks": [None, list],
        "device": DEVICE_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        keep_ratio=0.3,
        min_samples_per_class=50,
        objective="bilevel",
        selection="auto",
        validation_estimator=None,
        rank_by="selection_probability",
        label_filter="prune_by_noise_rate",
        filter_probabilities="out_of_fold",
        shortfall_fill="flagged",
        label_weighting=False,
        sparsity_weight=1.0,
        entropy_weight=0.01,
        initial_temperature=1.0,
        final_temperature=0.1,
        task_lr="auto",
        selector_lr="auto",
        max_epochs="auto",
        max_game_samples=100_000,
        collapse_duplicates=True,
        warmup_epochs=2,
        batch_size="auto",
        task_module=None,
        hidden_layer_sizes=(128, 64),
        filter_hidden_layer_sizes="auto",
        selector_hidden_layer_sizes=(64, 32),
        selector_input="features+label+loss",
        lookahead="auto",
        selector_clip=1.0,
        selector_interval="auto",
        callbacks=None,
        device="cpu",
        verbose=0,
        random_state=None,
    ):
        super().__init__(
            keep_ratio=keep_ratio,
            min_samples_per_class=min_samples_per_class,
            random_state=random_state,
        )
        self.objective = objective
        self.selection = selection
        self.validation_estimator = validation_estimator
        self.rank_by = rank_by
        self.label_filter = label_filter
        self.filter_probabilities = filter_probabilities
        self.shortfall_fill = shortfall_fill
        self.label_weighting = label_weighting
        self.sparsity_weight = sparsity_weight
        self.entropy_weight = entropy_weight
        self.initial_temperature = initial_temperature
        self.final_temperature = final_temperature
        self.task_lr = task_lr
        self.selector_lr = selector_lr
        self.max_epochs = max_epochs
        self.max_game_samples = max_game_samples
        self.collapse_duplicates = collapse_duplicates
        self.warmup_epochs = warmup_epochs
        self.batch_size = batch_size
        self.task_module = task_module
        self.hidden_layer_sizes = hidden_layer_sizes
        self.filter_hidden_layer_sizes = filter_hidden_layer_sizes
        self.selector_hidden_layer_sizes = selector_hidden_layer_sizes
        self.selector_input = selector_input
        self.lookahead = lookahead
        self.selector_clip = selector_clip
        self.selector_interval = selector_interval
        self.callbacks = callbacks
        self.device = device
        self.verbose = verbose

    def _select(self, X, y_encoded, budgets, random_state):
        check_device(self.device)
        self.feature_mean_ = X.mean(axis=0)
        self.feature_scale_ = _safe_scale(X.std(axis=0))
        X_std = self._standardise(X)
        self.selection_ = self._selection_rule(len(X))
        self.validation_scores_ = self.kept_candidate_ = None
        self.game_indices_ = _game_sample(y_encoded, self.max_game_samples, random_state)
        seed = draw_seed(random_state)
        # the distinct (row, label) pairs, found once for the game and the scoring pass
        pairs = _distinct_labelled_rows(X, y_encoded)
        X_game, y_game = self._game_data(X, X_std, y_encoded, pairs)
        n_game_rows = len(y_game)
        schedule = self._game_schedule(n_game_rows)
        interval = schedule["selector_interval"]
        collapsed = f" as {n_game_rows:,} distinct" if isinstance(X_game, dict) else ""
        selector = f", the selector on 1 in {interval} steps" if interval > 1 else ""
        self._say(
            f"game on {len(self.game_indices_):,} of {len(X):,} rows{collapsed}: "
            f"{self.warmup_epochs} warm-up and {schedule['max_epochs']} game epochs of "
            f"{-(-n_game_rows // schedule['batch_size'])} steps of {schedule['batch_size']} "
            f"rows, {schedule['lookahead']} look-ahead{selector}"
        )
        beside_game = _BesideGame()
        steps, beside = self._steps_beside_game(
            beside_game, X_std, y_encoded, budgets, pairs, seed, n_game_rows, schedule,
            random_state,
        )  # fmt: skip
        made = beside_game if self._beside_in_worker() else None
        with run_beside(steps, beside=beside, made=made) as steps_beside:
            self._play(X_game, y_game, X.shape[1], len(budgets), seed, schedule)
        steps_beside.finish()
        if steps_beside.ran_beside and beside_game.message:
            where = {"process": "a worker process", "thread": "a second thread"}
            beside_game.message += (
                f" (beside the game in {where[steps_beside.ran_beside]}, which then waited "
                f"{steps_beside.waited_s:.1f}s for the work beside it)"
            )
        self.selection_scores_ = self._score_every_row(X_std, y_encoded, pairs, beside_game)
        scores = self._retrieval_scores(
            self.selection_scores_, self.task_losses_, self.label_probabilities_
        )
        budgets = self._set_class_budgets(
            self._budgets_trusting_filter(
                y_encoded, budgets, self.label_issues_, pairs.outvoted
            )
        )
        if beside_game.clusters is not None:
            random_state.set_state(beside_game.random_state.get_state())
        flags = self.label_issues_, self.label_probabilities_
        self.incredible_last_ = self._incredible_last(y_encoded, budgets, *flags)
        return self._retrieve(
            X_std, scores, y_encoded, budgets, random_state,
            drawn_last=self._drawn_last(y_encoded, budgets, *flags),
            clusters=beside_game.clusters, medoids=beside_game.medoids,
        )  # fmt: skip

    def _selection_rule(self, n_rows):
        """``selection``, with ``"auto"`` resolved for a table of `n_rows` rows."""
        if self.selection != "auto":
            return self.selection
        validated = self.keep_ratio <= _VALIDATED_MAX_KEEP_RATIO and not _is_large_game(n_rows)
        return "validated" if validated else "clustered"

    def _play(self, X_game, y_game, n_features, n_classes, seed, schedule):
        """The warm-up and the game (``net_``, ``history_``)."""
        with seeded_torch(seed):
            self.net_ = self._build_net(n_features, n_classes, seed, schedule)
            self.net_.fit(X_game, y_game)
        self.history_ = self.net_.history_
        if self.objective == "paper":
            self.net_.check_collapse(_COLLAPSE_THRESHOLD)

    # the retrieval's clusters may be made beside the game (a subclass whose retrieval
    # draws from other rows or budgets turns it off)
    _clusters_beside_game = True

    def _beside_in_worker(self):
        """Whether the work beside the game may run in a worker process: on a CPU device (the
        networks beside the game would otherwise need the GPU), where one can be forked."""
        return torch.device(self.device).type == "cpu" and can_fork_worker()

    def _steps_beside_game(
        self, made, X_std, y_encoded, budgets, pairs, seed, n_game_rows, schedule, random_state
    ):  # fmt: skip
        """The work that needs nothing of the game, as steps for ``run_beside`` that fill
        `made` (a :class:`_BesideGame`), and whether they may run beside the game.

        The out-of-fold label filter's networks (:meth:`_out_of_fold_nets`),
        their class probabilities of every row and flags, and the clusters of
        the rows the retrieval draws first (``trusted_clusters``, their seeds
        drawn from a copy of `random_state` as the retrieval's would be). On
        two threads they run beside the game, each on one, in a worker process
        where one may be forked (:meth:`_beside_in_worker`): ``fit_resample``
        then takes 0.56-0.63 of its one-thread time on shuttle and connect-4
        (0.82-0.86 of its time with a thread), and on the six panel tables
        0.71-0.98 of its time on two threads without a worker. In
        a second thread, elsewhere, only beside a large game
        (``_is_large_game``): 0.73 of the one-thread time on shuttle, 0.68 on
        connect-4, but on the panel tables 1.1-1.2 times as long (the user
        guide's parameters page). Not beside the networks of a user's ``task_module``,
        which may draw from torch's global generator (the game seeds it), nor
        beside a game bounded by ``max_game_samples``: the scoring and the
        clustering of the larger table would run long after it (on kddcup no
        faster, in a thread or a worker process). With the game's own filter, no steps:
        the flags and the clusters wait for the game.
        """
        if self._filters_by_game():
            return [], False
        beside = (
            self.task_module is None
            and len(self.game_indices_) == len(X_std)
            and (self._beside_in_worker() or _is_large_game(n_game_rows))
        )
        steps = []
        if self.label_filter is not None:
            modules = None
            if self.task_module is None:  # built in this thread: they seed torch's generator
                seeds = _filter_seeds(seed, schedule["filter_folds"])
                modules = task_modules(
                    X_std.shape[1], len(self.classes_), seeds,
                    schedule["filter_hidden_layer_sizes"],
                )  # fmt: skip

            def fit_filter(stop):
                made.filter_nets, made.folds, made.message = self._out_of_fold_nets(
                    X_std, y_encoded, seed, schedule, modules=modules, stop=stop
                )

            def flag_rows(stop):
                made.probabilities = self._out_of_fold_probabilities(
                    made.filter_nets, made.folds, X_std, pairs.inverse
                )
                made.label_flags = self._label_flags(
                    made.probabilities, y_encoded, pairs.outvoted
                )

            steps += [fit_filter, flag_rows]
        rule = self.selection_
        if rule in ("clustered", "validated") and self._clusters_beside_game:
            made.random_state = copy.deepcopy(random_state)

            def cluster_rows(stop):
                flags = made.label_flags or (None, None, None)
                rows_budgets = self._budgets_trusting_filter(
                    y_encoded, budgets, flags[1], pairs.outvoted
                )
                drawn_last = self._drawn_last(y_encoded, rows_budgets, flags[1], flags[2])
                X = X_std.numpy()
                made.clusters = trusted_clusters(
                    X, y_encoded, rows_budgets, drawn_last, made.random_state
                )
                if rule == "validated":
                    made.medoids = self._medoids(
                        X, y_encoded, rows_budgets, drawn_last, flags[2], made.random_state
                    )

            steps.append(cluster_rows)
        return steps, beside

    def _game_data(self, X, X_std, y_encoded, pairs):
        """What the warm-up and the game train on: the game sample's rows and labels.

        With ``collapse_duplicates``, its distinct (row, label) pairs instead,
        as ``{"X": rows, "counts": copies}`` (the net weighs each by its copies);
        `pairs` (:func:`_distinct_labelled_rows` of every row) are those of a
        game on every row.
        """
        rows = self.game_indices_
        if self.collapse_duplicates:
            if len(rows) < len(X):
                pairs = _distinct_labelled_rows(X[rows], y_encoded[rows])
            first, inverse = pairs.first, pairs.inverse
            if len(first) < len(rows):
                rows, counts = _split_copies(
                    rows[first], np.bincount(inverse), _MAX_COPIES_PER_GAME_ROW
                )
                counts = torch.as_tensor(counts, dtype=torch.float32)
                X_rows = {"X": X_std[rows], "counts": counts}
                return X_rows, torch.as_tensor(y_encoded[rows], dtype=torch.long)
        if len(rows) == len(X):
            return X_std, torch.as_tensor(y_encoded, dtype=torch.long)
        return X_std[rows], torch.as_tensor(y_encoded[rows], dtype=torch.long)

    def _ranking(self, p, task_losses):
        """The score the retrieval ranks by (``rank_by``), from ``p`` and the task losses."""
        return p if self.rank_by == "selection_probability" else _label_confidence(task_losses)

    def _retrieval_scores(self, p, task_losses, label_probabilities):
        """What the retrieval draws by: :meth:`_ranking`, times the label filter's probability
        of each row's label (``label_probabilities_``) with ``label_weighting``."""
        scores = self._ranking(p, task_losses)
        if label_probabilities is None or not self.label_weighting:
            return scores
        return scores * label_probabilities

    def _game_schedule(self, n_game_rows):
        """The game's settings, every ``"auto"`` resolved by its size and objective."""
        large = _is_large_game(n_game_rows)
        quick = large and self.objective == "bilevel"
        batch_size = _auto(self.batch_size, _QUICK_BATCH_SIZE if quick else _BATCH_SIZE)
        batch_ratio = max(batch_size, _BATCH_SIZE) / _BATCH_SIZE
        interval = _auto(self.selector_interval, _QUICK_SELECTOR_INTERVAL if quick else 1)
        epochs = _LARGE_GAME_EPOCHS if large else _SMALL_GAME_EPOCHS
        epochs = _auto(self.max_epochs, _QUICK_GAME_EPOCHS if quick else epochs)
        full_width = large or self.keep_ratio > _VALIDATED_MAX_KEEP_RATIO
        filter_widths = _auto(
            self.filter_hidden_layer_sizes, _filter_widths(self.hidden_layer_sizes, full_width)
        )
        return dict(
            batch_size=batch_size,
            task_lr=_auto(self.task_lr, _task_lr(batch_size, quick)),
            selector_lr=_auto(self.selector_lr, _SELECTOR_LR * batch_ratio) * interval,
            max_epochs=_epochs_of_game_steps(n_game_rows, batch_size) if epochs is None else epochs,
            lookahead=_auto(self.lookahead, "output_layer" if large else "full"),
            selector_interval=interval,
            filter_folds=_QUICK_FILTER_FOLDS if quick else _FILTER_FOLDS,
            filter_patience=None if quick else _FILTER_PATIENCE,
            filter_hidden_layer_sizes=tuple(filter_widths),
        )

    def _score_every_row(self, X_std, y_encoded, pairs, beside_game):
        """``p`` of every row (``task_losses_``, ``label_issues_``), once per distinct pair.

        One batched pass per distinct (row, label) pair; the out-of-fold label
        filter's networks and flags are those of `beside_game`.
        """
        start = time.perf_counter()
        first, inverse, outvoted = pairs
        rows = torch.as_tensor(first)
        y_first = torch.as_tensor(y_encoded[first], dtype=torch.long)
        game_filter = self._filters_by_game()
        p, losses, *class_probabilities = self.net_.probabilities_and_losses(
            X_std[rows], y_first, class_probabilities=game_filter
        )
        p, self.task_losses_ = p[inverse], losses[inverse]
        self.label_issues_ = self.label_thresholds_ = self.filter_nets_ = None
        self.label_probabilities_ = None
        if game_filter:
            self._flag_label_issues(class_probabilities[0][inverse], y_encoded, outvoted)
        elif self.label_filter is not None:
            self._say(beside_game.message)
            self.filter_nets_ = beside_game.filter_nets
            self._flag_label_issues(
                beside_game.probabilities, y_encoded, outvoted, beside_game.label_flags
            )
        outvoted_rows = ""
        if self.label_issues_ is not None and outvoted.any():
            outvoted_rows = f", {outvoted.sum():,} outvoted by their copies' labels"
        self._say(
            f"scored {len(X_std):,} rows ({len(first):,} distinct{outvoted_rows}) in "
            f"{time.perf_counter() - start:.1f}s"
        )
        return p

    def _out_of_fold_nets(self, X_std, y_encoded, seed, schedule, **stacked):
        """The label filter's networks (``filter_nets_``), the folds of the game rows they
        flag, and what ``verbose`` says of them.

        Plain task networks (seeds `seed`, `seed` + 1, ...), one per stratified
        fold of the game rows (the game `schedule`'s ``filter_folds``), each
        trained on the other folds, on the schedule of the game's
        ``batch_size`` (:func:`_filter_schedule`); with the `schedule`'s
        ``filter_patience``, each stopped by its loss on its own fold
        (:func:`_stopping_by_folds`). `stacked`: ``modules`` and ``stop`` of
        :func:`~sklearn_asss.nn._stacked.fit_task_classifiers`.
        """
        start = time.perf_counter()
        rows, X_rows = self.game_indices_, X_std.numpy()
        folds = _stratified_folds(y_encoded[rows], seed, schedule["filter_folds"])
        trained_on = _other_folds(folds)
        batch_size, lr, n_epochs = _filter_schedule(schedule["batch_size"], len(trained_on[0]))
        stopping = _stopping_by_folds(X_rows, y_encoded, rows, folds, schedule["filter_patience"])
        if stopping:
            n_epochs *= _FILTER_MAX_EPOCHS_FACTOR
        nets = self._fit_plain_nets(
            [X_rows[rows[train]] for train in trained_on],
            [y_encoded[rows[train]] for train in trained_on], _filter_seeds(seed, len(folds)),
            schedule["filter_hidden_layer_sizes"], max_epochs=n_epochs, lr=lr,
            batch_size=batch_size, **stopping, **stacked,
        )  # fmt: skip
        epochs = [len(net.history) for net in nets]
        stopped = ""
        if stopping:
            stopped = f", stopped by their folds' loss, best at {_best_epochs(nets)}"
        message = (
            f"label filter: {len(nets)} networks of {max(epochs)} epochs on {len(nets)} folds "
            f"of {len(rows):,} rows{stopped} in {time.perf_counter() - start:.1f}s"
        )
        return nets, folds, message

    def _out_of_fold_probabilities(self, nets, folds, X_std, pair_of_row):
        """Class probabilities of every row for the label filter, each game row's out of fold.

        A game row gets the probabilities of the network (of `nets`) that did
        not train on it (`folds`: the game rows' positions each flags), any
        other row their mean (as new rows do). The game's own network
        has learned many of the flipped rows it trained on: on the six panel
        tables with 20% flipped labels its flags missed 3-8% more of them
        than out-of-fold ones, as cleanlab's are. Each network reads each
        distinct (row, label) pair (`pair_of_row`) once.
        """
        rows, X_rows = self.game_indices_, X_std.numpy()
        probabilities = np.empty((len(X_rows), len(self.classes_)))
        if len(rows) < len(X_rows):  # rows beyond the game sample: every network, as new rows
            others = np.setdiff1d(np.arange(len(X_rows)), rows, assume_unique=True)
            probabilities[others] = _once_per_pair(
                functools.partial(_mean_probabilities, nets), X_rows, others, pair_of_row
            )
        for net, unseen in zip(nets, folds):
            if not len(unseen):  # fewer game rows than folds
                continue
            probabilities[rows[unseen]] = _once_per_pair(
                net.predict_proba, X_rows, rows[unseen], pair_of_row
            )
        return probabilities

    def _fit_plain_nets(
        self, X_sets, y_sets, seeds, hidden_layer_sizes, *, held_out=None, patience=None,
        modules=None, stop=None, **schedule,
    ):  # fmt: skip
        """Plain task networks (``task_module``, else a :class:`~sklearn_asss.nn.TaskMLP` of
        `hidden_layer_sizes`), one trained on each row set from its seed's initial weights,
        on :func:`fit_task_classifier`'s `schedule` (``max_epochs``, ``lr``, ``batch_size``).

        The default :class:`~sklearn_asss.nn.TaskMLP`s train together, as one
        stacked network (:func:`~sklearn_asss.nn._stacked.fit_task_classifiers`,
        which `modules` and `stop` go to):
        on connect-4 the two take 0.7 of the time of training one after the other.
        With `held_out` (one ``(X, y)`` per network), each stops by its loss on
        its own, with `patience`: stacked, or by skorch's ``EarlyStopping``.
        """
        n_classes = len(self.classes_)
        schedule.update(device=self.device, iterator_valid__batch_size=INFERENCE_BATCH_SIZE)
        if self.task_module is None:
            return fit_task_classifiers(
                X_sets, y_sets, n_classes, seeds=seeds, hidden_layer_sizes=hidden_layer_sizes,
                held_out=held_out, patience=patience, modules=modules, stop=stop, **schedule,
            )  # fmt: skip
        nets = []
        for k, (X, y_encoded, seed) in enumerate(zip(X_sets, y_sets, seeds)):
            with seeded_torch(seed):
                module = self._task_module(X.shape[1], n_classes)
            stopping = {} if held_out is None else _early_stopping(*held_out[k], patience)
            nets.append(
                fit_task_classifier(
                    X, y_encoded, n_classes, seed=seed, module=module, **stopping, **schedule
                )
            )
        return nets

    def _filter_probabilities(self, X_std):
        """The mean class probabilities of the label filter's networks for rows `X_std`."""
        return _mean_probabilities(self.filter_nets_, X_std)

    def _label_flags(self, probabilities, y_encoded, outvoted):
        """The label filter's thresholds, the rows it flags and each row's probability of its
        label, from the rows' class `probabilities`; the `outvoted` rows (those whose copies
        carry another label more often, :func:`_outvoted_labels`) are flagged too."""
        thresholds = fit_label_filter(probabilities, y_encoded, self.label_filter)
        issues = flag_label_issues(probabilities, y_encoded, thresholds) | outvoted
        return thresholds, issues, _probability_of_label(probabilities, y_encoded)

    def _flag_label_issues(self, probabilities, y_encoded, outvoted, flags=None):
        """``label_thresholds_``, ``label_issues_`` and ``label_probabilities_`` of the rows:
        :meth:`_label_flags` of their class `probabilities`, or `flags`, made already."""
        if flags is None:
            flags = self._label_flags(probabilities, y_encoded, outvoted)
        self.label_thresholds_, self.label_issues_, self.label_probabilities_ = flags

    def _drawn_last(self, y_encoded, budgets, issues, label_probabilities):
        """The rows a class draws only once its others are spent: those the label filter
        flags (`issues`), and, in the classes of :meth:`_incredible_last`, those whose
        label its networks give less than a uniform guess's probability
        (`label_probabilities`, :func:`_below_uniform_guess`)."""
        if issues is None:
            return None
        incredible, classes = _incredible_rows_and_classes(
            y_encoded, budgets, issues, label_probabilities
        )
        return issues | (incredible & classes[y_encoded])

    def _incredible_last(self, y_encoded, budgets, issues, label_probabilities):
        """``incredible_last_``: whether each class has at least its budget (`budgets`) of
        unflagged rows whose label the label filter gives a uniform guess's probability or
        more, and so draws its other unflagged rows last (None without `issues`).

        A small subset cannot afford its class's atypical rows, which pull the
        boundary towards the larger classes: on connect-4 with clean labels they
        cost macro F1 at every keep ratio (the user guide's parameters page),
        as coverage-centric selection's hardest rows do. A class without its
        budget of such rows draws from all its unflagged rows before any
        flagged one: under 20% flipped labels connect-4's "draw" rows are that.
        """
        if issues is None:
            return None
        return _incredible_rows_and_classes(y_encoded, budgets, issues, label_probabilities)[1]

    def _budgets_trusting_filter(self, y_encoded, budgets, issues, outvoted):
        """`budgets`, with the floor of a class larger than it filled only from the class's
        rows the label filter does not flag (`issues`; None: `budgets`), and the classes'
        shares of the rows kept made from their rows their copies do not outvote
        (`outvoted`, :func:`_outvoted_labels`), while those are enough.

        On shuttle with 20% flipped labels at 1% kept, the floors of its four
        rare classes took flagged rows, nearly all flipped: their subsets held
        33% flipped rows against 11% with this rule (the comparison page).
        On kddcup under 20% symmetric flips each of the rare classes has about
        3,000 rows labelled with it, nearly all flipped: its share of the rows
        kept is made of flipped rows whatever the filter flags, and its
        outvoted rows are about two thirds of them.
        """
        if issues is None:
            return budgets
        n_classes, n_keep = len(budgets), int(budgets.sum())
        counts = _voted_class_counts(
            np.bincount(y_encoded, minlength=n_classes),
            np.bincount(y_encoded[outvoted], minlength=n_classes), n_keep,
        )  # fmt: skip
        return class_budgets(
            counts, n_keep, self.min_samples_per_class,
            trusted_counts=np.bincount(y_encoded[~issues], minlength=n_classes),
        )  # fmt: skip

    def _filters_by_game(self):
        """Whether the label filter reads the game's task network (no network but one trained
        on it can flag a single game row: the game's network flags it)."""
        return self.label_filter is not None and (
            self.filter_probabilities == "game" or len(self.game_indices_) < 2
        )

    def _say(self, message):
        if self.verbose:
            print(f"[ASSSSampler] {message}", flush=True)

    def _retrieve(
        self, X_std, p, y_encoded, budgets, random_state, drawn_last=None, clusters=None,
        medoids=None,
    ):  # fmt: skip
        """The subset by :func:`~sklearn_asss.select_subset`, clustering the rows the nets see.

        The `drawn_last` rows (:meth:`_drawn_last`) a class needs are drawn by the
        task network's probability of their label (:meth:`_drawn_last_by`).
        `clusters` and `medoids`: those ``trusted_clusters`` and :meth:`_medoids` give, made
        already.
        With ``selection="validated"`` (or ``"auto"`` resolved to it), the clustered draw or
        the medoids, whichever the judge learns better from (:meth:`_validated_choice`).
        With ``shortfall_fill="copies"``, the places of each class's kept `drawn_last` rows
        are then drawn again from the class's kept rows (:func:`_credible_copies`).
        """
        X = X_std.numpy()
        rule = self._selection_rule(len(y_encoded))
        validated = rule == "validated"
        if validated and clusters is None:
            clusters = trusted_clusters(X, y_encoded, budgets, drawn_last, random_state)
            medoids = self._medoids(
                X, y_encoded, budgets, drawn_last, self.label_probabilities_, random_state
            )
        drawn_last_by = self._drawn_last_by(drawn_last)
        kept = _select_subset(
            p, y_encoded, budgets, selection="clustered" if validated else rule,
            X=X, random_state=random_state, drawn_last=drawn_last,
            drawn_last_by=drawn_last_by, clusters=clusters,
        )  # fmt: skip
        if validated:
            kept = self._validated_choice(X, y_encoded, kept, medoids, drawn_last, random_state)
        if self.shortfall_fill == "copies" and drawn_last is not None:
            kept = _credible_copies(kept, y_encoded, drawn_last, drawn_last_by, random_state)
        return kept

    def _medoids(self, X, y_encoded, budgets, drawn_last, label_probabilities, random_state):
        """The validated choice's prototypes of the rows not `drawn_last`: per class, as many
        K-means clusters as it keeps of them; with `label_probabilities` (the filter's, of
        each row's label), the clusters far smaller than the others passed over and the row
        nearest each other centroid taken from the more credible half of its cluster
        (``KMeansSampler._select``'s ``credibility``), else the row nearest each centroid.

        On ring with 20% flipped labels at 1% kept the row nearest each centroid
        was flipped 8.5% of the time, where the filter left 2.4% of the rows
        flipped: a cluster's centroid falls near ring's centre, where the other
        class lives."""
        rows, rows_budgets = _trusted_rows(y_encoded, budgets, drawn_last)
        rows = np.arange(len(y_encoded))[rows]
        credibility = None if label_probabilities is None else label_probabilities[rows]
        medoids = KMeansSampler()._select(
            X[rows], y_encoded[rows], rows_budgets, random_state, credibility=credibility
        )
        return np.sort(rows[medoids])

    def _validated_choice(self, X, y_encoded, clustered, medoids, drawn_last, random_state):
        """The candidate subset, clustered draw or medoids (with the flagged rows the
        clustered draw needed), on which the judge (:meth:`_judged`) scores the higher
        balanced accuracy on up to ``_VALIDATION_ROWS`` rows in neither."""
        if drawn_last is not None:
            medoids = np.sort(np.concatenate([medoids, clustered[drawn_last[clustered]]]))
        candidates = {"clustered": clustered, "medoids": medoids}
        valid = _held_out_rows(candidates, np.ones(len(y_encoded), dtype=bool), random_state)
        seed = random_state.randint(2**31 - 1)
        self.validation_scores_ = _held_out_scores(
            candidates, y_encoded, valid,
            lambda candidates, valid: self._judged(X, y_encoded, candidates, seed, valid),
        )  # fmt: skip
        self.kept_candidate_ = max(self.validation_scores_, key=self.validation_scores_.get)
        scores = ", ".join(f"{name} {v:.3f}" for name, v in self.validation_scores_.items())
        self._say(
            f"validated: balanced accuracy {scores} on {len(valid):,} held-out rows; "
            f"kept the {self.kept_candidate_}"
        )
        return candidates[self.kept_candidate_]

    def _judged(self, X, y_encoded, candidates, seed, valid):
        """The labels of rows `valid` that a clone of the judge (:meth:`_judge`), fitted on
        each of `candidates` (``{name: rows}``) with the rows as given to ``fit`` (`X`: as
        the networks see them, :meth:`_standardise`), predicts: ``{name: labels}``."""
        X = _expand_tails(X) * self.feature_scale_ + self.feature_mean_
        judge = clone(self._judge())
        if "random_state" in judge.get_params() and judge.random_state is None:
            judge.set_params(random_state=seed)
        return {
            name: clone(judge).fit(X[rows], y_encoded[rows]).predict(X[valid])
            for name, rows in candidates.items()
        }

    def _judge(self):
        """``validation_estimator``, or the default judge: a forest of ``_JUDGE_TREES``."""
        if self.validation_estimator is not None:
            return self.validation_estimator
        return RandomForestClassifier(n_estimators=_JUDGE_TREES, n_jobs=1)

    def _drawn_last_by(self, drawn_last, task_losses=None):
        """What the flagged rows are drawn by: the task network's probability of their label.

        On noisy shuttle a rare class can be flagged whole, its few real rows
        with the rows flipped into it; the task network gives those real rows
        more probability of their label than ``p`` does (ROC AUC for "flipped"
        in its four rare classes, two folds: task loss 0.89, 1 - p 0.75).
        A draw, not the top rows: under class-dependent flips the top ones
        are the flipped rows the network has learned as the class.
        """
        if drawn_last is None:
            return None
        return _label_confidence(self.task_losses_ if task_losses is None else task_losses)

    def _build_net(self, n_features, n_classes, seed, schedule):
        selector_inputs = n_features
        if self.selector_input != "features":
            selector_inputs += n_classes
        if self.selector_input == "features+label+loss":
            selector_inputs += 1
        level = self._game_level()
        return SoftSelectionNet(
            module=self._task_module(n_features, n_classes),
            selector=SelectorMLP,
            selector__n_inputs=selector_inputs,
            selector__hidden_layer_sizes=tuple(self.selector_hidden_layer_sizes),
            selector__initial_probability=min(level, 0.99),
            objective=self.objective,
            keep_ratio=level,
            sparsity_weight=self.sparsity_weight,
            entropy_weight=self.entropy_weight,
            initial_temperature=self.initial_temperature,
            final_temperature=self.final_temperature,
            warmup_epochs=self.warmup_epochs,
            selector_input=self.selector_input,
            lookahead=schedule["lookahead"],
            n_classes=n_classes,
            selector_lr=schedule["selector_lr"],
            selector_clip=self.selector_clip,
            selector_interval=schedule["selector_interval"],
            seed=seed,
            lr=schedule["task_lr"],
            max_epochs=schedule["max_epochs"],
            batch_size=schedule["batch_size"],
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(seed),
            callbacks=[*(self.callbacks or []), *([TimeLeft()] if self.verbose else [])],
            device=self.device,
            verbose=self.verbose,
        )

    def _game_level(self):
        """The mean p the game holds and the selector starts from: ``keep_ratio``, at least
        ``_MIN_GAME_LEVEL`` in the bi-level game (the retrieval keeps ``keep_ratio`` of the
        rows by the ranking of p whatever its level)."""
        if self.objective == "paper":
            return self.keep_ratio
        return max(self.keep_ratio, _MIN_GAME_LEVEL)

    def _task_module(self, n_features, n_classes):
        if self.task_module is None:
            return TaskMLP(n_features, n_classes, tuple(self.hidden_layer_sizes))
        if isinstance(self.task_module, torch.nn.Module):
            return copy.deepcopy(self.task_module)
        return self.task_module(n_features, n_classes)

    def _standardise(self, X):
        standardised = (X - self.feature_mean_) / self.feature_scale_
        return torch.as_tensor(_compress_tails(standardised), dtype=torch.float32)

    def _redraw(self, X, y, random_state):
        """Indices of another subset of the rows ``fit`` saw, drawn from the fitted scores.

        Only the retrieval (``selection``) runs again, with `random_state`: the
        game is not replayed. The benchmark runner's ``reuse_fits`` draws its
        later subsets of a fold this way.
        """
        check_is_fitted(self, "selection_scores_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        if len(X) != len(self.selection_scores_):
            raise ValueError(
                f"X has {len(X)} rows; the sampler was fitted on "
                f"{len(self.selection_scores_)}. Only the rows fit saw can be drawn again."
            )
        y_encoded = self._encode_labels(y, len(X))
        scores = self._retrieval_scores(
            self.selection_scores_, self.task_losses_, self.label_probabilities_
        )
        fitted_choice = self.validation_scores_, self.kept_candidate_
        indices = self._retrieve(
            self._standardise(X), scores, y_encoded, self.class_budgets_,
            check_random_state(random_state),
            drawn_last=self._drawn_last(
                y_encoded, self.class_budgets_, self.label_issues_, self.label_probabilities_
            ),
        )  # fmt: skip
        self.validation_scores_, self.kept_candidate_ = fitted_choice  # those of the fit
        return np.sort(np.asarray(indices, dtype=np.intp))

    def score_samples(self, X, y=None):
        """Selection probability ``p`` of each row of `X`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like of shape (n_samples,), default=None
            Their labels. The selector conditions on the label (unless
            ``selector_input="features"``); when `y` is None the task
            network's predicted label stands in for it.

        Returns
        -------
        p : ndarray of shape (n_samples,)
            Selection probabilities in (0, 1).
        """
        return self._scores_and_losses(X, y)[0]

    def _ranking_scores(self, X, y):
        """What the retrieval draws by (``rank_by``) for new rows: scores partitions on Dask."""
        return self._ranking(*self._scores_and_losses(X, y))

    def _ranking_scores_and_issues(self, X, y):
        """:meth:`_ranking_scores`, the rows the label filter flags, its other rows drawn last
        (:func:`_below_uniform_guess`, in the classes of ``incredible_last_``), and what those
        two are drawn by.

        The flags use the thresholds of the rows ``fit`` saw (``label_thresholds_``);
        without a filter the last three are None.
        """
        if self.label_filter is None:
            return self._ranking_scores(X, y), None, None, None
        thresholds = getattr(self, "label_thresholds_", None)
        fitted_with = fitted_label_filter(thresholds)
        if fitted_with != self.label_filter:
            raise ValueError(
                f"label_filter={self.label_filter!r} flags rows against the thresholds of "
                f"the rows fit saw, and this sampler was fitted with label_filter="
                f"{fitted_with!r}: fit it again."
            )
        p, losses, probabilities, y_encoded = self._scores_and_losses(
            X, y, class_probabilities=True
        )
        issues = flag_label_issues(probabilities, y_encoded, self.label_thresholds_)
        label_probabilities = _probability_of_label(probabilities, y_encoded)
        incredible = _below_uniform_guess(label_probabilities, issues, len(self.classes_))
        incredible &= self.incredible_last_[y_encoded]
        scores = self._retrieval_scores(p, losses, label_probabilities)
        return scores, issues, incredible, self._drawn_last_by(issues, losses)

    def _scores_and_losses(self, X, y, class_probabilities=False):
        check_is_fitted(self, "net_")
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        X_std = self._standardise(X)
        if y is None:
            y_encoded = self._predict_encoded(X_std)
        else:
            y_encoded = self._encode_labels(y, len(X))
        filter_nets = getattr(self, "filter_nets_", None)
        outputs = self.net_.probabilities_and_losses(
            X_std, torch.as_tensor(y_encoded),
            class_probabilities=class_probabilities and filter_nets is None,
        )  # fmt: skip
        if class_probabilities and filter_nets is not None:
            outputs = (*outputs, self._filter_probabilities(X_std))
        return (*outputs, y_encoded) if class_probabilities else outputs

    def _predict_encoded(self, X_std):
        module = self.net_.module_
        with eval_no_grad(module):
            labels = [
                module(X_batch).argmax(dim=1).cpu()
                for _, X_batch in inference_batches(X_std, device=self.net_.device)
            ]
        return torch.cat(labels).numpy()

    def _encode_labels(self, y, n_rows):
        y = np.asarray(y)
        if len(y) != n_rows:
            raise ValueError(f"X has {n_rows} rows but y has {len(y)} labels.")
        positions = np.searchsorted(self.classes_, y)
        positions = np.clip(positions, 0, len(self.classes_) - 1)
        unknown = self.classes_[positions] != y
        if unknown.any():
            raise ValueError(
                f"y contains labels not seen during fit: {np.unique(y[unknown])[:5]}"
            )
        return positions

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


class _BesideGame:
    """What :meth:`ASSSSampler._steps_beside_game` make: the label filter and the clusters."""

    filter_nets = folds = message = probabilities = label_flags = None
    clusters = medoids = random_state = None


def _held_out_rows(candidates, eligible, random_state):
    """Up to ``_VALIDATION_ROWS`` rows drawn from the `eligible` ones (a boolean mask) that
    are in no candidate subset of `candidates` (``{name: rows}``)."""
    held_out = eligible.copy()
    for rows in candidates.values():
        held_out[rows] = False
    pool = np.flatnonzero(held_out)
    return random_state.choice(pool, min(len(pool), _VALIDATION_ROWS), replace=False)


def _held_out_scores(candidates, y_encoded, valid, predict):
    """Balanced accuracy on rows `valid` of ``predict(candidates, valid)[name]`` (the labels
    a model trained on candidate subset `name` predicts for them), for each candidate
    subset of `candidates` (``{name: rows}``; each scores 0 when there are no such rows)."""
    if len(valid) == 0:
        return dict.fromkeys(candidates, 0.0)
    scores = {}
    for name, predicted in predict(candidates, valid).items():
        with warnings.catch_warnings():
            # a class kept whole has no held-out rows: the score averages over the others
            warnings.simplefilter("ignore", UserWarning)
            scores[name] = balanced_accuracy_score(y_encoded[valid], predicted)
    return scores


def _mean_probabilities(nets, X_std):
    """The mean class probabilities of fitted classifiers `nets` for rows `X_std`."""
    X_std = np.asarray(X_std, dtype=np.float32)
    return np.mean([net.predict_proba(X_std) for net in nets], axis=0)


def _is_large_game(n_game_rows):
    """Whether a game on `n_game_rows` rows is large: ``"auto"`` settings resolve by it."""
    return n_game_rows >= _OUTPUT_LAYER_MIN_ROWS


def _task_lr(batch_size, quick):
    """``task_lr="auto"``: the rate at the schedule's batch size, growing with the square root
    of a larger one."""
    lr, base = (_QUICK_TASK_LR, _QUICK_BATCH_SIZE) if quick else (_TASK_LR, _BATCH_SIZE)
    return lr * math.sqrt(max(batch_size, base) / base)


def _auto(value, resolved):
    """A parameter's `value`, or `resolved` where it is ``"auto"``."""
    return resolved if value == "auto" else value


def _credible_copies(kept, y_encoded, drawn_last, credibility, random_state):
    """`kept`, the places of each class's `drawn_last` rows drawn again, with replacement,
    from all the class's kept rows in proportion to their `credibility`."""
    kept = np.array(kept, dtype=np.intp)
    last, kept_labels = drawn_last[kept], y_encoded[kept]
    for label in np.unique(kept_labels[last]):
        in_class = kept_labels == label
        pool = kept[in_class]
        places = in_class & last
        total = credibility[pool].sum()
        weights = credibility[pool] / total if total > 0 else None  # else uniformly
        kept[places] = random_state.choice(pool, int(places.sum()), p=weights)
    return kept


def _incredible_rows_and_classes(y_encoded, budgets, issues, label_probabilities):
    """The unflagged rows below a uniform guess (:func:`_below_uniform_guess`), and whether
    each class has at least its budget (`budgets`) of other unflagged rows."""
    incredible = _below_uniform_guess(label_probabilities, issues, len(budgets))
    credible_counts = np.bincount(y_encoded[~issues & ~incredible], minlength=len(budgets))
    return incredible, credible_counts >= budgets


def _below_uniform_guess(label_probabilities, issues, n_classes):
    """The rows not flagged (`issues`) whose label has less than ``1 / n_classes`` of
    probability (`label_probabilities`): the label filter's networks would sooner guess."""
    return ~issues & (label_probabilities < 1 / n_classes)


def _filter_widths(hidden_layer_sizes, full_width):
    """``filter_hidden_layer_sizes="auto"``: the task network's widths where `full_width`, else
    half of each."""
    if full_width:
        return hidden_layer_sizes
    return [max(1, width // 2) for width in hidden_layer_sizes]


def _epochs_of_game_steps(n_game_rows, batch_size):
    """``max_epochs=None``: the epochs of about ``_GAME_STEPS`` steps, at least one."""
    steps_per_epoch = -(-n_game_rows // batch_size)
    return -(-_GAME_STEPS // steps_per_epoch)


def _probability_of_label(probabilities, y_encoded):
    """Each row's probability of its own label, from class probabilities."""
    return probabilities[np.arange(len(y_encoded)), y_encoded]


def _label_confidence(task_losses):
    """The task network's probability of each row's label, from its cross-entropy."""
    return np.exp(-task_losses)


def _filter_schedule(game_batch_size, n_rows):
    """Batch size, learning rate and epochs of each label-filter network on `n_rows` rows."""
    batch_size = max(_FILTER_BATCH_SIZE, game_batch_size)
    scale = math.sqrt(batch_size / _FILTER_BATCH_SIZE)
    steps_per_epoch = -(-n_rows // batch_size)
    n_epochs = max(round(_FILTER_EPOCHS * scale), -(-_FILTER_MIN_STEPS // steps_per_epoch))
    return batch_size, _FILTER_LR * scale, n_epochs


def _stopping_by_folds(X, y_encoded, rows, folds, patience):
    """The ``held_out`` and ``patience`` that stop each label-filter network by its loss on its
    own fold (positions in the game `rows` of `X`); none without `patience` (no copy of the
    rows made then), or where a fold is empty (fewer game rows than folds)."""
    if patience is None or not all(len(fold) for fold in folds):
        return {}
    held_out = [(X[rows[fold]], y_encoded[rows[fold]]) for fold in folds]
    return dict(held_out=held_out, patience=patience)


def _early_stopping(X_held_out, y_held_out, patience):
    """skorch settings that stop a network as :func:`_stopping_by_folds` stops a stacked one."""
    held_out = Dataset(
        np.asarray(X_held_out, dtype=np.float32), np.asarray(y_held_out, dtype=np.int64)
    )
    stopping = EarlyStopping(patience=patience, threshold=0.0, load_best=True)
    return dict(train_split=predefined_split(held_out), callbacks=[stopping])


def _best_epochs(nets):
    """Each net's epoch of least ``valid_loss``, as ``"e1/e2/..."``."""
    return "/".join(str(1 + int(np.argmin(net.history[:, "valid_loss"]))) for net in nets)


def _other_folds(folds):
    """For each of `folds`, the positions of all the others: what its network trains on."""
    return [np.sort(np.concatenate(folds[:k] + folds[k + 1:])) for k in range(len(folds))]


def _filter_seeds(seed, n_folds):
    """The seeds of the label filter's networks, one per fold."""
    return [seed + k for k in range(n_folds)]


def _stratified_folds(y_encoded, seed, n_folds):
    """Positions of `n_folds` disjoint folds of `y_encoded`, each class split as evenly as it
    can be.

    The rows, ordered by class and at random within it, go to the folds in
    turn, so a class of fewer rows than folds leaves some folds without it
    (StratifiedKFold refuses it). The folds come last first: two of them are
    then flagged by the networks, with the seeds, that flagged the two halves
    of the rows before there were folds, so a large game's subsets stayed the same.
    """
    keys = np.random.RandomState(seed).permutation(len(y_encoded))
    order = np.lexsort((keys, y_encoded))
    return [np.sort(order[k::n_folds]) for k in reversed(range(n_folds))]


def _game_sample(y_encoded, max_rows, random_state):
    """Rows the warm-up and the game train on: all, or a stratified draw of ``max_rows``.

    Each class gets its proportional share of the draw, and at least
    ``_MIN_GAME_ROWS_PER_CLASS`` rows (all of a smaller class), so that the
    selector learns every class; the rows of a class are drawn uniformly, so
    repeated rows keep their weight in the game. Ascending indices.
    """
    n_rows = len(y_encoded)
    if max_rows is None or max_rows >= n_rows:
        return np.arange(n_rows)
    class_counts = np.bincount(y_encoded)
    n_draw = max(max_rows, len(class_counts))
    sizes = class_budgets(class_counts, n_draw, min_per_class=_MIN_GAME_ROWS_PER_CLASS)
    return select_top(random_state.uniform(size=n_rows), y_encoded, sizes)


def _distinct_labelled_rows(X, y_encoded):
    """:func:`_labelled_pairs` of the distinct rows of `X`."""
    return _labelled_pairs(distinct_rows(X)[2], y_encoded)


class _LabelledPairs(NamedTuple):
    """The distinct (row, label) pairs of a table (:func:`_labelled_pairs`)."""

    first: np.ndarray  # the first row of each pair
    inverse: np.ndarray  # each row's pair
    outvoted: np.ndarray  # whether each row's copies carry another label more often


def _labelled_pairs(row_of, y_encoded):
    """The :class:`_LabelledPairs` of rows `row_of` (each row's distinct row) labelled
    `y_encoded` (the outvoted rows: :func:`_outvoted_labels`)."""
    n_classes = int(y_encoded.max()) + 1
    pair = row_of.astype(np.int64) * n_classes + y_encoded
    codes, first, inverse, counts = np.unique(
        pair, return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()
    return _LabelledPairs(first, inverse, _outvoted_labels(codes // n_classes, counts)[inverse])


def _outvoted_labels(row_of_pair, counts):
    """Whether each distinct (row, label) pair (`row_of_pair`: its distinct row, pairs in
    order of row) has fewer copies (`counts`) than another label of the same row.

    Exact copies of a row that disagree on its label cannot all be right, and
    under 20% flipped labels the most common label of kddcup's repeated rows
    is nearly always the true one: the rows it outvotes are 69-70% of the
    flipped rows, 99-100% of them flipped (symmetric or pair flips).
    """
    most = np.zeros(row_of_pair[-1] + 1, dtype=counts.dtype)
    np.maximum.at(most, row_of_pair, counts)
    return counts < most[row_of_pair]


def _voted_class_counts(class_counts, outvoted_counts, n_keep):
    """The class sizes the budgets are shares of: each class's rows its copies do not
    outvote (`class_counts` less `outvoted_counts`, at least one), while those are at
    least `n_keep`; else `class_counts`."""
    voted = np.maximum(class_counts - outvoted_counts, 1)
    return voted if voted.sum() >= n_keep else class_counts


def _once_per_pair(predict, X, rows, pair_of_row):
    """``predict(X[rows])``, computed once per distinct pair (`pair_of_row`) among `rows`."""
    _, first, inverse = np.unique(pair_of_row[rows], return_index=True, return_inverse=True)
    return predict(X[rows[first]])[inverse.ravel()]


def _split_copies(rows, counts, max_copies):
    """Each row as ``ceil(count / max_copies)`` rows sharing its count as evenly as can be."""
    parts = -(-counts // max_copies)
    split_rows = np.repeat(rows, parts)
    split_counts = np.repeat(counts // parts, parts)
    rank_in_row = np.arange(len(split_rows)) - np.repeat(np.cumsum(parts) - parts, parts)
    split_counts += rank_in_row < np.repeat(counts % parts, parts)
    return split_rows, split_counts


def _compress_tails(Z):
    """Keep ``|z| <= 3`` as it is and grow only logarithmically beyond.

    A one-hot column of a rare category standardises to values in the
    hundreds (kddcup: up to 700), and one such value then outweighs all other
    inputs of a row in the first layer of both networks. Unlike clipping, this
    keeps the order of the outlying values, which on shuttle mark its rarest
    classes.
    """
    tails = np.abs(Z) > _TAIL
    Z = Z.copy()
    Z[tails] = np.sign(Z[tails]) * (_TAIL + np.log1p(np.abs(Z[tails]) - _TAIL))
    return Z


def _expand_tails(Z):
    """The inverse of :func:`_compress_tails`."""
    tails = np.abs(Z) > _TAIL
    Z = Z.copy()
    Z[tails] = np.sign(Z[tails]) * (_TAIL + np.expm1(np.abs(Z[tails]) - _TAIL))
    return Z


def _safe_scale(scale):
    """Standard deviations with constant columns mapped to 1, as StandardScaler does."""
    return np.where(scale < 10 * np.finfo(scale.dtype).eps, 1.0, scale)
