"""Subsampling tables larger than memory, with Dask.

Needs the optional dependencies of ``pip install "sklearn-asss[dask]"``.
:func:`resample_dask` selects rows from a Dask DataFrame or array partition by
partition and returns them as a Dask collection; :func:`resample_in_memory`
is the same selection computed on one in-memory table, the reference it can
be compared with. See the user guide, "Data larger than memory".

How it works, in passes over the partitions (each one parallel):

1. the labels: exact global class counts, hence the per-class budgets of
   :func:`~sklearn_asss.class_budgets`, and each partition's first global row
   position;
2. (ASSS) an exact stratified sample of ``fit_size`` rows is gathered in
   memory and the sampler is fitted on it;
3. every row gets a key and a group (its class, or its cluster), from the
   fitted sampler and from a counter-based random generator keyed on the
   seed and the row's global position, so keys never depend on how the
   table is partitioned;
4. per group, the exact key threshold of its budget is found by histograms of
   the keys that narrow down, pass by pass, to one key value; the rows tied
   at the threshold are taken in order of global position.

The rows kept are the ``budgets[g]`` rows of each group with the highest keys
(ties to the lower global position), exactly what one sort of the whole
table would keep (:func:`resample_in_memory`).
"""

import inspect
import math
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.metrics import pairwise_distances_argmin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ._asss import ASSSSampler, _labelled_pairs, _voted_class_counts
from ._selection import (
    _MIN_PROBABILITY,
    _clusters_per_class,
    cluster_quotas,
    class_budgets,
    n_to_keep,
    select_sample_in_clusters,
    select_top,
)
from ._utils import _row_hashes
from .samplers import DeduplicateSampler, RandomSampler

# the rules of ASSSSampler that a distributed pass can apply
_DISTRIBUTED_RULES = ("clustered", "sample", "top")
_NEEDS_MEMORY = {"validated": "clusters every kept row's class into K-means medoids"}
# the parameters of the clustered draw, read from the in-memory rule (one source of defaults)
_CLUSTER_DEFAULTS = inspect.signature(select_sample_in_clusters).parameters
_SUSPECT_RATIO = _CLUSTER_DEFAULTS["suspect_ratio"].default
_MIN_SHARE = _CLUSTER_DEFAULTS["min_share"].default
# selection probabilities are summed per cluster as integers of this resolution, so
# that the sums (hence the cluster quotas) do not depend on the partitioning
_P_RESOLUTION = 2.0**32
# at most this many histogram cells (groups x bins) per pass, to bound what a pass returns
_MAX_HISTOGRAM_CELLS = 2**18
# at most this many bins per group: 8 bits of the 64-bit key per pass, 8 passes at worst
_MAX_BINS = 256
# partial results are combined this many at a time (a tree, not all at the client)
_SPLIT_EVERY = 8
# splitmix64 constants (Steele, Lea and Flood 2014), the counter-based generator of the keys
_GOLDEN_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)
# 53 random bits make a float64 in (0, 1)
_UNIT = 2.0**-53
_SIGN_BIT = np.uint64(1 << 63)
# seeds are drawn below this bound, which numpy.random.RandomState accepts
_MAX_SEED = 2**32 - 1


def resample_dask(sampler, X, y, *, fit_size=20_000, prefit=False, random_state=None):
    """Select rows of a Dask DataFrame or array with a sampler of the package.

    The per-class budgets of `sampler` (its ``keep_ratio`` and
    ``min_samples_per_class``) are met exactly over the whole collection,
    and the kept rows do not depend on how it is partitioned.

    - :class:`~sklearn_asss.ASSSSampler` is fitted on an exact stratified
      sample of `fit_size` rows gathered in memory (or used as it is, with
      ``prefit=True``); every partition is then scored with its
      :meth:`~sklearn_asss.ASSSSampler.score_samples` (or by its task
      network's confidence, with ``rank_by="task_confidence"``; ``p`` below
      stands for that score). Its ``selection``
      rules: ``"top"`` keeps the rows of highest ``p`` per class;
      ``"sample"`` draws per class in proportion to ``p`` (Gumbel top-k);
      ``"clustered"`` draws in proportion to ``p`` within clusters of rows,
      the clusters being those the in-memory rule forms on the fit sample,
      each row assigned to the nearest centroid of its class (see the user
      guide for how this differs from the in-memory rule);
      ``"stratified"`` ranks every row of a class and ``"validated"`` clusters
      each class into as many medoids as it keeps: both raise a ValueError;
      ``"auto"`` is ``"clustered"``.
      With ``label_filter``, the rows of every partition are flagged against
      the fitted sampler's ``label_thresholds_`` (by the mean class
      probabilities of its ``filter_nets_``, or with
      ``filter_probabilities="game"`` by its task network's), and each class budget is
      filled from its unflagged rows first (by the rule), then from its
      flagged rows (by key), over the whole collection; as in memory, the
      floor of a class with more rows than it counts only its unflagged rows,
      and the rows whose exact copies carry another label more often than
      theirs (found over the whole collection by a shuffle of row hashes, as
      ``DeduplicateSampler``'s first copies) are flagged and left out of
      their class's share.
    - :class:`~sklearn_asss.RandomSampler` (``stratify=True``) keeps the rows
      with the highest random keys per class: a uniform draw.
    - ``DeduplicateSampler`` does the same with the first copy (by global
      position) of every distinct feature row ranked before the repeats;
      rows are told apart by two 64-bit hashes of their values.

    Parameters
    ----------
    sampler : ASSSSampler, RandomSampler or DeduplicateSampler
        The sampler whose parameters apply. Without `prefit`, an
        ASSSSampler is fitted in place on the sample, as ``fit`` does.
    X : dask.dataframe.DataFrame or dask.array.Array of shape (n_samples, n_features)
        The table; numeric columns.
    y : dask.dataframe.Series or dask.array.Array of shape (n_samples,)
        Its class labels, partitioned as `X` (for example a column of the
        same Dask DataFrame).
    fit_size : int, default=20_000
        Rows of the in-memory stratified sample an ASSSSampler is fitted on
        (each class in proportion to its size, at least one row each).
    prefit : bool, default=False
        Use an already fitted ASSSSampler as it is (``fit_size`` then only
        sets the sample the ``"clustered"`` rule clusters).
    random_state : int, RandomState instance or None, default=None
        Seeds the sample and the random keys. Pass an int for reproducible
        results; the same int gives the same rows as
        :func:`resample_in_memory` on the same table in memory.

    Returns
    -------
    X_kept : dask.dataframe.DataFrame or dask.array.Array
        The kept rows, of the kind of `X`, in their original order (a
        DataFrame keeps its columns and index).
    y_kept : dask.dataframe.Series or dask.array.Array
        Their labels, of the kind of `y`.
    positions : dask.array.Array of shape (n_kept,)
        Their global row positions (0-based, ascending), with known chunks.

    Examples
    --------
    >>> import dask.array as da
    >>> from sklearn_asss import RandomSampler
    >>> from sklearn_asss.dask import resample_dask
    >>> X = da.random.random((1000, 3), chunks=250)
    >>> y = (X[:, 0] > 0.9).astype(int)
    >>> X_kept, y_kept, positions = resample_dask(
    ...     RandomSampler(keep_ratio=0.1), X, y, random_state=0)
    >>> X_kept.shape[0]
    100
    """
    table = _DaskTable(X, y)
    return _resample(sampler, table, fit_size, prefit, random_state)


def resample_in_memory(sampler, X, y, *, fit_size=20_000, prefit=False, random_state=None):
    """The selection of :func:`resample_dask`, computed on a table in memory.

    The same keys, groups and budgets, with the rows kept by one sort of
    the whole table (:func:`resample_dask` finds the same rows by per-group
    thresholds over partitions): with the same fitted sampler and the same
    int `random_state`, both return the same rows.

    Parameters
    ----------
    sampler : ASSSSampler, RandomSampler or DeduplicateSampler
        As for :func:`resample_dask`.
    X : {array-like, dataframe} of shape (n_samples, n_features)
        The table.
    y : array-like of shape (n_samples,)
        Its class labels.
    fit_size : int, default=20_000
        As for :func:`resample_dask`.
    prefit : bool, default=False
        As for :func:`resample_dask`.
    random_state : int, RandomState instance or None, default=None
        As for :func:`resample_dask`.

    Returns
    -------
    X_kept : {ndarray, dataframe}
        The kept rows, of the kind of `X`.
    y_kept : {ndarray, series}
        Their labels.
    positions : ndarray of shape (n_kept,)
        Their row positions in `X`, ascending.
    """
    table = _MemoryTable(X, y)
    return _resample(sampler, table, fit_size, prefit, random_state)


def row_uniforms(positions, seed):
    """Uniform numbers in (0, 1), one per row, from its global position and a seed.

    A counter-based generator (splitmix64 of the position mixed with the
    seed): the number of a row depends only on ``(seed, position)``, not on
    the order or the partition in which rows are seen.

    Parameters
    ----------
    positions : array-like of int
        Global row positions (non-negative).
    seed : int
        The stream; different seeds give independent numbers.

    Returns
    -------
    u : ndarray of float64, of the shape of `positions`
        Values in the open interval (0, 1).
    """
    stream = _splitmix64(np.asarray([seed], dtype=np.uint64))[0]
    bits = _splitmix64(np.asarray(positions, dtype=np.uint64) ^ stream)
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * _UNIT


def _splitmix64(x):
    z = x + _GOLDEN_GAMMA  # uint64 arithmetic wraps around, as splitmix64 needs
    z = (z ^ (z >> np.uint64(30))) * _MIX_1
    z = (z ^ (z >> np.uint64(27))) * _MIX_2
    return z ^ (z >> np.uint64(31))


# --------------------------------------------------------------------------
# the pipeline, shared by both tables


def _resample(sampler, table, fit_size, prefit, random_state):
    rule = _rule_of(sampler)
    _check_fit_size(fit_size)
    fit_seed, key_seed, cluster_seed = (
        int(s) for s in check_random_state(random_state).randint(0, _MAX_SEED, size=3)
    )
    classes, class_counts = table.class_counts()
    if rule in ("random", "dedup"):
        plan = _Plan(rule, classes, key_seed)
    else:
        if prefit:
            check_is_fitted(sampler, "net_")
            _check_known_labels(sampler, classes)
        if not prefit or rule == "clustered":  # the sample is needed
            X_fit, y_fit = _stratified_sample(table, classes, class_counts, fit_size, fit_seed)
        if not prefit:
            sampler.fit(X_fit, y_fit)
        plan = _Plan(rule, classes, key_seed, sampler=sampler)
        if rule == "clustered":
            plan.centroids = _sample_centroids(sampler, X_fit, y_fit, classes, cluster_seed)
    budgets = class_budgets(
        class_counts,
        n_to_keep(int(class_counts.sum()), len(classes), sampler.keep_ratio),
        sampler.min_samples_per_class,
    )
    if plan.filters_labels:
        outvoted, outvoted_counts = table.outvoted_copies(len(classes))
        keys = table.keys(plan, outvoted)
        counts = _voted_class_counts(class_counts, outvoted_counts, budgets.sum())
        return table.take(table.select(*_trusted_first(table, keys, plan, counts, budgets.sum())))
    keys = table.keys(plan)
    if rule == "clustered":
        sizes, p_sums = table.cluster_stats(keys, len(plan.centroids.cluster_class))
        cluster_group, group_budgets = _cluster_quotas(
            sizes, p_sums, plan.centroids.cluster_class, budgets
        )
        keys = table.regroup(keys, cluster_group)
    else:
        group_budgets = budgets
    return table.take(table.select(keys, group_budgets))


def _trusted_first(table, keys, plan, class_counts, n_keep):
    """Keys and group budgets of ``label_filter``: each class from its other rows first.

    The rows of class ``c`` drawn last are in group ``plan.n_groups + c`` (the
    flagged ones) or ``plan.n_groups + n_classes + c`` (the unflagged ones whose
    label has less than a uniform guess's probability), drawn as one group:
    they fill what the other rows of their class cannot, by the task
    network's probability of their label, as in memory. The class budgets
    are those of ``class_budgets`` of `class_counts` (the rows their copies
    do not outvote, :func:`~sklearn_asss._asss._voted_class_counts`) with the
    unflagged rows as trusted counts.
    """
    n_classes = len(class_counts)
    sizes, p_sums = table.cluster_stats(keys, plan.n_groups + 2 * n_classes)
    incredible_sizes = sizes[plan.n_groups + n_classes :]
    sizes, p_sums = sizes[: plan.n_groups], p_sums[: plan.n_groups]
    group_class = np.arange(n_classes)
    if plan.rule == "clustered":
        group_class = plan.centroids.cluster_class
    first = np.bincount(group_class, weights=sizes, minlength=n_classes).astype(np.int64)
    budgets = class_budgets(
        class_counts, int(n_keep), plan.sampler.min_samples_per_class,
        trusted_counts=first + incredible_sizes,
    )  # fmt: skip
    first_budgets = np.minimum(budgets, first)
    cluster_group, quotas = np.arange(plan.n_groups), first_budgets
    if plan.rule == "clustered":
        cluster_group, quotas = _cluster_quotas(sizes, p_sums, group_class, first_budgets)
    last_group = cluster_group.max() + 1 + np.arange(n_classes)
    if plan.rule == "clustered" or incredible_sizes.any():
        keys = table.regroup(keys, np.concatenate([cluster_group, last_group, last_group]))
    return keys, np.concatenate([quotas, budgets - first_budgets])


class _Plan:
    """What a partition needs to compute its keys: small, sent to every worker."""

    def __init__(self, rule, classes, seed, sampler=None):
        self.rule = rule
        self.classes = classes
        self.seed = seed
        self.sampler = sampler
        self.centroids = None

    @property
    def filters_labels(self):
        return self.sampler is not None and self.sampler.label_filter is not None

    @property
    def n_groups(self):
        """The groups of the unflagged rows: the clusters, or the classes."""
        if self.rule == "clustered":
            return len(self.centroids.cluster_class)
        return len(self.classes)


class _Centroids:
    """The clusters of the fit sample: centroids (standardised space) and their classes."""

    def __init__(self, centers, cluster_class):
        self.centers = centers
        self.cluster_class = cluster_class


def _rule_of(sampler):
    if isinstance(sampler, ASSSSampler):
        sampler._validate_params()
        # "auto": the clustered draw, the choice of "validated" needing every row's clusters
        rule = "clustered" if sampler.selection == "auto" else sampler.selection
        if sampler.shortfall_fill != "flagged":
            raise ValueError(
                f"shortfall_fill={sampler.shortfall_fill!r} copies a class's kept rows, which "
                "needs them in memory; resample_dask supports shortfall_fill='flagged'."
            )
        if rule not in _DISTRIBUTED_RULES:
            why = _NEEDS_MEMORY.get(rule, "ranks every row of a class by p")
            raise ValueError(
                f"selection={rule!r} {why}, which needs the whole table in memory; "
                f"resample_dask supports selection in {('auto', *_DISTRIBUTED_RULES)}."
            )
        return rule
    if isinstance(sampler, RandomSampler):
        sampler._validate_params()
        if not sampler.stratify:
            raise ValueError(
                "RandomSampler(stratify=False) is not supported by resample_dask: its rule "
                "restoring a missing class needs the whole table in memory; use stratify=True."
            )
        return "random"
    if isinstance(sampler, DeduplicateSampler):
        sampler._validate_params()
        return "dedup"
    raise TypeError(
        "resample_dask supports ASSSSampler, RandomSampler and DeduplicateSampler; got "
        f"{type(sampler).__name__}."
    )


def _check_fit_size(fit_size):
    if not isinstance(fit_size, Integral) or isinstance(fit_size, bool) or fit_size < 2:
        raise ValueError(f"fit_size must be an int of at least 2; got {fit_size!r}.")


def _check_known_labels(sampler, classes):
    unknown = np.setdiff1d(classes, sampler.classes_)
    if len(unknown):
        raise ValueError(
            f"y contains labels the sampler was not fitted on: {unknown[:5].tolist()}."
        )


def _stratified_sample(table, classes, class_counts, fit_size, seed):
    """An exact stratified sample of `fit_size` rows: per class, the rows of highest uniform key."""
    n_rows = int(class_counts.sum())
    n_sample = int(min(n_rows, max(fit_size, len(classes))))
    budgets = class_budgets(class_counts, n_sample)
    keys = table.keys(_Plan("random", classes, seed))
    X_fit, y_fit, _ = table.take(table.select(keys, budgets), compute=True)
    return X_fit, y_fit


def _standardised(sampler, X):
    return np.asarray(sampler._standardise(np.asarray(X, dtype=np.float64)))


def _sample_centroids(sampler, X_fit, y_fit, classes, seed):
    """The clusters the in-memory "clustered" rule forms on the fit sample, as centroids."""
    Z = _standardised(sampler, X_fit)
    codes = np.searchsorted(classes, np.asarray(y_fit))
    counts = np.bincount(codes, minlength=len(classes))
    budgets = class_budgets(
        counts, n_to_keep(len(codes), len(classes), sampler.keep_ratio),
        sampler.min_samples_per_class,
    )  # fmt: skip
    labels = _clusters_per_class(Z, codes, budgets, check_random_state(seed))
    n_clusters = labels.max() + 1
    sizes = np.bincount(labels, minlength=n_clusters)
    centers = np.stack(
        [np.bincount(labels, weights=Z[:, j], minlength=n_clusters) for j in range(Z.shape[1])],
        axis=1,
    ) / np.maximum(sizes, 1)[:, None]
    cluster_class = np.zeros(n_clusters, dtype=np.intp)
    cluster_class[labels] = codes
    return _Centroids(centers, cluster_class)


def _cluster_quotas(sizes, p_sums, cluster_class, budgets):
    """The shares of select_sample_in_clusters, from the global count and p sum of every cluster.

    Returns the group of every cluster (the clusters too small for
    ``_MIN_SHARE`` rows pooled per class) and the budget of every group.
    """
    class_sizes = np.bincount(cluster_class, weights=sizes, minlength=len(budgets))
    kept_share = budgets / np.maximum(class_sizes, 1)
    small = sizes * kept_share[cluster_class] < _MIN_SHARE
    n_clusters = len(sizes)
    cluster_group = np.where(small, n_clusters + cluster_class, np.arange(n_clusters))
    _, cluster_group = np.unique(cluster_group, return_inverse=True)
    n_groups = cluster_group.max() + 1
    group_sizes = np.bincount(cluster_group, weights=sizes, minlength=n_groups)
    group_p = np.bincount(cluster_group, weights=p_sums, minlength=n_groups)
    group_class = np.zeros(n_groups, dtype=np.intp)
    group_class[cluster_group] = cluster_class
    quotas = cluster_quotas(group_sizes, group_p, group_class, budgets, _SUSPECT_RATIO)
    return cluster_group, quotas


# --------------------------------------------------------------------------
# what every partition computes (module functions: sent to the workers)


def _part_class_counts(y_part):
    labels, counts = np.unique(np.asarray(y_part), return_counts=True)
    return labels, counts, len(y_part)


def _part_codes(y_part, classes):
    return np.searchsorted(classes, np.asarray(y_part)).astype(np.int32)


def _part_keys(X_part, y_part, codes, offset, plan, first_copies=None, outvoted=None):
    """The key (float64) and group (class or cluster) of every row of a partition; the
    `outvoted` rows (positions, :func:`_bucket_outvoted`) are flagged."""
    n_rows = len(codes)
    if X_part is not None and len(X_part) != n_rows:
        raise ValueError(
            f"X and y are not partitioned alike: a partition of X has {len(X_part)} rows "
            f"and the matching one of y {n_rows}."
        )
    positions = offset + np.arange(n_rows, dtype=np.int64)
    u = row_uniforms(positions, plan.seed)
    if plan.rule == "random":
        return {"key": u, "group": codes}
    if plan.rule == "dedup":
        return {"key": u + np.isin(positions, first_copies), "group": codes}
    if n_rows == 0:
        return {"key": np.zeros(0), "group": codes, "p": np.zeros(0)}
    p, issues, incredible, last_by = plan.sampler._ranking_scores_and_issues(
        X_part, np.asarray(y_part)
    )
    if outvoted is not None and issues is not None:
        voted_out = np.isin(positions, outvoted)
        issues, incredible = issues | voted_out, incredible & ~voted_out
    p = np.asarray(p, dtype=np.float64)
    group = _nearest_centroids(plan, X_part, codes) if plan.rule == "clustered" else codes
    keys = {"key": _draw_keys(p, u, plan.rule), "group": group}
    if issues is not None:  # the rows drawn last, by label confidence, in _trusted_first's
        # groups: class c's flagged rows in n_groups + c, its incredible ones n_classes on
        last = issues | incredible
        last_group = plan.n_groups + np.where(incredible, len(plan.classes), 0) + codes
        keys["group"] = np.where(last, last_group, group)
        keys["key"] = np.where(last, _draw_keys(last_by, u, plan.rule), keys["key"])
    if issues is not None or plan.rule == "clustered":
        keys["p"] = p
    return keys


def _draw_keys(scores, u, rule):
    """Keys whose top rows per group are the rule's draw: the scores for ``"top"``,
    Gumbel keys (a draw in proportion to the scores) otherwise."""
    if rule == "top":
        return scores
    return np.log(np.clip(scores, _MIN_PROBABILITY, None)) - np.log(-np.log(u))


def _nearest_centroids(plan, X_part, codes):
    Z = _standardised(plan.sampler, X_part)
    clusters = np.empty(len(codes), dtype=np.int64)
    cluster_class = plan.centroids.cluster_class
    for c in np.unique(codes):
        rows = np.flatnonzero(codes == c)
        members = np.flatnonzero(cluster_class == c)
        if len(members) == 1:
            clusters[rows] = members[0]
        else:
            nearest = pairwise_distances_argmin(Z[rows], plan.centroids.centers[members])
            clusters[rows] = members[nearest]
    return clusters


def _part_cluster_stats(keys, n_clusters):
    fixed_point_p = np.round(keys["p"] * _P_RESOLUTION).astype(np.int64)
    return (
        np.bincount(keys["group"], minlength=n_clusters),
        _bincount_int(keys["group"], fixed_point_p, n_clusters),
    )


def _bincount_int(groups, values, n_groups):
    """Exact integer sums of `values` per group (np.bincount sums in float64)."""
    sums = np.zeros(n_groups, dtype=np.int64)
    np.add.at(sums, groups, values)
    return sums


def _part_regroup(keys, cluster_group):
    return {"key": keys["key"], "group": cluster_group[keys["group"]]}


def _ordered(key):
    """Float64 keys as uint64 of the same order (``-0.0`` as ``0.0``)."""
    bits = np.ascontiguousarray(key + 0.0, dtype=np.float64).view(np.uint64)
    return np.where(bits & _SIGN_BIT, ~bits, bits | _SIGN_BIT)


def _part_extremes(keys, n_groups):
    ordered = _ordered(keys["key"])
    counts = np.bincount(keys["group"], minlength=n_groups)
    low = np.full(n_groups, np.iinfo(np.uint64).max, dtype=np.uint64)
    high = np.zeros(n_groups, dtype=np.uint64)
    np.minimum.at(low, keys["group"], ordered)
    np.maximum.at(high, keys["group"], ordered)
    return counts, low, high


def _part_histogram(keys, active, low, high, width, n_bins):
    """Per active group, the count, lowest and highest key of every bin of [low, high]."""
    ordered = _ordered(keys["key"])
    groups = keys["group"]
    rows = np.flatnonzero(active[groups] >= 0)
    groups, ordered = groups[rows], ordered[rows]
    inside = (ordered >= low[groups]) & (ordered <= high[groups])
    groups, ordered = groups[inside], ordered[inside]
    bins = ((ordered - low[groups]) // width[groups]).astype(np.int64)
    cell = active[groups] * n_bins + bins  # active[g]: the index of g among the active groups
    n_cells = (active.max() + 1) * n_bins
    counts = np.bincount(cell, minlength=n_cells)
    cell_low = np.full(n_cells, np.iinfo(np.uint64).max, dtype=np.uint64)
    cell_high = np.zeros(n_cells, dtype=np.uint64)
    np.minimum.at(cell_low, cell, ordered)
    np.maximum.at(cell_high, cell, ordered)
    return counts, cell_low, cell_high


def _part_threshold_counts(keys, threshold, n_groups):
    """Per group, the rows above the threshold and the rows at it."""
    ordered = _ordered(keys["key"])
    at_threshold = threshold[keys["group"]]
    above = np.bincount(keys["group"][ordered > at_threshold], minlength=n_groups)
    tied = np.bincount(keys["group"][ordered == at_threshold], minlength=n_groups)
    return above, tied


def _part_mask(keys, threshold, ties_taken):
    """Rows above their group's threshold, and the first ``ties_taken[g]`` rows at it."""
    ordered = _ordered(keys["key"])
    groups = keys["group"]
    at_threshold = threshold[groups]
    mask = ordered > at_threshold
    tied = np.flatnonzero(ordered == at_threshold)
    if len(tied):
        tied_groups = groups[tied]
        order = np.argsort(tied_groups, kind="stable")  # by group, then by position
        rank = np.empty(len(tied), dtype=np.int64)
        sorted_groups = tied_groups[order]
        starts = np.searchsorted(sorted_groups, sorted_groups)
        rank[order] = np.arange(len(tied)) - starts
        mask[tied[rank < ties_taken[tied_groups]]] = True
    return mask


def _combine_extremes(*parts):
    counts = np.sum([p[0] for p in parts], axis=0)
    low = np.minimum.reduce([p[1] for p in parts])
    high = np.maximum.reduce([p[2] for p in parts])
    return counts, low, high


def _part_take(part, mask):
    if hasattr(part, "iloc"):
        return part.iloc[np.flatnonzero(mask)]
    return np.asarray(part)[mask]


def _part_positions(mask, offset):
    return offset + np.flatnonzero(mask).astype(np.int64)


# --------------------------------------------------------------------------
# exact per-group thresholds, from histograms


def _find_thresholds(extremes, histogram, budgets):
    """The key threshold of every group and how many rows tied at it are taken.

    `extremes()` returns the count, lowest and highest ordered key of every
    group; ``histogram(active, low, high, width, n_bins)`` the per-bin
    count, lowest and highest key of the active groups. Every pass keeps,
    per group, the bin holding the ``need``-th highest key (narrowed to the
    keys in it), until that bin holds one key value; at most 8 passes, as a
    pass divides the width of the 64-bit key range by 256 or more.
    """
    budgets = np.asarray(budgets, dtype=np.int64)
    n_groups = len(budgets)
    counts, low, high = extremes()
    low, high = low.copy(), high.copy()  # narrowed in place below
    if np.any(budgets > counts):
        raise RuntimeError("a group's budget exceeds its rows; this is a bug.")
    threshold = np.full(n_groups, np.iinfo(np.uint64).max, dtype=np.uint64)
    need = budgets.copy()
    open_ = need > 0
    while True:
        done = open_ & (low == high)
        threshold[done] = low[done]
        open_ &= ~done
        if not open_.any():
            return threshold, need
        open_groups = np.flatnonzero(open_)
        active = np.full(n_groups, -1, dtype=np.int64)
        active[open_groups] = np.arange(len(open_groups))
        n_bins = int(np.clip(_MAX_HISTOGRAM_CELLS // len(open_groups), 2, _MAX_BINS))
        width = (high - low) // np.uint64(n_bins) + np.uint64(1)
        bin_counts, bin_low, bin_high = histogram(active, low, high, width, n_bins)
        bin_counts = bin_counts.reshape(-1, n_bins)[:, ::-1]  # highest bin first
        above = np.cumsum(bin_counts, axis=1)
        chosen = np.argmax(above >= need[open_groups, None], axis=1)
        rows = np.arange(len(open_groups))
        need[open_groups] -= above[rows, chosen] - bin_counts[rows, chosen]
        cell = rows * n_bins + (n_bins - 1 - chosen)
        low[open_groups] = bin_low[cell]
        high[open_groups] = bin_high[cell]


def _ties_per_part(tied_counts, need):
    """Split the ties to take of every group among the partitions, first partitions first."""
    tied = np.stack(tied_counts)  # (n_parts, n_groups)
    before = np.cumsum(tied, axis=0) - tied
    return np.clip(need[None, :] - before, 0, tied)


# --------------------------------------------------------------------------
# the two tables


class _MemoryTable:
    """The whole table in memory, as one partition: the reference."""

    def __init__(self, X, y):
        if _is_dask_collection(X) or _is_dask_collection(y):
            raise TypeError("resample_in_memory takes in-memory X and y; use resample_dask.")
        self.X, self.y, self.y_input = X, np.asarray(y), y
        if self.y.ndim != 1:
            raise ValueError(f"y must be one-dimensional; got shape {self.y.shape}.")
        if len(X) != len(self.y):
            raise ValueError(f"X has {len(X)} rows but y has {len(self.y)} labels.")

    def class_counts(self):
        classes, counts = np.unique(self.y, return_counts=True)
        self.codes = np.searchsorted(classes, self.y).astype(np.int32)
        return classes, counts

    def first_copies(self):
        hashes = _part_row_hashes(self.X)
        _, first = np.unique(hashes, axis=0, return_index=True)
        return np.sort(first)

    def outvoted_copies(self, n_classes):
        """The positions of the rows their copies outvote, and their count per class."""
        outvoted = _outvoted_rows(_part_row_hashes(self.X), self.codes)
        return np.flatnonzero(outvoted), np.bincount(self.codes[outvoted], minlength=n_classes)

    def keys(self, plan, outvoted=None):
        first = self.first_copies() if plan.rule == "dedup" else None
        return _part_keys(self.X, self.y, self.codes, 0, plan, first, outvoted)

    def cluster_stats(self, keys, n_clusters):
        return _part_cluster_stats(keys, n_clusters)

    def regroup(self, keys, cluster_group):
        return _part_regroup(keys, cluster_group)

    def select(self, keys, budgets):
        kept = select_top(keys["key"], keys["group"], budgets)
        mask = np.zeros(len(self.y), dtype=bool)
        mask[kept] = True
        return mask

    def take(self, mask, compute=True):
        return _part_take(self.X, mask), _part_take(self.y_input, mask), np.flatnonzero(mask)


class _DaskTable:
    """A Dask DataFrame or array and its labels, partition by partition."""

    def __init__(self, X, y):
        import dask
        import dask.array as da
        import dask.dataframe as dd

        self._dask, self._da, self._dd = dask, da, dd
        self.frame = isinstance(X, dd.DataFrame)
        if not (self.frame or isinstance(X, da.Array)):
            raise TypeError(
                "resample_dask takes X as a dask.dataframe.DataFrame or a dask.array.Array; "
                f"got {type(X).__name__} (use resample_in_memory for in-memory data)."
            )
        if not isinstance(y, (dd.Series, da.Array)):
            raise TypeError(
                "resample_dask takes y as a dask.dataframe.Series or a dask.array.Array; "
                f"got {type(y).__name__}."
            )
        if self.frame:
            self._split_frame(X, y)
        else:
            self._split_array(X, y)
        self.X, self.y = X, y

    def _split_frame(self, X, y):
        """Partitions of X and y from one frame: read apart, they may be split differently."""
        if not isinstance(y, self._dd.Series):
            raise TypeError(
                "With X a Dask DataFrame, y must be a dask.dataframe.Series (for example a "
                f"column of the same frame); got {type(y).__name__}."
            )
        label = "__label__" + "_".join(map(str, X.columns))  # a name no column of X has
        try:
            parts = X.assign(**{label: y}).to_delayed()
        except (ValueError, NotImplementedError) as error:
            raise ValueError(
                f"X and y must have the same partitions (y aligned with X): {error}"
            ) from error
        delayed = self._dask.delayed
        self.X_parts = [delayed(_drop_column)(part, label) for part in parts]
        self.y_parts = [delayed(_column)(part, label, y.name) for part in parts]

    def _split_array(self, X, y):
        da = self._da
        if not isinstance(y, da.Array):
            raise TypeError(
                "With X a Dask array, y must be a dask.array.Array; got "
                f"{type(y).__name__}."
            )
        if X.ndim != 2:
            raise ValueError(f"X must be two-dimensional; got {X.ndim} dimensions.")
        if y.ndim != 1:
            raise ValueError(f"y must be one-dimensional; got {y.ndim} dimensions.")
        X = X.rechunk({1: -1})
        if not np.isnan(X.shape[0]) and not np.isnan(y.shape[0]):
            if X.shape[0] != y.shape[0]:
                raise ValueError(f"X has {X.shape[0]} rows but y has {y.shape[0]} labels.")
            y = y.rechunk((X.chunks[0],))
        if len(X.chunks[0]) != len(y.chunks[0]):
            raise ValueError(
                f"X and y must have the same partitions; X has {len(X.chunks[0])} and y "
                f"{len(y.chunks[0])}."
            )
        self.X_parts = X.to_delayed().ravel().tolist()
        self.y_parts = y.to_delayed().ravel().tolist()

    def _map(self, function, *parts_lists, args=()):
        delayed = self._dask.delayed
        return [delayed(function)(*parts, *args) for parts in zip(*parts_lists)]

    def _compute(self, tasks):
        return list(self._dask.compute(*tasks))

    def _persist(self, tasks):
        return list(self._dask.persist(*tasks))

    def _reduce(self, tasks, combine):
        delayed = self._dask.delayed
        while len(tasks) > 1:
            tasks = [
                delayed(combine)(*tasks[i : i + _SPLIT_EVERY])
                for i in range(0, len(tasks), _SPLIT_EVERY)
            ]
        return self._dask.compute(tasks[0])[0]

    def class_counts(self):
        # the labels are read once and kept: every later pass reads X only where it needs it
        self.y_parts = self._persist(self.y_parts)
        summaries = self._compute(self._map(_part_class_counts, self.y_parts))
        lengths = np.array([n for _, _, n in summaries], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        labels = [lab for lab, _, n in summaries if n]
        if not labels:
            raise ValueError("resample_dask needs a non-empty table; y has no rows.")
        classes = np.unique(np.concatenate(labels))
        counts = np.zeros(len(classes), dtype=np.int64)
        for labels_, counts_, n in summaries:
            if n:
                counts[np.searchsorted(classes, labels_)] += counts_
        if len(classes) < 2:
            raise ValueError(f"y needs at least 2 classes; got {classes.tolist()}.")
        self.codes = self._persist(self._map(_part_codes, self.y_parts, args=(classes,)))
        return classes, counts

    def first_copies(self):
        return self._per_part(self._hash_buckets(_bucket_first_copies))

    def outvoted_copies(self, n_classes):
        """Per partition, the positions of the rows their copies outvote (delayed), and
        their count per class."""
        delayed = self._dask.delayed
        buckets = self._persist(
            self._hash_buckets(_bucket_outvoted, self.codes, n_classes=n_classes)
        )
        counts = self._compute([delayed(_item)(b, 1) for b in buckets])
        return self._per_part([delayed(_item)(b, 0) for b in buckets]), np.sum(counts, axis=0)

    def _hash_buckets(self, reduce, codes=None, **kwargs):
        """`reduce` of each bucket of rows by hash (a shuffle): the rows' hashes and
        positions (and `codes`, each partition's labels), sent from every partition."""
        delayed = self._dask.delayed
        # a task per partition and bucket: the scheduler's overhead grows with both (5.4
        # million rows in 110 partitions on two workers: 22 s in 10 buckets, 59 s in 110)
        n_buckets = max(1, math.isqrt(len(self.X_parts)))
        parts = [self.X_parts, self.offsets] + ([] if codes is None else [codes])
        hashes = [
            delayed(_part_hash_buckets)(X_part, offset, n_buckets, *labels)
            for X_part, offset, *labels in zip(*parts)
        ]
        bounds = np.append(self.offsets, np.iinfo(np.int64).max)
        return [
            delayed(reduce)(*[delayed(_item)(h, b) for h in hashes], bounds=bounds, **kwargs)
            for b in range(n_buckets)
        ]

    def _per_part(self, buckets):
        """Per partition, its positions gathered from every bucket's (each split by
        partition)."""
        delayed = self._dask.delayed
        return [
            delayed(_concat_sorted)(*[delayed(_item)(b, i) for b in buckets])
            for i in range(len(self.X_parts))
        ]

    def keys(self, plan, outvoted=None):
        first = self.first_copies() if plan.rule == "dedup" else None
        plan_ = self._dask.delayed(plan, traverse=False)
        tasks = []
        for i, (X_part, y_part, codes) in enumerate(zip(self.X_parts, self.y_parts, self.codes)):
            needs_X = plan.rule not in ("random", "dedup")
            tasks.append(
                self._dask.delayed(_part_keys)(
                    X_part if needs_X else None, y_part, codes, int(self.offsets[i]), plan_,
                    None if first is None else first[i],
                    None if outvoted is None else outvoted[i],
                )
            )  # fmt: skip
        return self._persist(tasks)

    def cluster_stats(self, keys, n_clusters):
        return self._reduce(
            self._map(_part_cluster_stats, keys, args=(n_clusters,)), _sum_tuples
        )

    def regroup(self, keys, cluster_group):
        return self._persist(self._map(_part_regroup, keys, args=(cluster_group,)))

    def select(self, keys, budgets):
        n_groups = len(budgets)

        def extremes():
            return self._reduce(self._map(_part_extremes, keys, args=(n_groups,)),
                                _combine_extremes)  # fmt: skip

        def histogram(active, low, high, width, n_bins):
            return self._reduce(
                self._map(_part_histogram, keys, args=(active, low, high, width, n_bins)),
                _combine_extremes,
            )

        threshold, need = _find_thresholds(extremes, histogram, budgets)
        counts = self._compute(
            self._map(_part_threshold_counts, keys, args=(threshold, n_groups))
        )
        ties = _ties_per_part([tied for _, tied in counts], need)
        kept = np.sum([above for above, _ in counts], axis=0) + ties.sum(axis=0)
        if not np.array_equal(kept, budgets):
            raise RuntimeError("the distributed selection missed a budget; this is a bug.")
        self.kept_per_part = [int(above.sum() + t.sum()) for (above, _), t in zip(counts, ties)]
        delayed = self._dask.delayed
        return [delayed(_part_mask)(k, threshold, t) for k, t in zip(keys, ties)]

    def take(self, masks, compute=False):
        X_kept = self._map(_part_take, self.X_parts, masks)
        y_kept = self._map(_part_take, self.y_parts, masks)
        positions = self._map(_part_positions, masks, self.offsets)
        if compute:
            X_kept, y_kept, positions = self._dask.compute(X_kept, y_kept, positions)
            return _concat(X_kept), _concat(y_kept), np.concatenate(positions)
        return (
            self._collection(X_kept, self.X),
            self._collection(y_kept, self.y),
            self._array(positions, (), np.int64),
        )

    def _collection(self, parts, like):
        if isinstance(like, self._da.Array):
            return self._array(parts, like.shape[1:], like.dtype)
        return self._dd.from_delayed(parts, meta=like._meta, verify_meta=False)

    def _array(self, parts, trailing_shape, dtype):
        da = self._da
        return da.concatenate(
            [
                da.from_delayed(part, shape=(n, *trailing_shape), dtype=dtype)
                for part, n in zip(parts, self.kept_per_part)
            ]
        )


def _drop_column(frame, column):
    return frame.drop(columns=column)


def _column(frame, column, name):
    return frame[column].rename(name)


def _is_dask_collection(obj):
    return hasattr(obj, "__dask_graph__")


def _sum_tuples(*parts):
    return tuple(np.sum(values, axis=0) for values in zip(*parts))


def _item(sequence, index):
    return sequence[index]


def _concat(parts):
    if hasattr(parts[0], "iloc"):
        return pd.concat(parts)
    return np.concatenate(parts)


def _concat_sorted(*arrays):
    return np.sort(np.concatenate(arrays))


def _part_row_hashes(X_part):
    """Two 64-bit hashes of every row (columns in order and reversed): a 128-bit identity."""
    X_part = np.asarray(X_part, dtype=np.float64)
    return np.stack([_row_hashes(X_part), _row_hashes(X_part[:, ::-1])], axis=1)


def _part_hash_buckets(X_part, offset, n_buckets, *labels):
    """The rows' hashes and positions (and `labels`, the partition's codes), split into
    buckets by hash (the shuffle's send side)."""
    hashes = _part_row_hashes(X_part)
    positions = offset + np.arange(len(hashes), dtype=np.int64)
    bucket = (hashes[:, 0] % np.uint64(n_buckets)).astype(np.int64)
    columns = (hashes, positions, *labels)
    return [tuple(column[bucket == b] for column in columns) for b in range(n_buckets)]


def _bucket_first_copies(*pieces, bounds):
    """The first position of every distinct row of a bucket, split by partition."""
    hashes, positions = (np.concatenate(column) for column in zip(*pieces))
    if len(hashes):
        _, first = np.unique(hashes, axis=0, return_index=True)
        firsts = np.sort(positions[first])
    else:
        firsts = positions
    return _split_by_partition(firsts, bounds)


def _bucket_outvoted(*pieces, bounds, n_classes):
    """The positions of a bucket's rows their copies outvote (:func:`_outvoted_rows`),
    split by partition, and their count per class."""
    hashes, positions, codes = (np.concatenate(column) for column in zip(*pieces))
    outvoted = _outvoted_rows(hashes, codes)
    counts = np.bincount(codes[outvoted], minlength=n_classes)
    return _split_by_partition(np.sort(positions[outvoted]), bounds), counts


def _outvoted_rows(hashes, codes):
    """Whether each row's copies (rows of equal `hashes`) carry another label (`codes`)
    more often than its own (:func:`~sklearn_asss._asss._outvoted_labels`)."""
    if not len(codes):
        return np.zeros(0, dtype=bool)
    row_of = np.unique(hashes, axis=0, return_inverse=True)[1].ravel()
    return _labelled_pairs(row_of, codes).outvoted


def _split_by_partition(positions, bounds):
    """Sorted `positions`, split at the partitions' first positions (`bounds`)."""
    cuts = np.searchsorted(positions, bounds)
    return [positions[cuts[i] : cuts[i + 1]] for i in range(len(bounds) - 1)]


__all__ = ["resample_dask", "resample_in_memory", "row_uniforms"]
