"""Helpers used by several modules: seeds, distinct rows, clustering rows.

Numpy and scikit-learn only; the torch helpers (seeded torch blocks, batched
no-grad forward passes) live in :mod:`sklearn_asss.nn._utils`.
"""

import numpy as np
from sklearn.cluster import KMeans, MiniBatchKMeans

# Lloyd's K-means while one iteration costs at most this many row-centroid
# distances (n_distinct_rows * n_clusters)
LLOYD_MAX_DISTANCES = 2_000_000
# above that, MiniBatchKMeans up to this many clusters (its k-means++
# initialisation grows with the square of n_clusters), a two-level K-means beyond
MINIBATCH_MAX_CLUSTERS = 1000
# seeds are drawn below this bound: the largest seed every library accepts
_SEED_BOUND = np.iinfo(np.int32).max


def draw_seed(random_state):
    """An int seed drawn from a numpy ``RandomState``, for a library that takes an int.

    torch, scikit-learn's estimators and skorch's generators are seeded this
    way, so that one ``random_state`` controls every draw of an estimator.
    """
    return int(random_state.randint(_SEED_BOUND))


# odd 64-bit constants of the row hash (fixed: the hash is not a random draw)
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(31)
# rows are hashed and compared in blocks of about this many bytes
_BLOCK_BYTES = 4 << 20


def distinct_rows(X):
    """The distinct rows of `X`, in order of first appearance.

    Exact duplicates are common in large tabular data (a kddcup training fold
    is about 30% distinct rows); the geometric samplers work on the distinct
    rows and map the result back. ``-0.0`` and ``0.0`` count as equal.

    Rows are grouped by a 64-bit hash of their bits, computed one column at a
    time (memory ``O(n_samples)``, no sorted copy of `X`); every row is then
    checked against its group's first row, and in the (astronomically rare)
    case of a hash collision the rows are grouped by sorting them instead.

    Returns
    -------
    distinct : ndarray of shape (n_distinct, n_features)
        One copy of each distinct row.
    first : ndarray of shape (n_distinct,)
        Index in `X` of the first copy of each distinct row (ascending).
    inverse : ndarray of shape (n_samples,)
        For each row of `X`, the index of its distinct row.
    counts : ndarray of shape (n_distinct,)
        Number of copies of each distinct row.
    """
    X = np.asarray(X)
    _, first, inverse, counts = np.unique(
        _row_hashes(X), return_index=True, return_inverse=True, return_counts=True
    )
    inverse = inverse.ravel()
    if not _same_as_first(X, first, inverse):  # a hash collision: group exactly
        X_exact = np.ascontiguousarray(X + 0.0)  # -0.0 and 0.0 are the same row
        as_bytes = X_exact.view(np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel()
        _, first, inverse, counts = np.unique(
            as_bytes, return_index=True, return_inverse=True, return_counts=True
        )
        inverse = inverse.ravel()
    by_appearance = np.argsort(first, kind="stable")
    rank = np.empty_like(by_appearance)
    rank[by_appearance] = np.arange(len(by_appearance))
    first = first[by_appearance]
    return X[first], first, rank[inverse], counts[by_appearance]


def _row_hashes(X):
    unsigned = np.uint32 if X.dtype.itemsize == 4 else np.uint64
    hashes = np.zeros(len(X), dtype=np.uint64)
    for block, block_hashes in _row_blocks(X, hashes):
        for j in range(X.shape[1]):  # a loop over columns: O(n) memory
            column = np.ascontiguousarray(block[:, j])
            bits = column.view(unsigned).astype(np.uint64)
            bits[column == 0] = 0  # -0.0 hashes as 0.0
            block_hashes ^= bits
            block_hashes *= _MULTIPLIER
            block_hashes ^= block_hashes >> _SHIFT
    return hashes


def _same_as_first(X, first, inverse):
    """Whether every row equals the first row of its hash group."""
    representative = first[inverse]
    return all(
        np.array_equal(block, X[block_representatives])
        for block, block_representatives in _row_blocks(X, representative)
    )


def _row_blocks(X, per_row):
    """Consecutive blocks of rows of `X` that fit a cache, each with its slice of `per_row`.

    A column of a C-ordered table read whole strides over every row; read a
    block at a time it stays in the cache (on the kddcup file, 3 times faster).
    """
    n_rows = max(1, _BLOCK_BYTES // max(1, X.itemsize * X.shape[1]))
    for start in range(0, len(X), n_rows):
        yield X[start : start + n_rows], per_row[start : start + n_rows]


def cluster_rows(
    X, n_clusters, random_state, *, batch_size=1024, max_iter=100, minibatch_init="k-means++"
):
    """K-means of the rows of `X`, run on its distinct rows weighted by their copies.

    The method is chosen by size: Lloyd's :class:`~sklearn.cluster.KMeans`
    (k-means++, one init) while ``n_distinct_rows * n_clusters <=
    LLOYD_MAX_DISTANCES``, :class:`~sklearn.cluster.MiniBatchKMeans` up to
    ``MINIBATCH_MAX_CLUSTERS`` clusters, a two-level K-means beyond (see
    :class:`~sklearn_asss.KMeansSampler`). Every MiniBatchKMeans starts from
    `minibatch_init` (scikit-learn's ``init``: k-means++ costs a pass per
    cluster; ``"random"`` draws the centres by weight).

    Returns
    -------
    labels : ndarray of shape (n_samples,)
        Cluster of each row (copies of a row share one).
    distances : ndarray of shape (n_samples,)
        Euclidean distance of each row to its cluster's centre.
    n_clusters : int
        Number of clusters used: `n_clusters`, at most the number of distinct rows.
    """
    distinct, _, inverse, counts = distinct_rows(X)
    n_clusters = int(max(1, min(n_clusters, len(distinct))))
    labels, centers = _weighted_kmeans(
        distinct, counts.astype(X.dtype), n_clusters, random_state, batch_size, max_iter,
        minibatch_init=minibatch_init,
    )  # fmt: skip
    # in float64: the squares of float32 features near 1e30 overflow to inf, which ranks nothing
    distances = np.linalg.norm((distinct - centers[labels]).astype(np.float64), axis=1)
    return labels[inverse], distances[inverse], n_clusters


def _weighted_kmeans(
    X, weights, n_clusters, random_state, batch_size, max_iter, method="auto",
    minibatch_init="k-means++",
):  # fmt: skip
    """Labels and centres of a weighted K-means of the distinct rows X.

    `method` is "lloyd", "minibatch", "two-level", or "auto" (by size);
    `minibatch_init` is the MiniBatchKMeans's ``init``.
    """
    n = len(X)
    if n_clusters >= n:  # every row its own cluster
        return np.arange(n), X
    if method == "auto":
        if n * n_clusters <= LLOYD_MAX_DISTANCES:
            method = "lloyd"
        elif n_clusters <= MINIBATCH_MAX_CLUSTERS:
            method = "minibatch"
        else:
            method = "two-level"
    if method == "two-level":
        return _two_level_kmeans(
            X, weights, n_clusters, random_state, batch_size, max_iter, minibatch_init
        )
    seed = draw_seed(random_state)
    if method == "lloyd":
        model = KMeans(n_clusters, n_init=1, max_iter=max_iter, random_state=seed)
    else:
        model = MiniBatchKMeans(
            n_clusters, init=minibatch_init, batch_size=batch_size, max_iter=max_iter,
            n_init=1, random_state=seed,
        )  # fmt: skip
    model.fit(X, sample_weight=weights)
    return model.labels_, model.cluster_centers_


def _two_level_kmeans(X, weights, n_clusters, random_state, batch_size, max_iter, minibatch_init):
    """K-means into ceil(sqrt(k)) groups, then Lloyd's K-means inside each group."""
    n_groups = int(np.ceil(np.sqrt(n_clusters)))
    top_method = "lloyd" if len(X) * n_groups <= LLOYD_MAX_DISTANCES else "minibatch"
    top, _ = _weighted_kmeans(
        X, weights, n_groups, random_state, batch_size, max_iter, method=top_method,
        minibatch_init=minibatch_init,
    )  # fmt: skip
    _, group_of_row, group_sizes = np.unique(top, return_inverse=True, return_counts=True)
    group_of_row = group_of_row.ravel()
    # clusters per group in proportion to its distinct rows, at least one each
    from ._selection import (
        class_budgets,  # not at the top: _selection imports this module
    )

    clusters_per_group = class_budgets(group_sizes, n_clusters)
    labels = np.empty(len(X), dtype=np.intp)
    centers = []
    offset = 0
    for group, k in enumerate(clusters_per_group):
        rows = np.flatnonzero(group_of_row == group)
        sub_labels, sub_centers = _weighted_kmeans(
            X[rows], weights[rows], int(k), random_state, batch_size, max_iter, method="lloyd"
        )
        labels[rows] = sub_labels + offset
        centers.append(sub_centers)
        offset += len(sub_centers)
    return labels, np.concatenate(centers)
