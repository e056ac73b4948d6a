"""Clustering-based selection: the rows nearest to K-means centroids."""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from .._base import BaseSubsampler, Substitution, _subsampler_docstring
from .._selection import class_budgets, select_top
from .._utils import cluster_rows

# ASSSSampler's prototypes pass over the clusters of fewer rows than this share of the mean
_MIN_CLUSTER_SHARE = 0.25


@Substitution(**_subsampler_docstring)
class KMeansSampler(BaseSubsampler):
    """Keep the rows nearest to K-means centroids, each cluster in proportion to its size.

    The clustering-based baseline of the ASSS paper: K-means partitions the
    rows in feature space; every cluster then contributes a share of the
    budget proportional to its number of rows (at least one row per cluster
    where the budget allows, largest-remainder rounding, the rule of
    :func:`~sklearn_asss.class_budgets`), and within a cluster the rows
    nearest its centroid are kept. The subset therefore covers every region
    of the data, with the most typical rows of each.

    With ``per_class=True`` (default) each class is clustered on its own with
    its own number of clusters. With ``per_class=False`` all rows are
    clustered together once; each class then spreads its budget over the
    clusters in proportion to its rows in each (the clusters a class has most
    rows in first, when it has fewer budget rows than clusters) and keeps its
    rows nearest to those centroids. Either way each class keeps exactly its
    budget.

    **Scale.** K-means runs on the distinct rows, weighted by their number of
    copies, which has the same objective as clustering all rows and is much
    faster on data with many duplicates. Lloyd's :class:`~sklearn.cluster.KMeans`
    (k-means++ initialisation, one init) is used while
    ``n_distinct_rows * n_clusters <= 2,000,000`` (``LLOYD_MAX_DISTANCES``);
    above that, :class:`~sklearn.cluster.MiniBatchKMeans` (batches of
    ``batch_size`` rows) up to 1,000 clusters (``MINIBATCH_MAX_CLUSTERS``);
    beyond, where the k-means++ initialisation alone would take minutes, a
    two-level K-means: K-means (MiniBatchKMeans when large, by the same rule)
    splits the rows into ``ceil(sqrt(n_clusters))`` groups, the clusters are
    shared among the groups in proportion to their numbers of distinct rows,
    and Lloyd's K-means clusters each group. This is hierarchical K-means, an
    approximation of flat K-means with many clusters, and what lets the
    default ``"auto"`` run on the whole kddcup 10% file in under a minute.
    K-means is Euclidean: scale `X` first.

    Parameters
    ----------
    {keep_ratio}

    {min_samples_per_class}

    n_clusters : int or "auto", default="auto"
        Number of clusters of each class (or of the whole data with
        ``per_class=False``). ``"auto"``: as many clusters as rows to keep
        (the class budget, or the total with ``per_class=False``), so that
        each cluster gives exactly its row nearest the centroid, the classic
        K-means prototype selection. Fewer clusters give several rows per
        cluster, taken from the cluster's core: a more concentrated, less
        spread subset (on shuttle, 1,000 clusters per class kept rows closer
        together than random sampling does). An int is used as given. Either
        way a class never gets more clusters than its budget or than its
        number of distinct rows (duplicates share a cluster).

    per_class : bool, default=True
        Cluster each class separately (True) or all rows together (False).

    batch_size : int, default=1024
        Batch size of :class:`~sklearn.cluster.MiniBatchKMeans`, when used.

    max_iter : int, default=100
        Maximum number of iterations of K-means (passes over the data for
        MiniBatchKMeans).

    verbose : int, default=0
        If positive, print the clustering of each class as it is done.

    {random_state}

    Attributes
    ----------
    {fitted_attributes}

    n_clusters_ : ndarray of shape (n_classes,)
        Number of clusters used for each class (with ``per_class=False``, the
        number of clusters of the single clustering, repeated).

    See Also
    --------
    NNThinningSampler : Keep a well spread subset by radius thinning.
    RandomSampler : Keep a uniformly random share of the rows.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_asss import KMeansSampler
    >>> X, y = load_iris(return_X_y=True)
    >>> sampler = KMeansSampler(keep_ratio=0.2, random_state=0)
    >>> X_sub, y_sub = sampler.fit_resample(X, y)
    >>> X_sub.shape
    (30, 4)
    >>> sampler.n_clusters_
    array([10, 10, 10])
    """

    _parameter_constraints: dict = {
        **BaseSubsampler._parameter_constraints,
        "n_clusters": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "per_class": ["boolean"],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        keep_ratio=0.3,
        min_samples_per_class=1,
        n_clusters="auto",
        per_class=True,
        batch_size=1024,
        max_iter=100,
        verbose=0,
        random_state=None,
    ):
        super().__init__(
            keep_ratio=keep_ratio,
            min_samples_per_class=min_samples_per_class,
            random_state=random_state,
        )
        self.n_clusters = n_clusters
        self.per_class = per_class
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.verbose = verbose

    def _select(self, X, y_encoded, budgets, random_state, credibility=None):
        """The kept rows; with `credibility` (one score per row), ASSS's prototypes: the
        clusters far smaller than the class's others passed over
        (:func:`_in_clusters_of_typical_size`), each other cluster's more credible half
        nearest its centroid first (:func:`_credible_first`)."""
        n_classes = len(budgets)
        if not self.per_class:
            labels, distances, n_clusters = self._cluster(X, int(budgets.sum()), random_state)
            self.n_clusters_ = np.full(n_classes, n_clusters, dtype=np.intp)
        else:
            self.n_clusters_ = np.zeros(n_classes, dtype=np.intp)
        kept = []
        for c, budget in enumerate(budgets):
            rows = np.flatnonzero(y_encoded == c)
            if budget == 0:  # a class with no rows to keep (none left to draw from)
                continue
            if self.per_class:
                labels_c, distances_c, self.n_clusters_[c] = self._cluster(
                    X[rows], int(budget), random_state
                )
            else:
                labels_c, distances_c = labels[rows], distances[rows]
            if credibility is not None:
                inlying = _in_clusters_of_typical_size(labels_c, int(budget))
                rows, labels_c, distances_c = rows[inlying], labels_c[inlying], distances_c[inlying]
                distances_c = _credible_first(labels_c, distances_c, credibility[rows])
            kept.append(rows[_nearest_per_cluster(labels_c, distances_c, int(budget))])
            if self.verbose:
                print(
                    f"[KMeansSampler] class {c}: {len(rows)} rows, "
                    f"{self.n_clusters_[c]} clusters, {budget} kept"
                )
        return np.concatenate(kept)

    def _cluster(self, X, budget, random_state):
        """Cluster labels and distance to the own centroid of each row of X."""
        wanted = budget if self.n_clusters == "auto" else min(self.n_clusters, budget)
        return cluster_rows(
            X, wanted, random_state, batch_size=self.batch_size, max_iter=self.max_iter
        )


def _in_clusters_of_typical_size(labels, budget):
    """Whether each row's cluster holds at least a quarter of the mean cluster's rows (all
    rows, where the others could not fill `budget`).

    Rows a class's K-means isolates in clusters of their own are not typical of
    it: on texture and optdigits with 20% pair flips at 10% kept, the flipped rows
    among the prototypes came from clusters of 1-3 rows, all flipped, where the
    class's clusters held 10 on average.
    """
    sizes = np.bincount(labels)
    typical = sizes[labels] >= _MIN_CLUSTER_SHARE * len(labels) / np.count_nonzero(sizes)
    return typical if np.count_nonzero(typical) >= budget else np.ones(len(labels), dtype=bool)


def _credible_first(labels, distances, credibility):
    """`distances`, raised so that the less credible half of each cluster (by `credibility`;
    of an odd cluster, the smaller part) ranks after its other rows.

    The row nearest a centroid need not be typical of its class: the
    centroid of a cluster of a wide class can fall where another class
    lives, as on ring, whose rows near one class's centre are mostly the
    other class's, mislabelled ones among them.
    """
    credible = np.zeros(len(labels), dtype=bool)
    credible[select_top(credibility, labels, -(-np.bincount(labels) // 2))] = True
    return distances + ~credible * (distances.max() + 1.0)


def _nearest_per_cluster(labels, distances, budget):
    """Indices of the ``budget`` rows kept: per cluster, a proportional share, nearest first."""
    clusters, cluster_of_row, sizes = np.unique(labels, return_inverse=True, return_counts=True)
    if budget >= len(clusters):
        quotas = class_budgets(sizes, budget)
    else:
        # fewer rows than clusters (per_class=False only): the largest clusters get one
        quotas = np.zeros(len(clusters), dtype=np.int64)
        quotas[np.argsort(-sizes, kind="stable")[:budget]] = 1
    return select_top(-distances, cluster_of_row.ravel(), quotas)

