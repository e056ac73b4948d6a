"""Helpers shared by the geometric samplers."""

import numpy as np

# odd 64-bit constants of the row hash (fixed: the hash is not a random draw)
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(31)


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
    for j in range(X.shape[1]):  # a loop over columns: O(n) memory
        column = X[:, j]
        bits = np.ascontiguousarray(column).view(unsigned).astype(np.uint64)
        bits[column == 0] = 0  # -0.0 hashes as 0.0
        hashes ^= bits
        hashes *= _MULTIPLIER
        hashes ^= hashes >> _SHIFT
    return hashes


def _same_as_first(X, first, inverse):
    """Whether every row equals the first row of its hash group."""
    representative = first[inverse]
    for j in range(X.shape[1]):
        if np.any(X[:, j] != X[representative, j]):
            return False
    return True
