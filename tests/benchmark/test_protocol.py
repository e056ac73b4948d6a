import numpy as np
import pytest
from sklearn.datasets import make_blobs

from sklearn_asss.benchmark import BenchmarkConfig, run_benchmark
from sklearn_asss.benchmark import _protocol
from sklearn_asss.benchmark._protocol import (
    METHODS,
    DeduplicateSampler,
    Method,
    cap_samples,
    flip_labels,
    resolve_methods,
)


def test_flip_labels():
    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(4), 50)
    y_before = y.copy()
    y_noisy, flipped = flip_labels(y, 4, 0.2, rng)
    np.testing.assert_array_equal(y, y_before)
    assert flipped.sum() == 40
    assert np.all(y_noisy[flipped] != y[flipped])
    np.testing.assert_array_equal(y_noisy[~flipped], y[~flipped])
    assert set(np.unique(y_noisy)) <= set(range(4))
    again, _ = flip_labels(y, 4, 0.2, np.random.RandomState(0))
    np.testing.assert_array_equal(again, y_noisy)
    clean, none = flip_labels(y, 4, 0.0, rng)
    assert not none.any() and np.array_equal(clean, y)


def test_cap_samples_is_stratified_and_keeps_every_class():
    y = np.array([0] * 900 + [1] * 95 + [2] * 5)
    X = np.arange(len(y), dtype=float)[:, None]
    X_cap, y_cap = cap_samples(X, y, 100, 0)
    assert len(y_cap) == 100
    # shares 90, 9.5, 0.5: the tie goes to class 1, then class 2's floor of one
    # row is taken from the largest class (the package's budget rule)
    assert np.bincount(y_cap).tolist() == [89, 10, 1]
    np.testing.assert_array_equal(y[X_cap[:, 0].astype(int)], y_cap)  # rows stay aligned
    assert cap_samples(X, y, None, 0)[0] is X


def test_resolve_methods_defaults_and_errors(monkeypatch):
    clean, _ = resolve_methods(None, label_noise=0.0)
    assert "cleanlab" not in [m.name for m in clean]
    assert "random" in [m.name for m in clean]
    with pytest.raises(ValueError, match="Unknown method"):
        resolve_methods(["random", "bogus"])


def test_missing_sampler_is_reported_not_raised(monkeypatch):
    ghost = Method("ghost", "sklearn_asss.samplers", "GhostSampler")
    monkeypatch.setitem(METHODS, "ghost", ghost)
    methods, notes = resolve_methods(["random", "ghost"])
    assert [m.name for m in methods] == ["random"]
    assert len(notes) == 1 and "ghost" in notes[0] and "GhostSampler" in notes[0]


def test_method_build_passes_only_accepted_shared_params():
    sampler = METHODS["asss_paper"].build(0.2, 3, {"max_epochs": 1}, device="cpu")
    assert sampler.objective == "paper" and sampler.max_epochs == 1
    assert sampler.keep_ratio == 0.2 and sampler.random_state == 3
    random = METHODS["random"].build(0.2, 3, None, device="cpu")  # no device param
    assert random.keep_ratio == 0.2
    with pytest.raises(ValueError, match="no parameter"):
        METHODS["random"].build(0.2, 3, {"radius": 1.0})


def test_deduplicate_sampler_takes_distinct_rows_first():
    rng = np.random.RandomState(0)
    distinct = rng.normal(size=(40, 3))
    X = np.vstack([distinct, distinct[:20], distinct[:20]])  # 40 repeats
    y = np.r_[np.zeros(20), np.ones(20), np.zeros(40)].astype(int)
    sampler = DeduplicateSampler(keep_ratio=0.3, random_state=0).fit(X, y)
    kept = X[sampler.sample_indices_]
    assert len(kept) == 24
    assert len(np.unique(kept, axis=0)) == len(kept)


def test_cleanlab_sampler_drops_flipped_labels():
    pytest.importorskip("cleanlab")
    X, y = make_blobs(300, centers=3, cluster_std=0.5, random_state=0)
    y_noisy, flipped = flip_labels(y, 3, 0.2, np.random.RandomState(0))
    sampler = _protocol.CleanlabSampler(keep_ratio=0.3, max_epochs=3, random_state=0)
    sampler.fit(X.astype(np.float32), y_noisy)
    kept_flipped = flipped[sampler.sample_indices_].mean()
    assert len(sampler.sample_indices_) == 90
    assert sampler.label_issues_.sum() > 0.1 * len(y)
    assert kept_flipped < 0.05  # a random draw keeps about 0.2


def test_config_validation():
    with pytest.raises(ValueError, match="cv"):
        BenchmarkConfig(cv=1).validate()
    with pytest.raises(ValueError, match="label_noise"):
        BenchmarkConfig(label_noise=1.0).validate()
    with pytest.raises(ValueError, match="keep_ratio"):
        BenchmarkConfig(keep_ratio=0).validate()
    with pytest.raises(ValueError, match="unknown method"):
        BenchmarkConfig(method_params={"bogus": {}}).validate()
    with pytest.raises(ValueError, match="Unknown method"):
        BenchmarkConfig(methods=["random", "bogus"]).validate()
    with pytest.raises(ValueError, match="Unknown data set"):
        run_benchmark(BenchmarkConfig(datasets=["bogus"], methods=["random"]), progress=False)


def test_full_keep_ratio_reproduces_the_full_model():
    """Paired design: same initial weights and epochs, so all rows = the full model."""
    config = BenchmarkConfig(
        datasets=["iris"], methods=["random"], cv=2, epochs=2, keep_ratio=1.0
    )
    folds, notes = run_benchmark(config, progress=False)
    assert notes == []
    assert len(folds) == 4 and set(folds["status"]) == {"ok"}
    for name in ["accuracy", "f1_macro", "roc_auc_ovr"]:
        np.testing.assert_allclose(folds[f"prr_{name}"], 1.0)
    full, random = folds[folds.method == "full"], folds[folds.method == "random"]
    np.testing.assert_array_equal(full["accuracy"].to_numpy(), random["accuracy"].to_numpy())


def test_failing_sampler_is_recorded_and_the_run_goes_on(monkeypatch):
    monkeypatch.setitem(METHODS, "broken", Method("broken", __name__, "_BrokenSampler"))
    config = BenchmarkConfig(
        datasets=["iris"], methods=["broken", "random"], cv=2, epochs=1, label_noise=0.2
    )
    folds, notes = run_benchmark(config, progress=False)
    broken = folds[folds.method == "broken"]
    assert len(broken) == 2 and broken["status"].str.contains("boom").all()
    assert broken["accuracy"].isna().all()
    assert (folds[folds.method == "random"]["status"] == "ok").all()
    assert any("boom" in note for note in notes)
    # label noise: flipped share kept is reported, about the keep ratio for random
    kept = folds[folds.method == "random"]["flipped_kept_pct"]
    assert kept.between(0, 100).all() and kept.notna().all()
    # 20% of 75 training rows flipped in each fold, and the test labels are clean
    assert (folds["n_train"] == 75).all()


def test_sampler_warnings_are_recorded(monkeypatch):
    monkeypatch.setitem(METHODS, "warny", Method("warny", __name__, "_WarningSampler"))
    config = BenchmarkConfig(datasets=["iris"], methods=["warny"], cv=2, epochs=1)
    folds, _ = run_benchmark(config, progress=False)
    warny = folds[folds.method == "warny"]
    assert (warny["status"] == "ok").all()
    assert (warny["warnings"] == "UserWarning: the selector collapsed").all()


class _WarningSampler(DeduplicateSampler):
    def _select(self, X, y_encoded, budgets, random_state):
        import warnings

        warnings.warn("the selector collapsed", UserWarning)
        warnings.warn("old API", DeprecationWarning)  # left out of the record
        return super()._select(X, y_encoded, budgets, random_state)


class _BrokenSampler(DeduplicateSampler):
    def _select(self, X, y_encoded, budgets, random_state):
        raise RuntimeError("boom")
