"""Property-based tests (hypothesis) of every public sampler on generated tables.

Each example is a table of 1-200 rows, 1-20 columns and 1-10 classes (classes
of a single row included), of one dtype, in one container, with huge, tiny,
constant and repeated values, and a keep ratio between ``1 / n`` and 1. The
property: ``fit_resample`` either raises a ValueError/TypeError whose message
names the problem of the input (NaN, infinity, a single class, sparse data, a
text column, labels that are continuous or mix strings and numbers), or
returns a correct subset (ascending unique indices, the rows and labels of
the input unchanged in its own container, the budgets of the budget rule,
every class kept, the input unmodified, the same indices for the same seed).

Two profiles, chosen with the environment variable ``HYPOTHESIS_PROFILE``:
``fast`` (the default, a few seconds per sampler, run in CI) and ``long``
(1,000 examples per sampler)::

    HYPOTHESIS_PROFILE=long python -m pytest -p no:cacheprovider tests/test_properties.py
"""

import copy
import os
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis import given
from sklearn.base import clone

import sklearn_asss
from sklearn_asss import BaseSubsampler

pl = pytest.importorskip("polars")
polars_testing = pytest.importorskip("polars.testing")

_HEALTH_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "fast",
    max_examples=30,
    deadline=None,
    derandomize=True,  # CI sees the same examples on every run
    database=None,
    suppress_health_check=_HEALTH_CHECKS,
)
settings.register_profile(
    "long", max_examples=1000, deadline=None, suppress_health_check=_HEALTH_CHECKS
)
# applied per test (not loaded globally), so other hypothesis tests keep their own settings
_PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "fast"))

# parameters that make the torch samplers fast enough for hundreds of fits on tiny tables;
# any public sampler with one of these parameters gets the quick value
_QUICK_PARAMS = {
    "max_epochs": 1,
    "warmup_epochs": 1,
    "epochs": 1,
    "n_epochs": 1,
    "hidden_layer_sizes": (8,),
    "selector_hidden_layer_sizes": (8, 8),
    "batch_size": 64,
    "cv": 2,
}

MAX_ROWS = 200
MAX_FEATURES = 20
MAX_CLASSES = 10
HUGE = 1e30
TINY = 1e-30


def _public_sampler_classes():
    return sorted(
        (
            obj
            for obj in (getattr(sklearn_asss, name) for name in sklearn_asss.__all__)
            if isinstance(obj, type)
            and issubclass(obj, BaseSubsampler)
            and obj is not BaseSubsampler
        ),
        key=lambda cls: cls.__name__,
    )


SAMPLER_CLASSES = _public_sampler_classes()


def _quick_sampler(sampler_class, **params):
    quick = {k: v for k, v in _QUICK_PARAMS.items() if k in sampler_class().get_params()}
    return sampler_class(**quick, **params)


# --------------------------------------------------------------------------
# strategies

_NUMPY_DTYPES = ["float16", "float32", "float64", "int8", "int32", "int64", "uint8", "bool"]
_PANDAS_DTYPES = _NUMPY_DTYPES + ["Int64", "Float64"]
# polars and scipy.sparse have no float16
_DTYPES_WITHOUT_FLOAT16 = [dtype for dtype in _NUMPY_DTYPES if dtype != "float16"]
# the containers, the common ones twice; invalid inputs (sparse, NaN, ...) are each rarer, so
# that most examples reach the subset
_CONTAINERS = [
    "numpy", "numpy", "numpy_fortran", "numpy_readonly", "pandas", "pandas", "list", "csr",
    "csc", "polars", "polars",
]  # fmt: skip
_COLUMN_KINDS = ["normal", "normal", "constant", "huge", "tiny", "integer", "binary"]


@st.composite
def class_counts(draw):
    n_classes = draw(st.integers(1, MAX_CLASSES))
    most = MAX_ROWS // n_classes
    return draw(st.lists(st.integers(1, most), min_size=n_classes, max_size=n_classes))


def _column(kind, rng, n_rows):
    if kind == "normal":
        return rng.normal(size=n_rows)
    if kind == "constant":
        return np.full(n_rows, rng.normal())
    if kind == "huge":
        return rng.normal(size=n_rows) * HUGE
    if kind == "tiny":
        return rng.normal(size=n_rows) * TINY
    if kind == "integer":
        return rng.randint(-3, 4, size=n_rows).astype(float)
    return rng.randint(0, 2, size=n_rows).astype(float)


def _cast(values, dtype):
    """Values as `dtype`; integer dtypes get integer values in their range."""
    if dtype == "object":
        return values
    if dtype == "bool":
        return values > 0
    if dtype in ("int8", "int32", "int64", "uint8", "Int64"):
        rounded = np.clip(np.round(values), -100, 100)
        if dtype == "uint8":
            rounded = np.abs(rounded)
        return rounded.astype(dtype.lower())
    with np.errstate(over="ignore"):  # huge values in float16 become infinite, on purpose
        return values.astype("float64" if dtype == "Float64" else dtype)


@st.composite
def cases(draw):
    """A dict: X and y in one container, what is wrong with them, and a keep ratio."""
    counts = draw(class_counts())
    n_rows = sum(counts)
    n_features = draw(st.integers(1, MAX_FEATURES))
    rng = np.random.RandomState(draw(st.integers(0, 2**32 - 1)))
    container = draw(st.sampled_from(_CONTAINERS))
    dtypes = {"pandas": _PANDAS_DTYPES, "numpy": _NUMPY_DTYPES, "numpy_fortran": _NUMPY_DTYPES,
              "numpy_readonly": _NUMPY_DTYPES, "list": _NUMPY_DTYPES}.get(
        container, _DTYPES_WITHOUT_FLOAT16
    )
    dtype = draw(st.sampled_from(dtypes))
    kinds = draw(st.lists(st.sampled_from(_COLUMN_KINDS), min_size=n_features,
                          max_size=n_features))  # fmt: skip
    values = np.column_stack([_column(kind, rng, n_rows) for kind in kinds])
    if draw(st.booleans()):  # exact duplicates: copy some rows over others
        n_copies = draw(st.integers(1, n_rows))
        values[rng.randint(n_rows, size=n_copies)] = values[rng.randint(n_rows, size=n_copies)]
    missing = draw(st.sampled_from([None] * 10 + ["nan", "inf"]))
    if missing is not None and np.dtype(dtype.lower()).kind == "f":
        values[rng.randint(n_rows), rng.randint(n_features)] = (
            np.nan if missing == "nan" else np.inf
        )
    labels = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    label_kind = draw(st.sampled_from(_LABEL_KINDS))
    if label_kind == "bool" and len(counts) != 2:
        label_kind = "int"
    if label_kind == "mixed" and container == "polars":  # a polars Series has one type
        label_kind = "str"
    y = _label_values(label_kind, len(counts))[labels]
    if draw(st.sampled_from([False] * 9 + [True])) and container == "pandas":
        values = values.astype(object)  # a column of text
        values[:, rng.randint(n_features)] = "text"
        dtype = "object"
    X, y = _in_container(_cast(values, dtype), y, container, dtype, label_kind, rng)
    return {
        "X": X,
        "y": y,
        "container": container,
        "counts": np.asarray(counts),
        "problems": _problems(X, counts, container, label_kind),
        "keep_ratio": draw(st.one_of(st.just(1 / n_rows), st.just(1.0),
                                     st.floats(1 / n_rows, 1.0))),  # fmt: skip
        "min_samples_per_class": draw(st.sampled_from([1, 1, 2, 5, 50])),
        "random_state": draw(st.integers(0, 2**31 - 1)),
    }


# the kinds of labels; "continuous" and "mixed" are not classes (errors), the rest are
_LABEL_KINDS = [
    "int", "int", "int", "str", "category", "category", "float", "bool", "nullable",
    "continuous", "mixed",
]  # fmt: skip


def _label_values(label_kind, n_classes):
    """`n_classes` labels of a kind, in ascending order."""
    codes = np.arange(n_classes)
    if label_kind == "str":
        return np.array([f"class {i}" for i in codes])
    if label_kind == "category":
        return np.array([f"c{i}" for i in codes])
    if label_kind == "float":
        return codes * 2.0
    if label_kind == "bool":
        return codes.astype(bool)
    if label_kind == "continuous":
        return codes + 0.5
    if label_kind == "mixed":
        return np.array([i if i % 2 else f"class {i}" for i in codes], dtype=object)
    return np.array([-7, 0, 3, 10, 11, 20, 25, 99, 100, 1000])[:n_classes]


def _in_container(X, y, container, dtype, label_kind, rng):
    if container == "numpy":
        return np.ascontiguousarray(X), y
    if container == "numpy_fortran":
        return np.asfortranarray(X), y
    if container == "numpy_readonly":
        X, y = X.copy(), y.copy()
        X.flags.writeable = False
        y.flags.writeable = False
        return X, y
    if container == "list":
        return X.tolist(), y.tolist()
    if container in ("csr", "csc"):
        return sp.csr_matrix(X) if container == "csr" else sp.csc_matrix(X), y
    if container == "polars":
        frame = pl.DataFrame({f"x{j}": X[:, j] for j in range(X.shape[1])})
        labels = pl.Series("label", y, dtype=pl.Categorical if label_kind == "category" else None)
        return frame, labels
    # pandas, with a shuffled non-default index shared by X and y
    index = pd.Index(rng.permutation(len(y)) * 3 + 1000, name="row")
    frame = pd.DataFrame(
        {f"x{j}": pd.array(X[:, j], dtype=dtype) for j in range(X.shape[1])}, index=index
    ).infer_objects()
    if dtype in ("Int64", "Float64") and rng.rand() < 0.2:
        frame.iloc[rng.randint(len(y)), rng.randint(X.shape[1])] = pd.NA
    if label_kind == "category":
        # an unused category too: it is not a class of the data
        categories = sorted(set(y)) + ["unused"]
        return frame, pd.Series(pd.Categorical(y, categories=categories), index=index, name="y")
    if label_kind == "nullable":
        return frame, pd.Series(y, index=index, name="y", dtype="Int64")
    return frame, pd.Series(y, index=index, name="y")


def _problems(X, counts, container, label_kind):
    """What is wrong with the input, as error categories (keys of _ERROR_PATTERNS)."""
    problems = set()
    if label_kind == "continuous":
        problems.add("label_type")
    if label_kind == "mixed" and container != "list":  # numpy turns a list into strings
        problems.add("mixed_labels")
    if len(counts) < 2:
        problems.add("one_class")
    if container in ("csr", "csc"):
        problems.add("sparse")
    if container == "pandas" and any(map(pd.api.types.is_string_dtype, X.dtypes)):
        problems.add("text")
        return problems
    values = _dense_float(X, container)
    if np.isnan(values).any():
        problems.add("nan")
    if np.isinf(values).any():
        problems.add("inf")
    return problems


def _dense_float(X, container):
    if container in ("csr", "csc"):
        return X.toarray().astype(float)
    if container == "pandas":
        return X.astype("float64").to_numpy(dtype=float, na_value=np.nan)
    if container == "polars":
        return X.to_numpy().astype(float)
    return np.asarray(X, dtype=float)


# what an error message must say for each problem of the input
_ERROR_PATTERNS = {
    "nan": r"NaN|missing",
    "inf": r"infinity|too large",
    "one_class": r"2 classes|one class|single class",
    "sparse": r"[Ss]parse",
    "label_type": r"[Ll]abel type",
    "mixed_labels": r"mix of label types",
    "text": r"string|convert",
}


def _too_small_for_internal_folds(sampler, counts):
    n_folds = sampler.get_params().get("cv")
    return isinstance(n_folds, int) and max(counts) < n_folds


def _unsupported(problems, sampler):
    """The problems the sampler does not support according to its tags."""
    input_tags = sampler.__sklearn_tags__().input_tags
    supported = set()
    if input_tags.allow_nan:
        supported.add("nan")
    if input_tags.sparse:
        supported.add("sparse")
    return problems - supported


# --------------------------------------------------------------------------
# expected results, computed independently of the package


def expected_budgets(counts, keep_ratio, min_per_class, trusted=None):
    """The budget rule, in integer arithmetic.

    ``round(keep_ratio * n)`` rows (at least one per class); proportional
    shares rounded by largest remainders (ties to the lower class index); a
    floor of ``min(n_c, max(1, min(min_per_class, n_keep // n_classes)))``
    per class, the rows it costs taken from the class with the most rows above
    its floor (all it can give, then the next). With a label filter's
    `trusted` (unflagged) rows per class, the floor of a class with more rows
    than it is at most its trusted rows, and at least one.
    """
    counts = [int(c) for c in counts]
    n_rows, n_classes = sum(counts), len(counts)
    n_keep = min(n_rows, max(n_classes, round(keep_ratio * n_rows)))
    quotients = [divmod(n_keep * c, n_rows) for c in counts]
    budgets = [q for q, _ in quotients]
    by_remainder = sorted(range(n_classes), key=lambda c: (-quotients[c][1], c))
    for c in by_remainder[: n_keep - sum(budgets)]:
        budgets[c] += 1
    floor = max(1, min(min_per_class, n_keep // n_classes))
    floors = [min(c, floor) for c in counts]
    if trusted is not None:
        floors = [
            f if c <= floor else min(f, max(t, 1)) for c, f, t in zip(counts, floors, trusted)
        ]
    budgets = [max(b, f) for b, f in zip(budgets, floors)]
    excess = sum(budgets) - n_keep
    while excess > 0:
        surplus = [b - f for b, f in zip(budgets, floors)]
        donor = surplus.index(max(surplus))
        take = min(excess, surplus[donor])
        budgets[donor] -= take
        excess -= take
    return budgets


def _take(data, indices, container):
    """The rows `indices` of `data`, taken without the package's helpers."""
    if container == "list":
        return [data[i] for i in indices]
    if container == "pandas":
        return data.iloc[indices]
    if container == "polars":
        return data[[int(i) for i in indices]]
    return data[indices]


def _assert_same(actual, expected, container):
    """Equal values, dtypes, type and (pandas) index."""
    assert type(actual) is type(expected)
    if container == "pandas":
        if isinstance(expected, pd.DataFrame):
            pd.testing.assert_frame_equal(actual, expected)
        else:
            pd.testing.assert_series_equal(actual, expected)
    elif container == "polars":
        if isinstance(expected, pl.DataFrame):
            polars_testing.assert_frame_equal(actual, expected)
        else:
            polars_testing.assert_series_equal(actual, expected)
    elif container == "list":
        assert len(actual) == len(expected)
        np.testing.assert_array_equal(np.array(actual), np.array(expected))
    elif sp.issparse(expected):
        assert actual.format == expected.format and actual.dtype == expected.dtype
        np.testing.assert_array_equal(actual.toarray(), expected.toarray())
    else:
        assert actual.dtype == expected.dtype
        np.testing.assert_array_equal(actual, expected)


def _fit_resample_quietly(sampler, X, y):
    with warnings.catch_warnings():
        # convergence and collapse warnings are expected on such tables
        warnings.simplefilter("ignore")
        return sampler.fit_resample(X, y)


# --------------------------------------------------------------------------
# the property


def test_every_public_sampler_is_fuzzed():
    names = {cls.__name__ for cls in SAMPLER_CLASSES}
    assert {"ASSSSampler", "RandomSampler", "KMeansSampler", "MarginSampler"} <= names


@pytest.mark.parametrize("sampler_class", SAMPLER_CLASSES, ids=lambda cls: cls.__name__)
@_PROFILE
@given(case=cases())
def test_fit_resample_is_a_clear_error_or_a_correct_subset(sampler_class, case):
    X, y, container = case["X"], case["y"], case["container"]
    sampler = _quick_sampler(
        sampler_class,
        keep_ratio=case["keep_ratio"],
        min_samples_per_class=case["min_samples_per_class"],
        random_state=case["random_state"],
    )
    X_before, y_before = copy.deepcopy(X), copy.deepcopy(y)
    problems = _unsupported(case["problems"], sampler)
    # shown by --hypothesis-show-statistics: how the examples spread
    event(f"container: {container}")
    event(f"outcome: {'error, ' + ', '.join(sorted(problems)) if problems else 'subset'}")
    if problems:
        with pytest.raises((ValueError, TypeError)) as error:
            _fit_resample_quietly(sampler, X, y)
        pattern = "|".join(_ERROR_PATTERNS[p] for p in problems)
        assert re.search(pattern, str(error.value)), (problems, str(error.value))
    elif _too_small_for_internal_folds(sampler, case["counts"]):
        # a sampler with internal stratified folds (``cv``) on a table whose every class has
        # fewer rows than folds: a clear error naming cv, or a correct subset
        try:
            X_res, y_res = _fit_resample_quietly(sampler, X, y)
        except ValueError as error:
            assert re.search(r"\bcv\b", str(error)), str(error)
        else:
            _assert_correct_subset(sampler, case, X_res, y_res)
    else:
        X_res, y_res = _fit_resample_quietly(sampler, X, y)
        _assert_correct_subset(sampler, case, X_res, y_res)
        # the same seed gives the same subset
        again = clone(sampler)
        _fit_resample_quietly(again, X, y)
        np.testing.assert_array_equal(again.sample_indices_, sampler.sample_indices_)
    _assert_same(X, X_before, container)
    _assert_same(y, y_before, container)
    if container == "numpy_readonly":
        assert not X.flags.writeable and not y.flags.writeable


def _assert_correct_subset(sampler, case, X_res, y_res):
    X, y, container = case["X"], case["y"], case["container"]
    indices = sampler.sample_indices_
    assert indices.ndim == 1 and np.issubdtype(indices.dtype, np.integer)
    assert np.all(np.diff(indices) > 0), "indices not ascending and unique"
    assert indices.size == 0 or (indices[0] >= 0 and indices[-1] < len(y))
    _assert_same(X_res, _take(X, indices, container), container)
    _assert_same(y_res, _take(y, indices, container), container)
    labels = np.asarray(y.to_list() if container == "polars" else y)
    classes, class_of_row = np.unique(labels, return_inverse=True)
    np.testing.assert_array_equal(np.asarray(sampler.classes_), classes)
    counts = np.bincount(class_of_row)
    assert sorted(counts) == sorted(case["counts"])
    issues = getattr(sampler, "label_issues_", None)
    trusted = None if issues is None else np.bincount(class_of_row[~issues], minlength=len(counts))
    budgets = expected_budgets(
        counts, case["keep_ratio"], sampler.min_samples_per_class, trusted
    )
    np.testing.assert_array_equal(sampler.class_budgets_, budgets)
    # every class is kept, with exactly its budget
    kept = np.bincount(class_of_row[indices], minlength=len(classes))
    np.testing.assert_array_equal(kept, budgets)
    assert kept.min() >= 1
    # a subset is never drawn from scores that are not numbers
    scores = getattr(sampler, "selection_scores_", None)
    if scores is not None:
        assert scores.shape == (len(y),) and np.all(np.isfinite(scores))

