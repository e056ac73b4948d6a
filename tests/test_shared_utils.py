import numpy as np
import pytest

import sklearn_asss._utils as utils
from sklearn_asss._utils import distinct_rows


def _expected(X):
    """Distinct rows by first appearance, the slow obvious way."""
    seen, first, inverse = {}, [], []
    for i, row in enumerate(X + 0.0):
        key = row.tobytes()
        if key not in seen:
            seen[key] = len(first)
            first.append(i)
        inverse.append(seen[key])
    return np.array(first), np.array(inverse)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("collide", [False, True], ids=["hash", "collision-fallback"])
@pytest.mark.parametrize("block_bytes", [None, 48], ids=["one-block", "blocks-of-rows"])
def test_distinct_rows(dtype, collide, block_bytes, monkeypatch):
    if collide:  # every row gets the same hash: the exact fallback must take over
        monkeypatch.setattr(utils, "_row_hashes", lambda X: np.zeros(len(X), np.uint64))
    if block_bytes:  # rows hashed and compared a few at a time, the last block shorter
        monkeypatch.setattr(utils, "_BLOCK_BYTES", block_bytes)
    rng = np.random.RandomState(0)
    X = rng.randint(3, size=(500, 4)).astype(dtype) - 1.0
    X[::7] *= -1.0  # -0.0 appears; it equals 0.0
    first_expected, inverse_expected = _expected(X)
    distinct, first, inverse, counts = distinct_rows(X)
    np.testing.assert_array_equal(first, first_expected)
    np.testing.assert_array_equal(inverse, inverse_expected)
    np.testing.assert_array_equal(counts, np.bincount(inverse_expected))
    np.testing.assert_array_equal(distinct, X[first_expected])
    assert distinct.dtype == dtype


def test_distinct_rows_of_a_non_contiguous_view():
    X = np.asfortranarray(np.repeat(np.arange(12.0).reshape(6, 2), 3, axis=0))
    distinct, first, inverse, counts = distinct_rows(X[:, ::-1])
    assert len(distinct) == 6 and np.all(counts == 3)
    np.testing.assert_array_equal(distinct, X[first][:, ::-1])


def test_a_hash_collision_in_the_last_block_of_rows_is_found(monkeypatch):
    X = np.arange(2000.0).reshape(500, 4)  # distinct rows; the last two share a hash
    monkeypatch.setattr(utils, "_BLOCK_BYTES", 64)
    monkeypatch.setattr(
        utils, "_row_hashes", lambda X: np.minimum(np.arange(len(X)), len(X) - 2).astype(np.uint64)
    )
    distinct, first, inverse, counts = distinct_rows(X)
    assert len(distinct) == 500 and np.all(counts == 1)
    np.testing.assert_array_equal(inverse, np.arange(500))
