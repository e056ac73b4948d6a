"""resample_dask on a real distributed.LocalCluster, against resample_in_memory."""

import copy
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from sklearn_asss import (  # noqa: E402
    ASSSSampler,
    DeduplicateSampler,
    KMeansSampler,
    RandomSampler,
    class_budgets,
)
from sklearn_asss._confident_learning import LABEL_FILTERS  # noqa: E402
from sklearn_asss._utils import distinct_rows  # noqa: E402
from sklearn_asss.dask import resample_dask, resample_in_memory, row_uniforms  # noqa: E402

N_ROWS = 2400
FEATURES = ["f0", "f1", "f2", "f3"]
KEEP_RATIO = 0.2
FIT_SIZE = 800


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def table():
    """Three classes (one rare, string labels), values rounded so that rows repeat."""
    rng = np.random.RandomState(0)
    X = np.round(rng.normal(size=(N_ROWS, len(FEATURES))), 1)
    X[:400] = X[1000:1400]  # exact repeats, at positions before and after their first copy
    y = np.where(X[:, 0] > 1.5, "rare", np.where(X[:, 1] > 0, "b", "a"))
    frame = pd.DataFrame(X, columns=FEATURES, index=np.arange(N_ROWS) * 10)
    frame["label"] = y
    return frame


@pytest.fixture(scope="module")
def fitted_asss(table):
    sampler = ASSSSampler(
        keep_ratio=KEEP_RATIO, min_samples_per_class=20, max_epochs=2, warmup_epochs=1,
        label_filter=None, random_state=0,
    )  # fmt: skip
    return sampler.fit(table[FEATURES], table["label"])


def _dask_frame(table, npartitions):
    frame = dd.from_pandas(table, npartitions=npartitions, sort=False)
    return frame[FEATURES], frame["label"]


def _expected_budgets(sampler, y, issues=None, outvoted=None):
    """The class budgets; with a label filter's `issues`, their floors count unflagged rows;
    with the rows their copies outvote (`outvoted`), shares of the other rows."""
    classes, class_of_row, counts = np.unique(y, return_inverse=True, return_counts=True)
    n_keep = round(sampler.keep_ratio * len(y))
    trusted = None if issues is None else np.bincount(class_of_row[~issues], minlength=len(counts))
    if outvoted is not None:
        counts = np.bincount(class_of_row[~outvoted], minlength=len(counts))
    return classes, class_budgets(counts, n_keep, sampler.min_samples_per_class, trusted)


def _check_exact(sampler, table, X_kept, y_kept, positions, issues=None):
    positions = positions.compute()
    X_kept, y_kept = X_kept.compute(), y_kept.compute()
    assert np.all(np.diff(positions) > 0)
    classes, budgets = _expected_budgets(sampler, table["label"], issues)
    kept_classes, kept_counts = np.unique(np.asarray(y_kept), return_counts=True)
    np.testing.assert_array_equal(kept_classes, classes)
    np.testing.assert_array_equal(kept_counts, budgets)
    pd.testing.assert_frame_equal(X_kept, table[FEATURES].iloc[positions])
    # dask stores strings as its own string dtype
    pd.testing.assert_series_equal(y_kept, table["label"].iloc[positions], check_dtype=False)
    return positions


@pytest.mark.parametrize(
    "selection, rank_by",
    [("clustered", "selection_probability"), ("sample", "selection_probability"),
     ("top", "selection_probability"), ("clustered", "task_confidence")],
)  # fmt: skip
def test_asss_rules_equal_the_in_memory_selection(client, table, fitted_asss, selection, rank_by):
    sampler = copy.deepcopy(fitted_asss).set_params(selection=selection, rank_by=rank_by)
    X, y = _dask_frame(table, npartitions=7)
    result = resample_dask(sampler, X, y, fit_size=FIT_SIZE, prefit=True, random_state=3)
    positions = _check_exact(sampler, table, *result)
    _, _, expected = resample_in_memory(
        sampler, table[FEATURES], table["label"], fit_size=FIT_SIZE, prefit=True, random_state=3
    )
    np.testing.assert_array_equal(positions, expected)


@pytest.fixture(scope="module", params=LABEL_FILTERS)
def filtered_asss(table, request):
    labels = table["label"].to_numpy().copy()
    flipped = np.random.RandomState(1).uniform(size=len(labels)) < 0.2
    labels[flipped] = np.where(labels[flipped] == "a", "b", "a")
    noisy = table.assign(label=labels)
    sampler = ASSSSampler(
        keep_ratio=KEEP_RATIO, min_samples_per_class=20, max_epochs=2, warmup_epochs=1,
        task_lr=1e-2, label_filter=request.param, random_state=0,
    )  # fmt: skip
    return noisy, sampler.fit(noisy[FEATURES], noisy["label"])


@pytest.mark.parametrize("selection", ["clustered", "sample", "top"])
def test_label_filter_takes_unflagged_rows_first_as_in_memory(client, filtered_asss, selection):
    noisy, fitted = filtered_asss
    sampler = copy.deepcopy(fitted).set_params(selection=selection)
    X, y = _dask_frame(noisy, npartitions=6)
    result = resample_dask(sampler, X, y, prefit=True, random_state=2)
    # flagged against the thresholds of the rows fit saw, by the mean of the label filter's
    # two networks; fit flagged each of those rows by the one that did not train on it
    scores = sampler._ranking_scores_and_issues(noisy[FEATURES], noisy["label"])
    _, issues, incredible, confidence = scores
    assert np.mean(issues == sampler.label_issues_) > 0.9
    positions = _check_exact(sampler, noisy, *result, issues=issues)
    _, _, expected = resample_in_memory(
        sampler, noisy[FEATURES], noisy["label"], prefit=True, random_state=2
    )
    np.testing.assert_array_equal(positions, expected)
    labels = noisy["label"].to_numpy()
    classes, budgets = _expected_budgets(sampler, labels, issues)
    last = issues | incredible
    for label, budget in zip(classes, budgets):
        of_class = labels == label
        kept_last = last[positions][of_class[positions]].sum()
        assert kept_last == max(0, budget - np.sum(of_class & ~last))
        # the rows drawn last are drawn by the task network's probability of their label
        drawn_last = np.flatnonzero(of_class & last)
        taken = np.isin(drawn_last, positions)
        if taken.sum() > 5 and (~taken).sum() > 5:
            assert confidence[drawn_last[taken]].mean() > confidence[drawn_last[~taken]].mean()
    assert issues.mean() > 0.05
    # drawn last too: the unflagged rows whose label has less than a uniform guess's probability
    probability = sampler._filter_probabilities(sampler._standardise(noisy[FEATURES].to_numpy()))
    of_label = probability[np.arange(len(labels)), np.searchsorted(sampler.classes_, labels)]
    cut = sampler.incredible_last_[np.searchsorted(sampler.classes_, labels)]
    np.testing.assert_array_equal(incredible, ~issues & (of_label < 1 / len(classes)) & cut)
    assert incredible.sum() > 0


def test_label_filter_fills_a_flooded_class_floor_from_its_unflagged_rows(client, table):
    labels = table["label"].to_numpy().copy()
    flooded = (labels == "a") & (np.random.RandomState(2).uniform(size=len(labels)) < 0.3)
    labels[flooded] = "rare"  # about 300 rows of "a" labelled as the rare class
    noisy = table.assign(label=labels)
    sampler = ASSSSampler(
        keep_ratio=0.5, min_samples_per_class=300, max_epochs=2, warmup_epochs=1,
        task_lr=1e-2, random_state=0,
    ).fit(noisy[FEATURES], labels)  # fmt: skip
    _, issues, _, _ = sampler._ranking_scores_and_issues(noisy[FEATURES], noisy["label"])
    rare = labels == "rare"
    assert rare.sum() > 300 > np.sum(rare & ~issues)
    X, y = _dask_frame(noisy, npartitions=5)
    positions = _check_exact(
        sampler, noisy, *resample_dask(sampler, X, y, prefit=True, random_state=1), issues=issues
    )
    # its floor of 300 counts only its unflagged rows: it keeps its proportional share
    classes, filling_from_any_rows = _expected_budgets(sampler, labels)
    assert filling_from_any_rows[list(classes).index("rare")] == 300
    assert np.sum(rare[positions]) < 300
    _, _, expected = resample_in_memory(
        sampler, noisy[FEATURES], noisy["label"], prefit=True, random_state=1
    )
    np.testing.assert_array_equal(positions, expected)


def test_label_filter_flags_the_copies_their_rows_outvote_over_partitions(client, filtered_asss):
    # 200 rows (each twice already, 1,000 positions apart) a third time, labelled otherwise
    noisy, sampler = filtered_asss
    labels = noisy["label"].to_numpy()
    copied = np.flatnonzero(labels[:200] == labels[1000:1200]) + 1000
    third = noisy.iloc[copied]
    third = third.assign(label=np.where(third["label"] == "a", "b", "a"))
    voted = pd.concat([noisy, third.set_axis(np.arange(len(third)) * 10 + 1, axis=0)])
    X, y = _dask_frame(voted, npartitions=6)
    positions = resample_dask(sampler, X, y, prefit=True, random_state=3)[2].compute()
    _, _, expected = resample_in_memory(
        sampler, voted[FEATURES], voted["label"], prefit=True, random_state=3
    )
    np.testing.assert_array_equal(positions, expected)
    outvoted = np.arange(len(voted)) >= len(noisy)
    assert not outvoted[positions].any()
    labels = voted["label"].to_numpy()
    _, issues, _, _ = sampler._ranking_scores_and_issues(voted[FEATURES], labels)
    classes, budgets = _expected_budgets(sampler, labels, issues | outvoted, outvoted)
    np.testing.assert_array_equal(np.unique(labels[positions], return_counts=True)[1], budgets)
    assert not np.array_equal(budgets, _expected_budgets(sampler, labels, issues | outvoted)[1])


def test_label_filter_needs_a_sampler_fitted_with_it(client, table, fitted_asss):
    sampler = copy.deepcopy(fitted_asss).set_params(label_filter="confident_learning")
    X, y = _dask_frame(table, npartitions=3)
    with pytest.raises(ValueError, match="fitted with label_filter=None"):
        resample_dask(sampler, X, y, prefit=True, random_state=0)


def test_label_filter_needs_a_sampler_fitted_with_the_same_filter(client, filtered_asss):
    noisy, fitted = filtered_asss
    other = next(f for f in LABEL_FILTERS if f != fitted.label_filter)
    sampler = copy.deepcopy(fitted).set_params(label_filter=other)
    X, y = _dask_frame(noisy, npartitions=3)
    with pytest.raises(ValueError, match=f"fitted with label_filter='{fitted.label_filter}'"):
        resample_dask(sampler, X, y, prefit=True, random_state=0)


def test_top_takes_tied_rows_by_position(client, table, fitted_asss):
    # repeated rows of one class have the same p: the threshold falls inside ties
    sampler = copy.deepcopy(fitted_asss).set_params(selection="top")
    scores = sampler.score_samples(table[FEATURES], table["label"])
    assert len(np.unique(scores)) < len(scores)
    X, y = _dask_frame(table, npartitions=5)
    _, _, positions = resample_dask(sampler, X, y, prefit=True, random_state=0)
    expected = []
    for label, budget in zip(*_expected_budgets(sampler, table["label"])):
        rows = np.flatnonzero(table["label"].to_numpy() == label)
        order = np.lexsort((rows, -scores[rows]))  # highest p, then lowest position
        expected.append(rows[order[:budget]])
    np.testing.assert_array_equal(positions.compute(), np.sort(np.concatenate(expected)))


def test_asss_is_fitted_on_the_stratified_sample(client, table):
    sampler = ASSSSampler(keep_ratio=KEEP_RATIO, max_epochs=1, warmup_epochs=0, random_state=0)
    X, y = _dask_frame(table, npartitions=4)
    _, _, positions = resample_dask(sampler, X, y, fit_size=FIT_SIZE, random_state=1)
    # fitted on FIT_SIZE rows: its own budgets add up to keep_ratio of the sample
    assert sampler.class_budgets_.sum() == round(KEEP_RATIO * FIT_SIZE)
    _, _, expected = resample_in_memory(
        sampler, table[FEATURES], table["label"], fit_size=FIT_SIZE, prefit=True, random_state=1
    )
    np.testing.assert_array_equal(positions.compute(), expected)


def test_dask_arrays_in_dask_arrays_out(client, table):
    sampler = ASSSSampler(keep_ratio=KEEP_RATIO, max_epochs=1, warmup_epochs=0, random_state=0)
    X = da.from_array(table[FEATURES].to_numpy(), chunks=(500, 2))
    y = da.from_array(table["label"].to_numpy(), chunks=600)  # rechunked as X
    X_kept, y_kept, positions = resample_dask(sampler, X, y, random_state=2)
    assert isinstance(X_kept, da.Array) and isinstance(y_kept, da.Array)
    assert X_kept.shape[0] == y_kept.shape[0] == positions.shape[0]  # known chunks
    X_mem, y_mem, expected = resample_in_memory(
        sampler, table[FEATURES].to_numpy(), table["label"].to_numpy(), prefit=True,
        random_state=2,
    )  # fmt: skip
    np.testing.assert_array_equal(positions.compute(), expected)
    np.testing.assert_array_equal(X_kept.compute(), X_mem)
    np.testing.assert_array_equal(y_kept.compute(), y_mem)


@pytest.mark.parametrize("npartitions", [1, 3, 8])
def test_random_selection_does_not_depend_on_the_partitions(client, table, npartitions):
    sampler = RandomSampler(keep_ratio=KEEP_RATIO, min_samples_per_class=5)
    X, y = _dask_frame(table, npartitions)
    positions = _check_exact(sampler, table, *resample_dask(sampler, X, y, random_state=4))
    _, _, expected = resample_in_memory(sampler, table[FEATURES], table["label"], random_state=4)
    np.testing.assert_array_equal(positions, expected)


def test_deduplicate_takes_first_copies_first(client, table):
    sampler = DeduplicateSampler(keep_ratio=KEEP_RATIO)
    X, y = _dask_frame(table, npartitions=6)
    positions = _check_exact(sampler, table, *resample_dask(sampler, X, y, random_state=5))
    _, _, expected = resample_in_memory(sampler, table[FEATURES], table["label"], random_state=5)
    np.testing.assert_array_equal(positions, expected)
    # every class has more distinct rows than its budget: only first copies are kept
    _, first, _, _ = distinct_rows(table[FEATURES].to_numpy())
    assert np.isin(positions, first).all()
    assert np.isin(np.arange(1000, 1400), first).sum() == 0  # repeats of rows 0-399


def test_row_uniforms_depend_on_position_and_seed_only():
    positions = np.arange(200_000)
    u = row_uniforms(positions, seed=7)
    assert u.min() > 0 and u.max() < 1
    np.testing.assert_array_equal(row_uniforms(positions[::-1], seed=7), u[::-1])
    assert abs(u.mean() - 0.5) < 0.005 and abs(np.mean(u < 0.1) - 0.1) < 0.005
    assert np.mean(row_uniforms(positions, seed=8) == u) < 1e-4


@pytest.mark.parametrize("selection", ["stratified", "validated"])
def test_rules_of_every_row_need_the_table_in_memory(client, table, fitted_asss, selection):
    sampler = copy.deepcopy(fitted_asss).set_params(selection=selection)
    with pytest.raises(ValueError, match=f"selection='{selection}'.*whole table in memory"):
        resample_dask(sampler, *_dask_frame(table, 2), prefit=True)


def test_copies_for_a_class_shortfall_need_the_table_in_memory(client, table, fitted_asss):
    sampler = copy.deepcopy(fitted_asss).set_params(shortfall_fill="copies")
    with pytest.raises(ValueError, match="shortfall_fill='copies'.*in memory"):
        resample_dask(sampler, *_dask_frame(table, 2), prefit=True)


def test_unknown_rule_is_named(client, table):
    with pytest.raises(ValueError, match="'selection' parameter"):
        resample_dask(ASSSSampler(selection="nearest"), *_dask_frame(table, 2))


def test_unsupported_samplers_are_named(client, table):
    with pytest.raises(TypeError, match="got KMeansSampler"):
        resample_dask(KMeansSampler(), *_dask_frame(table, 2))
    with pytest.raises(ValueError, match="stratify=False"):
        resample_dask(RandomSampler(stratify=False), *_dask_frame(table, 2))


def test_in_memory_input_is_refused(table):
    with pytest.raises(TypeError, match="resample_in_memory"):
        resample_dask(RandomSampler(), table[FEATURES], table["label"])
    X, y = _dask_frame(table, 2)
    with pytest.raises(TypeError, match="y as a dask"):
        resample_dask(RandomSampler(), X, table["label"])
    with pytest.raises(TypeError, match="resample_dask"):
        resample_in_memory(RandomSampler(), X, y)


def test_unknown_labels_are_refused(client, table, fitted_asss):
    relabelled = table.assign(label=table["label"].replace({"rare": "new"}))
    with pytest.raises(ValueError, match="not fitted on: \\['new'\\]"):
        resample_dask(fitted_asss, *_dask_frame(relabelled, 3), prefit=True)


def test_labels_partitioned_apart_are_aligned_by_index(client, table):
    X, _ = _dask_frame(table, 3)
    _, y = _dask_frame(table, 4)
    sampler = RandomSampler(keep_ratio=KEEP_RATIO)
    positions = _check_exact(sampler, table, *resample_dask(sampler, X, y, random_state=6))
    _, _, expected = resample_in_memory(sampler, table[FEATURES], table["label"], random_state=6)
    np.testing.assert_array_equal(positions, expected)


def test_bad_shapes_and_sizes_are_refused(client, table):
    X = da.from_array(table[FEATURES].to_numpy(), chunks=500)
    y = da.from_array(table["label"].to_numpy(), chunks=500)
    with pytest.raises(ValueError, match="2400 rows but y has 2000"):
        resample_dask(RandomSampler(), X, y[:2000])
    with pytest.raises(ValueError, match="two-dimensional"):
        resample_dask(RandomSampler(), X[:, 0], y)
    with pytest.raises(TypeError, match="y must be a dask.array"):
        resample_dask(RandomSampler(), X, _dask_frame(table, 2)[1])
    with pytest.raises(ValueError, match="fit_size"):
        resample_dask(RandomSampler(), X, y, fit_size=1)


@pytest.mark.slow  # two worker processes start, read kddcup, fit ASSS on 500 rows: ~30-60 s
def test_benchmark_script_at_a_tiny_scale(data_dir, tmp_path):
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_dask_kddcup.py"
    done = subprocess.run(
        [
            sys.executable, str(script), "--folder", str(tmp_path), "--max-rows", "3000",
            "--repeats", "2", "--files-per-copy", "2", "--fit-size", "500",
        ],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "SKLEARN_ASSS_DATA": str(data_dir("kddcup.data_10_percent.gz"))},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = [line.split("|")[1:-1] for line in done.stdout.splitlines() if line.startswith("| ")]
    results = {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[1:]}
    assert list(results) == ["random", "asss"]
    for wall, _, kept, exact, _, _, lost in results.values():
        assert float(wall) > 0 and int(kept) == round(0.3 * 6000)
        assert exact == "True" and lost == "False"
