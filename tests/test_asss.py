import pickle
import re
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from sklearn_asss import ASSSSampler, KMeansSampler, _asss, class_budgets, select_subset
from sklearn_asss._utils import draw_seed
from sklearn_asss.nn import SelectionCollapseWarning

QUICK = dict(max_epochs=2, warmup_epochs=1, batch_size=128)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=600, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    return X, y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return ASSSSampler(random_state=0, selection="top", label_filter=None, **QUICK).fit(X, y)


def test_fit_resample_returns_the_kept_rows_unchanged_in_order(data):
    X, y = data
    sampler = ASSSSampler(random_state=0, **QUICK)
    X_res, y_res = sampler.fit_resample(X, y)
    indices = sampler.sample_indices_
    assert len(indices) == 180
    assert np.all(np.diff(indices) > 0)
    np.testing.assert_array_equal(X_res, X[indices])
    np.testing.assert_array_equal(y_res, y[indices])
    assert sampler.selection_scores_.shape == (600,)
    assert np.all((sampler.selection_scores_ > 0) & (sampler.selection_scores_ < 1))


@pytest.mark.parametrize("objective", ["bilevel", "paper"])
@pytest.mark.parametrize("selection", ["clustered", "validated", "top", "sample", "stratified"])
def test_same_seed_same_indices(data, objective, selection):
    X, y = data
    params = dict(objective=objective, selection=selection, random_state=7, **QUICK)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SelectionCollapseWarning)
        first = ASSSSampler(**params).fit(X, y).sample_indices_
        second = ASSSSampler(**params).fit(X, y).sample_indices_
        other = ASSSSampler(**{**params, "random_state": 8}).fit(X, y).sample_indices_
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_fit_leaves_torch_global_rng_alone(data):
    X, y = data
    state = torch.get_rng_state()
    ASSSSampler(random_state=0, **QUICK).fit(X, y)
    assert torch.equal(state, torch.get_rng_state())


def _fitted_with_threads(n_threads, X, y, **params):
    torch.set_num_threads(n_threads)
    sampler = ASSSSampler(random_state=0, **QUICK, **params).fit(X, y)
    assert torch.get_num_threads() == n_threads
    return sampler


@pytest.mark.parametrize("worker", [False, True])
@pytest.mark.parametrize(
    "params",
    [{}, {"label_filter": None}, {"selection": "sample"}, {"selection": "validated",
                                                           "keep_ratio": 0.1}],
)
def test_the_work_beside_the_game_gives_what_one_thread_gives(
    data, torch_threads, large_game, monkeypatch, params, worker
):
    # with two threads the label filter and the clusters are made beside a large game, each
    # on one thread, in a worker process or a second thread: the subset is the one a single
    # thread, doing one after the other, keeps
    if worker and not _asss.can_fork_worker():
        pytest.skip("forks a worker only on Linux")
    monkeypatch.setattr(_asss, "can_fork_worker", lambda: worker)
    X, y = data
    y = y.copy()
    y[::5] = (y[::5] + 1) % 3  # flipped labels, for the filter to flag
    alone = _fitted_with_threads(1, X, y, **params)
    beside = _fitted_with_threads(2, X, y, **params)
    np.testing.assert_array_equal(alone.sample_indices_, beside.sample_indices_)
    np.testing.assert_array_equal(alone.selection_scores_, beside.selection_scores_)
    if params.get("label_filter", "") is not None:
        np.testing.assert_array_equal(alone.label_issues_, beside.label_issues_)
        for net_alone, net_beside in zip(alone.filter_nets_, beside.filter_nets_):
            for a, b in zip(net_alone.module_.parameters(), net_beside.module_.parameters()):
                torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.skipif(not _asss.can_fork_worker(), reason="forks a worker only on Linux")
@pytest.mark.parametrize("keep_ratio", [0.3, 0.1])
def test_a_small_game_has_its_work_made_beside_it_in_a_worker_with_the_same_subset(
    data, torch_threads, keep_ratio
):
    # a second thread would slow a small game down; a worker process does not share its lock
    X, y = data
    alone = _fitted_with_threads(1, X, y, keep_ratio=keep_ratio)
    beside = _fitted_with_threads(2, X, y, keep_ratio=keep_ratio)
    np.testing.assert_array_equal(alone.sample_indices_, beside.sample_indices_)
    np.testing.assert_array_equal(alone.label_issues_, beside.label_issues_)


@pytest.mark.parametrize("n_threads", [1, 2])
def test_the_subset_is_select_subset_of_the_fitted_scores_and_flags(
    data, torch_threads, large_game, n_threads
):
    # whether made beside the game or after it, the clusters are select_subset's own
    X, y = data
    torch_threads(n_threads)
    sampler = ASSSSampler(random_state=0, **QUICK).fit(X, y)
    random_state = np.random.RandomState(0)
    draw_seed(random_state)  # the networks' seed, drawn before the retrieval
    y_encoded = np.searchsorted(sampler.classes_, y)
    drawn_last = sampler._drawn_last(
        y_encoded, sampler.class_budgets_, sampler.label_issues_, sampler.label_probabilities_
    )
    expected = select_subset(
        sampler.selection_scores_, y_encoded, sampler.class_budgets_,
        X=sampler._standardise(X).numpy(), random_state=random_state,
        drawn_last=drawn_last, drawn_last_by=np.exp(-sampler.task_losses_),
    )  # fmt: skip
    np.testing.assert_array_equal(sampler.sample_indices_, expected)


def test_the_random_state_is_drawn_as_if_nothing_ran_beside(data, torch_threads, large_game):
    # the clusters made beside the game draw their seeds from a copy of the random state,
    # which the retrieval then goes on from
    X, y = data
    draws = []
    for n_threads in (1, 2):
        random_state = np.random.RandomState(3)
        torch_threads(n_threads)
        ASSSSampler(random_state=random_state, **QUICK).fit(X, y)
        draws.append(random_state.uniform(size=3))
    np.testing.assert_array_equal(*draws)


def test_selection_top_keeps_highest_p_per_class(fitted, data):
    _, y = data
    p = fitted.selection_scores_
    kept = np.zeros(len(y), dtype=bool)
    kept[fitted.sample_indices_] = True
    for c in np.unique(y):
        assert p[kept & (y == c)].min() >= p[~kept & (y == c)].max()


def test_selection_clustered_keeps_each_region_of_a_class_in_proportion():
    # class 0 is three far apart blobs of 600, 300 and 100 rows; class 1 one blob
    rng = np.random.RandomState(0)
    centers = np.array([[0.0, 0.0], [12.0, 0.0], [0.0, 12.0], [12.0, 12.0]])
    sizes = [600, 300, 100, 200]
    X = np.vstack([c + rng.normal(size=(n, 2)) for c, n in zip(centers, sizes)])
    blob = np.repeat(np.arange(4), sizes)
    y = (blob == 3).astype(int)
    sampler = ASSSSampler(
        keep_ratio=0.2, min_samples_per_class=1, selection="clustered", random_state=0, **QUICK
    )
    sampler.fit(X, y)
    kept_per_blob = np.bincount(blob[sampler.sample_indices_], minlength=4)
    # 40 clusters share class 0's 200 rows, each within one row of its share
    np.testing.assert_allclose(kept_per_blob, [120, 60, 20, 40], atol=5)
    assert kept_per_blob[3] == 40


def test_selection_clustered_draws_a_class_with_a_small_budget_by_p_over_the_whole_class():
    # each class is two far apart blobs of equal size, one rated 0.9 by p, the other 0.1
    rng = np.random.RandomState(0)
    sizes = [500, 500, 50, 50]
    centers = np.array([[0.0, 0.0], [12.0, 0.0], [0.0, 12.0], [12.0, 12.0]])
    X = np.vstack([c + rng.normal(size=(n, 2)) for c, n in zip(centers, sizes)])
    blob = np.repeat(np.arange(4), sizes)
    y = blob // 2
    p = np.where(blob % 2 == 0, 0.9, 0.1)
    X_std = torch.as_tensor((X - X.mean(axis=0)) / X.std(axis=0), dtype=torch.float32)
    budgets = np.array([300, 20])
    kept = ASSSSampler(selection="clustered")._retrieve(
        X_std, p, y, budgets, np.random.RandomState(0)
    )
    kept_per_blob = np.bincount(blob[kept], minlength=4)
    # 300 rows to keep: clusters keep both blobs in proportion to their size
    np.testing.assert_allclose(kept_per_blob[:2], [150, 150], atol=10)
    # 20 rows to keep: drawn by p over the class, so mostly from its high-p blob
    assert kept_per_blob[2] >= 16
    assert kept_per_blob.sum() == 320


def test_history_records_losses_mean_p_and_an_annealed_temperature(fitted):
    history = fitted.history_
    assert len(history) == 3
    assert history[:, "phase"] == ["warmup", "game", "game"]
    for key in ("task_loss", "selector_loss", "mean_p", "tau", "dur"):
        assert key in history[-1]
    taus = history[1:, "tau"]
    assert 0.1 <= taus[-1] < taus[0] <= 1.0


def test_temperature_reaches_final_value_at_end(data):
    X, y = data
    sampler = ASSSSampler(random_state=0, initial_temperature=2.0, final_temperature=0.5, **QUICK)
    sampler.fit(X, y)
    assert sampler.net_.temperature == pytest.approx(0.5)


def test_pandas_in_pandas_out(data):
    X, y = data
    X_df = pd.DataFrame(X, columns=[f"f{i}" for i in range(6)], index=np.arange(600) + 1000)
    y_s = pd.Series(y, index=X_df.index, name="target")
    sampler = ASSSSampler(random_state=0, **QUICK)
    X_res, y_res = sampler.fit_resample(X_df, y_s)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(X_df.columns)
    assert y_res.name == "target"
    np.testing.assert_array_equal(X_res.index, X_df.index[sampler.sample_indices_])
    np.testing.assert_array_equal(sampler.feature_names_in_, X_df.columns)


def test_inputs_are_not_modified(data):
    X, y = data
    X_copy, y_copy = X.copy(), y.copy()
    ASSSSampler(random_state=0, **QUICK).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


@pytest.mark.parametrize("dump_load", ["pickle", "joblib"])
def test_pickle_round_trip_scores_the_same(fitted, data, tmp_path, dump_load):
    X, y = data
    if dump_load == "pickle":
        restored = pickle.loads(pickle.dumps(fitted))
    else:
        joblib.dump(fitted, tmp_path / "asss.joblib")
        restored = joblib.load(tmp_path / "asss.joblib")
    np.testing.assert_allclose(restored.score_samples(X, y), fitted.score_samples(X, y))
    np.testing.assert_array_equal(restored.sample_indices_, fitted.sample_indices_)


def test_score_samples_on_training_rows_matches_selection_scores(fitted, data):
    X, y = data
    np.testing.assert_allclose(fitted.score_samples(X, y), fitted.selection_scores_, rtol=1e-6)
    without_labels = fitted.score_samples(X)
    assert without_labels.shape == (600,)
    assert np.all((without_labels > 0) & (without_labels < 1))


def test_score_samples_rejects_unknown_labels_and_wrong_width(fitted, data):
    X, y = data
    with pytest.raises(ValueError, match="not seen during fit"):
        fitted.score_samples(X[:5], np.array([0, 1, 2, 3, 9]))
    with pytest.raises(ValueError, match="features"):
        fitted.score_samples(X[:, :4])


def test_clone_and_params_round_trip():
    sampler = ASSSSampler(keep_ratio=0.2, sparsity_weight=3.0, objective="paper")
    cloned = clone(sampler)
    assert cloned.get_params() == sampler.get_params()
    cloned.set_params(keep_ratio=0.5)
    assert cloned.keep_ratio == 0.5 and sampler.keep_ratio == 0.2


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(keep_ratio=0.0), "keep_ratio"),
        (dict(keep_ratio=1.5), "keep_ratio"),
        (dict(objective="gan"), "objective"),
        (dict(selection="best"), "selection"),
        (dict(sparsity_weight=-1.0), "sparsity_weight"),
        (dict(final_temperature=0.0), "final_temperature"),
        (dict(max_epochs=0), "max_epochs"),
        (dict(max_epochs="long"), "max_epochs"),
        (dict(selector_input="label"), "selector_input"),
        (dict(lookahead="half"), "lookahead"),
        (dict(collapse_duplicates="yes"), "collapse_duplicates"),
        (dict(selector_interval=0), "selector_interval"),
    ],
)
def test_bad_parameters_raise_value_error(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        ASSSSampler(**params).fit(X, y)


def test_bad_input_raises_clear_value_error(data):
    X, y = data
    sampler = ASSSSampler(**QUICK)
    X_nan = X.copy()
    X_nan[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        sampler.fit(X_nan, y)
    X_inf = X.copy()
    X_inf[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        sampler.fit(X_inf, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        sampler.fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        sampler.fit(X, y[:-1])
    with pytest.raises(ValueError, match="Unknown label type"):
        sampler.fit(X, np.linspace(0, 1, len(y)))


def test_a_budget_smaller_than_the_number_of_classes_keeps_one_row_per_class():
    # 30% of 3 rows is 1 row: the per-class floor keeps one row of each class
    X = np.arange(6, dtype=float).reshape(3, 2)
    X_res, y_res = ASSSSampler(keep_ratio=0.3, random_state=0, **QUICK).fit_resample(X, [0, 1, 2])
    assert sorted(y_res) == [0, 1, 2]
    np.testing.assert_array_equal(X_res, X)


def test_every_class_survives_a_tiny_keep_ratio():
    X, y = make_classification(
        n_samples=1000, n_classes=3, n_informative=4, weights=[0.995, 0.003, 0.002],
        random_state=0,
    )
    sampler = ASSSSampler(keep_ratio=0.01, random_state=0, **QUICK).fit(X, y)
    assert set(y[sampler.sample_indices_]) == set(np.unique(y))


def test_paper_objective_warns_when_the_selector_collapses(data):
    X, y = data
    sampler = ASSSSampler(
        objective="paper", sparsity_weight=50.0, selector_lr=1e-2, random_state=0,
        max_epochs=5, warmup_epochs=0, batch_size=64,
    )
    with pytest.warns(SelectionCollapseWarning, match="collapsed"):
        sampler.fit(X, y)
    assert sampler.history_[-1, "mean_p"] < 0.01
    # the task network kept learning despite the collapse
    assert sampler.history_[-1, "train_loss"] < sampler.history_[0, "train_loss"]


def test_bilevel_holds_mean_p_near_the_budget(data):
    X, y = data
    sampler = ASSSSampler(keep_ratio=0.3, random_state=0, max_epochs=10, batch_size=64)
    sampler.fit(X, y)
    assert abs(sampler.history_[-1, "mean_p"] - 0.3) < 0.1


def test_bilevel_holds_mean_p_at_least_at_its_minimum_level_and_keeps_the_budget(data):
    X, y = data
    sampler = ASSSSampler(keep_ratio=0.05, random_state=0, max_epochs=10, batch_size=64)
    X_kept, _ = sampler.fit_resample(X, y)
    assert sampler.history_[0, "mean_p"] == pytest.approx(0.3, abs=0.05)
    assert abs(sampler.history_[-1, "mean_p"] - 0.3) < 0.1
    assert len(X_kept) == round(0.05 * len(X))


def test_paper_objective_starts_the_selector_at_the_keep_ratio(data):
    X, y = data
    sampler = ASSSSampler(objective="paper", keep_ratio=0.05, random_state=0, max_epochs=1)
    sampler.fit(X, y)
    assert sampler.history_[0, "mean_p"] == pytest.approx(0.05, abs=0.02)


def test_custom_task_module_instance_and_callable(data):
    X, y = data
    module = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    before = [p.detach().clone() for p in module.parameters()]
    sampler = ASSSSampler(task_module=module, random_state=0, **QUICK).fit(X, y)
    assert sampler.net_.module_ is not module
    assert all(torch.equal(a, b) for a, b in zip(before, module.parameters()))

    def build(n_features, n_classes):
        return torch.nn.Linear(n_features, n_classes)

    sampler = ASSSSampler(task_module=build, random_state=0, **QUICK).fit(X, y)
    assert isinstance(sampler.net_.module_, torch.nn.Linear)


def test_a_task_network_without_a_linear_output_needs_the_full_lookahead(data):
    X, y = data

    def build(n_features, n_classes):
        return torch.nn.Sequential(torch.nn.Linear(n_features, n_classes), torch.nn.Tanh())

    sampler = ASSSSampler(task_module=build, lookahead="output_layer", random_state=0, **QUICK)
    with pytest.raises(ValueError, match='lookahead="full"'):
        sampler.fit(X, y)
    sampler.set_params(lookahead="full")
    assert len(sampler.fit_resample(X, y)[1]) == len(sampler.sample_indices_)


def test_auto_lookahead_steps_the_output_layer_from_a_size_of_game(data, monkeypatch):
    import sklearn_asss._asss as asss_module

    X, y = data
    assert ASSSSampler(random_state=0, **QUICK).fit(X, y).net_.lookahead == "full"
    monkeypatch.setattr(asss_module, "_OUTPUT_LAYER_MIN_ROWS", len(y))
    assert ASSSSampler(random_state=0, **QUICK).fit(X, y).net_.lookahead == "output_layer"
    game = ASSSSampler(max_game_samples=len(y) // 2, random_state=0, **QUICK).fit(X, y)
    assert game.net_.lookahead == "full"  # the rows the game trains on decide


def test_auto_max_epochs_plays_a_longer_game_from_a_size_of_game(data, monkeypatch):
    import sklearn_asss._asss as asss_module

    X, y = data
    settings = {**QUICK, "max_epochs": "auto", "random_state": 0}

    def game_epochs(sampler):
        return sum(phase == "game" for phase in sampler.history_[:, "phase"])

    assert game_epochs(ASSSSampler(**settings).fit(X, y)) == 3
    monkeypatch.setattr(asss_module, "_OUTPUT_LAYER_MIN_ROWS", len(y))
    assert game_epochs(ASSSSampler(**settings).fit(X, y)) == 4
    assert game_epochs(ASSSSampler(objective="paper", **settings).fit(X, y)) == 10


def test_auto_batch_size_and_learning_rates_step_on_larger_batches_in_a_large_game(
    data, monkeypatch
):
    import sklearn_asss._asss as asss_module

    X, y = data
    settings = dict(max_epochs=1, warmup_epochs=1, random_state=0)

    def schedule(**params):
        net = ASSSSampler(**settings, **params).fit(X, y).net_
        return net.batch_size, net.lr, net.selector_lr / net.selector_interval

    assert schedule() == (256, 1e-3, 1e-4)
    monkeypatch.setattr(asss_module, "_OUTPUT_LAYER_MIN_ROWS", len(y))
    # the short game's task network starts faster, and both rates grow with the batch
    assert schedule() == (512, pytest.approx(3.5e-3), pytest.approx(2e-4))
    expected = (1024, pytest.approx(3.5e-3 * 2**0.5), pytest.approx(4e-4))
    assert schedule(batch_size=1024) == expected
    assert schedule(batch_size=64) == (64, 3.5e-3, 1e-4)  # not below the schedule's own
    assert schedule(task_lr=5e-3, selector_lr=1e-3) == (512, 5e-3, 1e-3)  # given: as given
    # the paper objective's large game keeps the schedule of a small one
    assert schedule(objective="paper") == (256, 1e-3, 1e-4)
    sampler = ASSSSampler(**settings).fit(X, y)
    assert sampler.get_params()["batch_size"] == "auto"  # fit resolves, never overwrites
    assert sampler.filter_nets_[0].batch_size == 512  # the label filter follows the game's


def test_auto_selector_interval_steps_the_selector_every_second_step_of_a_large_game(
    data, monkeypatch
):
    import sklearn_asss._asss as asss_module

    X, y = data
    settings = {**QUICK, "selector_lr": 3e-4, "random_state": 0}
    small = ASSSSampler(**settings).fit(X, y).net_
    assert (small.selector_interval, small.selector_lr) == (1, 3e-4)
    monkeypatch.setattr(asss_module, "_OUTPUT_LAYER_MIN_ROWS", len(y))
    large = ASSSSampler(**settings).fit(X, y).net_
    # twice as far a step, so that the selector moves as far over the game
    assert (large.selector_interval, large.selector_lr) == (2, 6e-4)
    assert large.selector_optimizer_.param_groups[0]["lr"] == 6e-4
    paper = ASSSSampler(objective="paper", **settings).fit(X, y).net_
    assert (paper.selector_interval, paper.selector_lr) == (1, 3e-4)  # not measured: as before
    explicit = ASSSSampler(selector_interval=3, **settings).fit(X, y).net_
    assert (explicit.selector_interval, explicit.selector_lr) == (3, pytest.approx(9e-4))


def test_the_label_filter_trains_a_network_per_fold_three_in_a_small_game_two_in_a_short_one(
    data, monkeypatch
):
    import sklearn_asss._asss as asss_module

    X, y = data
    settings = {**QUICK, "random_state": 0}

    def filter_networks(**params):
        sampler = ASSSSampler(**settings, **params).fit(X, y)
        return len(sampler.filter_nets_), len({net.module_ for net in sampler.filter_nets_})

    assert filter_networks() == (3, 3)
    monkeypatch.setattr(asss_module, "_OUTPUT_LAYER_MIN_ROWS", len(y))
    assert filter_networks() == (2, 2)  # the quick schedule: the filter is as long as its game
    assert filter_networks(objective="paper") == (3, 3)  # the paper's long game


def test_verbose_prints_the_epoch_table(data, capsys):
    X, y = data
    ASSSSampler(random_state=0, verbose=1, **QUICK).fit(X, y)
    out = capsys.readouterr().out
    assert "mean_p" in out and "tau" in out and "warmup" in out


@pytest.mark.parametrize(
    "n_threads, large, worker, beside",
    [(1, True, True, None), (2, True, False, "a second thread"),
     (2, True, True, "a worker process"), (2, False, False, None),
     (2, False, True, "a worker process")],
)  # fmt: skip
def test_verbose_says_whether_and_where_the_filter_trained_beside_the_game(
    data, capsys, torch_threads, monkeypatch, n_threads, large, worker, beside
):
    # in a second thread only beside a large game: on a small one it costs more than it saves
    if worker and not _asss.can_fork_worker():
        pytest.skip("forks a worker only on Linux")
    X, y = data
    torch_threads(n_threads)
    monkeypatch.setattr(_asss, "can_fork_worker", lambda: worker)
    if large:
        monkeypatch.setattr(_asss, "_OUTPUT_LAYER_MIN_ROWS", 1)
    ASSSSampler(random_state=0, verbose=1, **QUICK).fit(X, y)
    filter_line = [line for line in capsys.readouterr().out.splitlines() if "label filter" in line]
    assert len(filter_line) == 1
    waited = re.search(r"\(beside the game in (.*), which then waited \d+\.\ds for the work "
                       r"beside it\)$", filter_line[0])  # fmt: skip
    assert (waited and waited.group(1)) == beside


def test_device_parameter_is_used(data):
    X, y = data
    sampler = ASSSSampler(device="cpu", random_state=0, **QUICK).fit(X, y)
    assert next(sampler.net_.module_.parameters()).device.type == "cpu"


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search_in_an_imblearn_pipeline(n_jobs):
    X, y = load_breast_cancer(return_X_y=True)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("asss", ASSSSampler(random_state=0, **QUICK)),
            ("clf", LogisticRegression(max_iter=500)),
        ]
    )
    grid = GridSearchCV(
        pipe,
        {"asss__sparsity_weight": [0.5, 2.0], "asss__keep_ratio": [0.2, 0.5]},
        cv=2,
        n_jobs=n_jobs,
    )
    grid.fit(X, y)
    assert grid.best_score_ > 0.85
    # the refit is the pipeline fitted by hand with the best parameters
    manual = clone(pipe).set_params(**grid.best_params_).fit(X, y)
    refit = grid.best_estimator_.named_steps["asss"]
    assert len(refit.sample_indices_) == round(grid.best_params_["asss__keep_ratio"] * len(y))
    np.testing.assert_array_equal(
        refit.sample_indices_, manual.named_steps["asss"].sample_indices_
    )
    np.testing.assert_allclose(
        grid.best_estimator_.named_steps["clf"].coef_, manual.named_steps["clf"].coef_
    )


@pytest.mark.slow
def test_flipped_labels_get_lower_p_on_shuttle(data_dir):
    """The paper summary's sanity check: 20% flipped labels on real data.

    The selector is compared with what it reads (the task network's own loss on
    each row, one of its inputs) and with a random draw. Measured with seeds 0
    and 1: ROC AUC of 1 - p 0.9988 and 0.9986 against 0.9994 and 0.9995 for the
    loss, so the selector ranks the flipped rows as well as the loss does, not
    better; flipped share of the subset 0.151 and 0.154, against 0.130 for the
    lowest-loss rows of each class (same budgets) and 0.200 for a random draw.
    """
    from sklearn_asss import RandomSampler
    from sklearn_asss.datasets import load_shuttle
    from sklearn_asss.nn._modules import per_sample_cross_entropy

    X, y = load_shuttle(data_home=data_dir("shuttle.csv.gz"), subset="train", return_X_y=True)
    rng = np.random.RandomState(0)
    flipped = rng.rand(len(y)) < 0.2
    classes = np.unique(y)
    offsets = rng.randint(1, len(classes), size=len(y))
    noisy = np.where(
        flipped, classes[(np.searchsorted(classes, y) + offsets) % len(classes)], y
    )
    assert np.all((noisy != y) == flipped)
    sampler = ASSSSampler(random_state=0).fit(X, noisy)
    with torch.no_grad():
        logits = sampler.net_.module_(sampler._standardise(X))
    own_loss = per_sample_cross_entropy(
        logits, torch.as_tensor(np.searchsorted(sampler.classes_, noisy))
    ).numpy()
    selector_auc = roc_auc_score(flipped, 1 - sampler.selection_scores_)
    assert selector_auc >= 0.99  # a random ranking scores 0.5
    assert selector_auc >= roc_auc_score(flipped, own_loss) - 0.005
    # not random_state=0: its keys would be the very uniforms that flipped the labels
    random_draw = RandomSampler(
        keep_ratio=sampler.keep_ratio,
        min_samples_per_class=sampler.min_samples_per_class,
        random_state=1,
    ).fit(X, noisy)
    np.testing.assert_array_equal(random_draw.class_budgets_, sampler.class_budgets_)
    random_share = flipped[random_draw.sample_indices_].mean()
    assert abs(random_share - flipped.mean()) < 0.01
    assert flipped[sampler.sample_indices_].mean() < random_share - 0.03


@pytest.mark.slow
def test_rarest_kddcup_classes_survive(data_dir):
    from sklearn_asss.datasets import load_kddcup99

    X, y = load_kddcup99(data_home=data_dir("kddcup.data_10_percent.gz"), return_X_y=True)
    # every row of the 12 rarest classes plus 1% of the rest keeps the test quick
    names, counts = np.unique(y, return_counts=True)
    rare = np.isin(y, names[np.argsort(counts)[:12]])
    rows = np.flatnonzero(rare | (np.random.RandomState(0).rand(len(y)) < 0.01))
    sampler = ASSSSampler(random_state=0, max_epochs=1, warmup_epochs=1)
    _, y_res = sampler.fit_resample(X[rows], y[rows])
    assert set(y_res) == set(y[rows])
    assert min(counts) == 2 and sorted(counts)[1] == 3
    # the default floor of 50 rows keeps every row of a class smaller than that
    rare_names, rare_counts = np.unique(y[rows][rare[rows]], return_counts=True)
    kept = [sampler.sampling_strategy_[name] for name in rare_names]
    np.testing.assert_array_equal(kept, np.minimum(rare_counts, 50))


def test_tail_compression_is_monotone_and_leaves_the_bulk_alone():
    from sklearn_asss._asss import _compress_tails

    z = np.linspace(-700, 700, 2001)
    compressed = _compress_tails(z)
    assert np.all(np.diff(compressed) > 0)  # the order of outlying values is kept
    inside = np.abs(z) <= 3
    np.testing.assert_array_equal(compressed[inside], z[inside])
    assert np.abs(compressed).max() < 10
    assert z.max() == 700  # the input is left unchanged


@pytest.mark.parametrize("keep_ratio", [0.3, 0.1])
def test_redraw_draws_another_subset_of_the_fitted_rows_with_the_same_budgets(data, keep_ratio):
    X, y = data
    fitted = ASSSSampler(keep_ratio=keep_ratio, random_state=0, **QUICK).fit(X, y)
    scores, subset = fitted.selection_scores_.copy(), fitted.sample_indices_.copy()
    choice = fitted.validation_scores_, fitted.kept_candidate_
    first = fitted._redraw(X, y, 1)
    np.testing.assert_array_equal(first, fitted._redraw(X, y, 1))
    second = fitted._redraw(X, y, 2)
    assert not np.array_equal(first, second)
    for indices in (first, second):
        assert len(np.unique(indices)) == len(indices)
        counts = np.bincount(np.searchsorted(fitted.classes_, y[indices]))
        np.testing.assert_array_equal(counts, fitted.class_budgets_)
    # the fitted sampler is left as it was: no new game, the same scores, subset and choice
    np.testing.assert_array_equal(fitted.selection_scores_, scores)
    np.testing.assert_array_equal(fitted.sample_indices_, subset)
    assert (fitted.validation_scores_, fitted.kept_candidate_) == choice


def test_redraw_refuses_rows_the_sampler_was_not_fitted_on(fitted, data):
    X, y = data
    with pytest.raises(ValueError, match="fitted on"):
        fitted._redraw(X[:-1], y[:-1], 0)


def test_auto_selection_validates_low_keep_ratios_of_tables_under_20000_rows(data):
    sampler = ASSSSampler(keep_ratio=0.1)
    assert sampler._selection_rule(19_999) == "validated"
    assert sampler._selection_rule(20_000) == "clustered"
    assert sampler.set_params(keep_ratio=0.11)._selection_rule(100) == "clustered"
    assert sampler.set_params(selection="top", keep_ratio=0.1)._selection_rule(100) == "top"
    X, y = data
    low = ASSSSampler(keep_ratio=0.1, random_state=0, **QUICK).fit(X, y)
    assert low.selection_ == "validated"
    scores = low.validation_scores_
    assert set(scores) == {"clustered", "medoids"} and all(0 <= s <= 1 for s in scores.values())
    assert low.kept_candidate_ == max(["clustered", "medoids"], key=scores.get)
    high = ASSSSampler(keep_ratio=0.3, random_state=0, **QUICK).fit(X, y)
    assert high.selection_ == "clustered"
    assert high.validation_scores_ is None and high.kept_candidate_ is None


def _blobs():
    """Four tight blobs of 30 rows per class, two classes: rows, labels, blob of each row."""
    rng = np.random.RandomState(0)
    centres = 10 * rng.normal(size=(8, 4))
    blob = np.repeat(np.arange(8), 30)
    return centres[blob] + 0.3 * rng.normal(size=(len(blob), 4)), blob // 4, blob


def _recording_held_out_scores(monkeypatch, scores_of):
    """Replaces the validated choice's judge by `scores_of` (candidate name -> score)."""
    seen = {}

    def held_out_scores(candidates, y_encoded, valid, predict):
        seen.update(candidates=candidates, valid=valid)
        return {name: scores_of(name) for name in candidates}

    monkeypatch.setattr(_asss, "_held_out_scores", held_out_scores)
    return seen


@pytest.mark.parametrize("winner", ["clustered", "medoids", None])
def test_validated_selection_keeps_the_candidate_scored_higher_the_clustered_on_ties(
    monkeypatch, winner
):
    # four blobs a class and four rows kept a class: the medoids are each blob's central row
    X, y, blob = _blobs()
    seen = _recording_held_out_scores(monkeypatch, lambda name: float(name == winner))
    sampler = ASSSSampler(selection="validated", keep_ratio=8 / len(y), min_samples_per_class=4,
                          label_filter=None, random_state=0, **QUICK).fit(X, y)  # fmt: skip
    X_std = sampler._standardise(X).numpy()
    central = [np.flatnonzero(blob == b)[np.argmin(np.linalg.norm(
        X_std[blob == b] - X_std[blob == b].mean(axis=0), axis=1))] for b in range(8)]
    candidates = seen["candidates"]
    np.testing.assert_array_equal(candidates["medoids"], central)
    np.testing.assert_array_equal(np.bincount(y[candidates["clustered"]]), [4, 4])
    assert not np.array_equal(candidates["clustered"], central)
    kept = winner or "clustered"
    assert sampler.kept_candidate_ == kept
    np.testing.assert_array_equal(sampler.sample_indices_, candidates[kept])
    # the judge's rows: every row in neither candidate (fewer than 4,000)
    in_either = np.union1d(candidates["clustered"], candidates["medoids"])
    np.testing.assert_array_equal(np.sort(seen["valid"]), np.setdiff1d(np.arange(240), in_either))


def test_validated_selection_judges_by_a_forest_of_20_trees_by_default(monkeypatch):
    X, y, _ = _blobs()
    fitted = []
    original_fit = RandomForestClassifier.fit

    def recording_fit(forest, X_rows, y_rows, *args, **kwargs):
        fitted.append((len(y_rows), forest.n_estimators, forest.n_jobs, forest.random_state))
        return original_fit(forest, X_rows, y_rows, *args, **kwargs)

    monkeypatch.setattr(RandomForestClassifier, "fit", recording_fit)
    sampler = ASSSSampler(selection="validated", keep_ratio=8 / len(y), min_samples_per_class=4,
                          label_filter=None, random_state=0, **QUICK).fit(X, y)  # fmt: skip
    # one forest per candidate, 20 trees, one job, the same seed
    assert [(n, trees, jobs) for n, trees, jobs, _ in fitted] == [(8, 20, 1), (8, 20, 1)]
    assert fitted[0][3] == fitted[1][3] is not None
    scores = sampler.validation_scores_
    assert sampler.kept_candidate_ == max(["clustered", "medoids"], key=scores.get)


class _RecordingJudge(ClassifierMixin, BaseEstimator):
    """Predicts the majority label of its rows; records what each clone saw."""

    seen = []

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        self.seen.append((X.copy(), y.copy(), self.random_state))
        self.label_ = np.bincount(y).argmax()
        return self

    def predict(self, X):
        return np.full(len(X), self.label_)


def test_validated_selection_judges_with_the_validation_estimator_given(monkeypatch):
    # clones of the estimator, fitted on each candidate's rows as given to fit (not
    # standardised) with one seed, and scored on the held-out rows
    X, y, _ = _blobs()
    X = X * 100 + 7  # far from standardised: the judge must see these values
    seen = {}
    original = _asss._held_out_scores

    def held_out_scores(candidates, y_encoded, valid, predict):
        seen.update(candidates=candidates, valid=valid)
        return original(candidates, y_encoded, valid, predict)

    monkeypatch.setattr(_asss, "_held_out_scores", held_out_scores)
    _RecordingJudge.seen = []
    judge = _RecordingJudge()
    sampler = ASSSSampler(selection="validated", keep_ratio=8 / len(y), min_samples_per_class=4,
                          label_filter=None, validation_estimator=judge, random_state=0,
                          **QUICK).fit(X, y)  # fmt: skip
    assert not hasattr(judge, "label_")  # the user's estimator is left unfitted
    (X_first, y_first, seed_first), (X_second, y_second, seed_second) = _RecordingJudge.seen
    candidates = seen["candidates"]
    np.testing.assert_allclose(X_first, X[candidates["clustered"]], rtol=1e-5)
    np.testing.assert_allclose(X_second, X[candidates["medoids"]], rtol=1e-5)
    np.testing.assert_array_equal(y_first, y[candidates["clustered"]])
    assert seed_first == seed_second and seed_first is not None
    # a majority-label judge on two balanced classes: balanced accuracy one half each, a tie
    assert sampler.validation_scores_ == {"clustered": 0.5, "medoids": 0.5}
    assert sampler.kept_candidate_ == "clustered"
    # a random_state the user set is kept
    _RecordingJudge.seen = []
    sampler.set_params(validation_estimator=_RecordingJudge(random_state=3)).fit(X, y)
    assert [state for _, _, state in _RecordingJudge.seen] == [3, 3]


def test_expand_tails_inverts_compress_tails():
    Z = np.random.RandomState(0).standard_cauchy((500, 3))  # many values beyond |z| = 3
    assert (np.abs(Z) > 3).mean() > 0.1
    np.testing.assert_allclose(_asss._expand_tails(_asss._compress_tails(Z)), Z, rtol=1e-9)


def test_the_pipelines_model_judges_its_own_subset_in_a_grid_search():
    # the same instance as judge and as the pipeline's model: each is cloned where it is fitted,
    # so the model step is fitted once, on the subset, and the grid searches the judge's
    # parameters too
    X, y = load_breast_cancer(return_X_y=True)
    model = RandomForestClassifier(n_estimators=10, random_state=0)
    pipe = Pipeline([("asss", ASSSSampler(keep_ratio=0.1, validation_estimator=model,
                                          random_state=0, **QUICK)),
                     ("model", model)])  # fmt: skip
    grid = GridSearchCV(pipe, {"asss__validation_estimator__max_depth": [2, None]}, cv=2)
    grid.fit(X, y)
    best = grid.best_estimator_
    sampler, fitted_model = best.named_steps["asss"], best.named_steps["model"]
    assert sampler.selection_ == "validated" and sampler.kept_candidate_ is not None
    assert not hasattr(sampler.validation_estimator, "estimators_")  # the judge's clones only
    assert fitted_model.estimators_[0].tree_.n_node_samples[0] <= len(sampler.sample_indices_)
    assert sampler.validation_estimator.max_depth == grid.best_params_[
        "asss__validation_estimator__max_depth"]  # fmt: skip


def test_validation_estimator_is_checked_and_reproducible(data):
    X, y = data
    with pytest.raises(ValueError, match="validation_estimator"):
        ASSSSampler(validation_estimator="forest").fit(X, y)
    forest = RandomForestClassifier(n_estimators=5)
    params = dict(keep_ratio=0.1, validation_estimator=forest, random_state=0, **QUICK)
    first = ASSSSampler(**params).fit(X, y)
    second = clone(ASSSSampler(**params)).fit(X, y)
    np.testing.assert_array_equal(first.sample_indices_, second.sample_indices_)
    assert first.validation_scores_ == second.validation_scores_
    assert first.selection_ == "validated" and first.kept_candidate_ in first.validation_scores_


def test_validated_medoids_take_the_flagged_rows_the_clustered_draw_needed(data, monkeypatch):
    # a class of 45 rows (15 of them another class's), under its floor of 50, is kept whole,
    # its flagged rows with it
    X, y = data
    rows = np.concatenate([np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:30]])
    X, y = X[rows], y[rows].copy()
    y[np.flatnonzero(y == 0)[:15]] = 2
    seen = _recording_held_out_scores(monkeypatch, lambda name: float(name == "medoids"))
    sampler = ASSSSampler(selection="validated", keep_ratio=0.5, random_state=0, **QUICK)
    sampler.fit(X, y)
    clustered, medoids = seen["candidates"]["clustered"], seen["candidates"]["medoids"]
    flagged = sampler.label_issues_
    needed = clustered[flagged[clustered]]
    assert len(needed) > 0
    np.testing.assert_array_equal(medoids[flagged[medoids]], needed)
    for subset in (clustered, medoids, sampler.sample_indices_):
        counts = np.bincount(np.searchsorted(sampler.classes_, y[subset]))
        np.testing.assert_array_equal(counts, sampler.class_budgets_)


def test_outvoted_labels_are_those_another_label_of_the_same_row_outnumbers():
    X = np.array([[0.0], [0.0], [0.0], [1.0], [1.0], [2.0], [0.0]])
    y = np.array([0, 0, 1, 1, 2, 2, 0])  # row 0: 0 thrice, 1 once; row 1: a tie
    first, inverse, outvoted = _asss._distinct_labelled_rows(X, y)
    np.testing.assert_array_equal(outvoted, [False, False, True, False, False, False, False])
    np.testing.assert_array_equal(y[first][inverse], y)


def _thrice_one_copy_relabelled(data):
    """Each of the first 100 rows of `data` thrice, the first copy of each given another
    label: the copies outvote it."""
    X, y = data
    rows = np.repeat(np.arange(100), 3)
    X, y = X[rows], y[rows].copy()
    y[::3] = (y[::3] + 1) % 3
    return X, y


@pytest.mark.parametrize("filter_probabilities", ["out_of_fold", "game"])
def test_label_filter_flags_the_copies_whose_row_carries_another_label_more(
    data, filter_probabilities
):
    X, y = _thrice_one_copy_relabelled(data)
    sampler = ASSSSampler(
        filter_probabilities=filter_probabilities, random_state=0, **QUICK
    ).fit(X, y)
    assert sampler.label_issues_[::3].all()
    assert ASSSSampler(label_filter=None, random_state=0, **QUICK).fit(X, y).label_issues_ is None


def test_verbose_says_how_many_rows_their_copies_outvote(data, capsys):
    X, y = _thrice_one_copy_relabelled(data)
    ASSSSampler(random_state=0, verbose=1, **QUICK).fit(X, y)
    # 200 distinct (row, label) pairs
    assert "(200 distinct, 100 outvoted by their copies' labels)" in capsys.readouterr().out


def test_class_shares_leave_out_the_rows_their_copies_outvote(data):
    # 100 rows of class 0 twice more, one of the copies labelled 2: class 2's share is that
    # of its other rows, and none of the outvoted copies is kept
    X, y = data
    copied = np.repeat(np.flatnonzero(y == 0)[:100], 2)
    X, y = np.vstack([X, X[copied]]), np.concatenate([y, np.tile([0, 2], 100)])
    outvoted = np.zeros(len(y), dtype=bool)
    outvoted[len(data[1]) + 1 :: 2] = True
    sampler = ASSSSampler(random_state=0, **QUICK).fit(X, y)
    np.testing.assert_array_equal(sampler.label_issues_[outvoted], True)
    n_keep = round(0.3 * len(y))
    expected = class_budgets(np.bincount(y[~outvoted]), n_keep, 50)
    np.testing.assert_array_equal(sampler.class_budgets_, expected)
    assert expected[2] < class_budgets(np.bincount(y), n_keep, 50)[2]
    assert len(sampler.sample_indices_) == n_keep
    assert not outvoted[sampler.sample_indices_].any()


def test_validated_candidates_are_drawn_from_the_rows_whose_label_is_credible(data, monkeypatch):
    # unflagged rows whose label the filter gives less than a uniform guess's probability are
    # drawn last, as the flagged ones: every class here has enough credible rows
    X, y = data
    y = y.copy()
    y[::4] = (y[::4] + 1) % 3
    seen = _recording_held_out_scores(monkeypatch, lambda name: 0.0)
    sampler = ASSSSampler(selection="validated", keep_ratio=0.1, random_state=0, **QUICK)
    sampler.fit(X, y)
    probability, flagged = sampler.label_probabilities_, sampler.label_issues_
    assert (~flagged & (probability < 1 / 3)).any()
    for candidate in seen["candidates"].values():
        assert (probability[candidate[~flagged[candidate]]] >= 1 / 3).all()


def test_validated_prototypes_prefer_the_rows_whose_label_the_filter_finds_probable(
    data, monkeypatch
):
    # the redraw makes the prototypes in this process (the fit may make them beside the game)
    X, y = data
    y = y.copy()
    y[::4] = (y[::4] + 1) % 3
    seen = []
    select = KMeansSampler._select

    def recording(self, X, y_encoded, budgets, random_state, credibility=None):
        seen.append(credibility)
        return select(self, X, y_encoded, budgets, random_state, credibility=credibility)

    monkeypatch.setattr(KMeansSampler, "_select", recording)
    sampler = ASSSSampler(selection="validated", keep_ratio=0.1, random_state=0, **QUICK)
    sampler.fit(X, y)
    seen.clear()
    sampler._redraw(X, y, 1)
    y_encoded = np.searchsorted(sampler.classes_, y)
    drawn_last = sampler._drawn_last(
        y_encoded, sampler.class_budgets_, sampler.label_issues_, sampler.label_probabilities_
    )
    (credibility,) = seen
    np.testing.assert_array_equal(credibility, sampler.label_probabilities_[~drawn_last])


@pytest.mark.parametrize("selection", ["validated", "clustered", "sample"])
def test_rows_drawn_last_are_the_flagged_and_the_incredible(selection):
    # a uniform guess: 0.5. Class 0 has one credible unflagged row (0.8) for its budget of
    # one: its other unflagged row (0.4) is drawn last; class 1 has one for a budget of two:
    # every unflagged row of it comes before a flagged one
    sampler = ASSSSampler(selection=selection)
    y_encoded, budgets = np.array([0, 0, 0, 1, 1, 1]), np.array([1, 2])
    issues = np.array([True, False, False, False, False, False])
    probability = np.array([0.9, 0.4, 0.8, 0.3, 0.2, 0.9])
    drawn_last = sampler._drawn_last(y_encoded, budgets, issues, probability)
    np.testing.assert_array_equal(drawn_last, np.array([1, 1, 0, 0, 0, 0], dtype=bool))
    np.testing.assert_array_equal(
        sampler._incredible_last(y_encoded, budgets, issues, probability), [True, False]
    )
    assert sampler._drawn_last(y_encoded, budgets, None, probability) is None
