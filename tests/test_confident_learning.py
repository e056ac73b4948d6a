"""Confident learning's flags, and the label filter of ASSSSampler that uses them."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import make_blobs

from sklearn_asss import ASSSSampler, select_subset
from sklearn_asss._asss import (
    _FILTER_FOLDS,
    _FILTER_MAX_EPOCHS_FACTOR,
    _FILTER_PATIENCE,
    _OUTPUT_LAYER_MIN_ROWS,
    _credible_copies,
    _filter_schedule,
    _other_folds,
    _stratified_folds,
)
from sklearn_asss._confident_learning import (
    LABEL_FILTERS,
    confident_learning_issues,
    fit_label_filter,
    fitted_label_filter,
    flag_label_issues,
    noise_rate_cutoffs,
    noise_rate_issues,
)
from sklearn_asss.benchmark._ablation import ScoreAblationASSS

QUICK = dict(warmup_epochs=1, hidden_layer_sizes=(16,), selector_hidden_layer_sizes=(8, 8))


def _probabilities(n_classes, concentration, seed, n_rows=2000):
    rng = np.random.default_rng(seed)
    probabilities = rng.dirichlet(np.full(n_classes, concentration), size=n_rows)
    labels = rng.integers(0, n_classes, n_rows)
    labels[: n_rows // 2] = probabilities[: n_rows // 2].argmax(axis=1)
    return probabilities, labels


@pytest.mark.parametrize("n_classes", [2, 3, 7])
@pytest.mark.parametrize("concentration", [0.3, 1.0, 5.0])
def test_confident_learning_flags_what_cleanlab_flags(n_classes, concentration):
    filter_module = pytest.importorskip("cleanlab.filter")
    probabilities, labels = _probabilities(n_classes, concentration, seed=n_classes)
    expected = filter_module.find_label_issues(
        labels, probabilities, filter_by="confident_learning"
    )
    issues = confident_learning_issues(probabilities, labels)
    assert issues.dtype == bool and issues.any()
    np.testing.assert_array_equal(issues, expected)


@pytest.mark.parametrize("n_classes", [2, 3, 7])
@pytest.mark.parametrize("concentration", [0.3, 1.0, 5.0])
def test_noise_rate_pruning_flags_what_cleanlab_flags_by_default(n_classes, concentration):
    filter_module = pytest.importorskip("cleanlab.filter")
    probabilities, labels = _probabilities(n_classes, concentration, seed=10 + n_classes)
    labels[:n_classes] = np.arange(n_classes)  # every class labelled
    labels[-1] = n_classes - 1
    if n_classes == 7:
        labels[labels == 5] = 4  # a class of one row is left alone, as cleanlab does
        labels[n_classes - 2] = 5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # cleanlab: "a class of one row"
        expected = filter_module.find_label_issues(labels, probabilities, n_jobs=1)
    issues = noise_rate_issues(probabilities, labels)
    assert issues.dtype == bool and issues.any()
    np.testing.assert_array_equal(issues, expected)


def test_noise_rate_cutoffs_flag_new_rows_as_the_fitted_ones():
    probabilities, labels = _probabilities(4, 1.0, seed=3)
    cutoffs = noise_rate_cutoffs(probabilities, labels)
    assert cutoffs.shape == (4, 4) and np.isinf(np.diagonal(cutoffs)).all()
    np.testing.assert_array_equal(
        noise_rate_issues(probabilities[:500], labels[:500], cutoffs),
        noise_rate_issues(probabilities, labels)[:500],
    )
    # copies of a row at a cutoff share its flag
    doubled = noise_rate_issues(np.vstack([probabilities] * 2), np.tile(labels, 2), cutoffs)
    np.testing.assert_array_equal(doubled, np.tile(noise_rate_issues(probabilities, labels), 2))


@pytest.mark.parametrize("label_filter", LABEL_FILTERS)
def test_fitted_thresholds_tell_their_rule(label_filter):
    probabilities, labels = _probabilities(3, 1.0, seed=4)
    thresholds = fit_label_filter(probabilities, labels, label_filter)
    assert fitted_label_filter(thresholds) == label_filter and fitted_label_filter(None) is None
    rule = noise_rate_issues if label_filter == "prune_by_noise_rate" else \
        confident_learning_issues  # fmt: skip
    np.testing.assert_array_equal(
        flag_label_issues(probabilities, labels, thresholds), rule(probabilities, labels)
    )


def test_a_row_whose_label_is_its_most_probable_class_is_never_flagged():
    # class 1's rows are mostly class 0's, so its threshold is low (1/3): rows 6-7 of
    # class 0 reach it and miss class 0's (0.825), yet class 0 stays their most probable
    probabilities = np.array(
        [[0.9, 0.1]] * 6 + [[0.6, 0.4]] * 2 + [[0.85, 0.15]] * 4 + [[0.3, 0.7]] * 2
    )
    labels = np.array([0] * 8 + [1] * 6)
    issues = confident_learning_issues(probabilities, labels)
    np.testing.assert_array_equal(issues, [False] * 8 + [True] * 4 + [False] * 2)


def test_drawn_last_rows_are_taken_only_for_a_class_short_of_other_rows():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], [60, 40])
    scores = rng.uniform(0.1, 1, 100)
    drawn_last = np.zeros(100, dtype=bool)
    drawn_last[:20] = True  # class 0: 40 other rows
    drawn_last[60:95] = True  # class 1: 5 other rows
    for selection in ["top", "sample", "stratified"]:
        kept = select_subset(
            scores, y, [30, 12], selection=selection, random_state=0, drawn_last=drawn_last
        )
        assert np.bincount(y[kept]).tolist() == [30, 12]
        assert not drawn_last[kept[y[kept] == 0]].any()
        # class 1 takes its five other rows and seven flagged ones
        assert np.sum(~drawn_last[kept] & (y[kept] == 1)) == 5
    top = select_subset(scores, y, [30, 12], selection="top", drawn_last=drawn_last)
    flagged_of_1 = np.flatnonzero(drawn_last & (y == 1))
    best_flagged = flagged_of_1[np.argsort(-scores[flagged_of_1])[:7]]
    assert set(best_flagged) <= set(top)


@pytest.mark.parametrize("selection", ["top", "sample", "stratified"])
def test_drawn_last_rows_are_chosen_by_drawn_last_by(selection):
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1], [60, 40])
    scores = rng.uniform(0.1, 1, 100)
    drawn_last = np.zeros(100, dtype=bool)
    drawn_last[60:95] = True  # class 1: 5 other rows, so 7 flagged ones are needed
    likely = rng.choice(np.arange(60, 95), 7, replace=False)
    confidence = np.full(100, 1e-12)
    confidence[likely] = rng.uniform(0.5, 1, 7)  # the draw in proportion takes these
    kept = select_subset(
        scores, y, [30, 12], selection=selection, random_state=0, drawn_last=drawn_last,
        drawn_last_by=confidence,
    )  # fmt: skip
    np.testing.assert_array_equal(np.intersect1d(kept, np.arange(60, 95)), np.sort(likely))
    assert np.bincount(y[kept]).tolist() == [30, 12]
    unchanged = select_subset(
        scores, y, [30, 12], selection=selection, random_state=0, drawn_last=drawn_last
    )
    assert not np.array_equal(kept, unchanged)  # the flagged rows differ
    np.testing.assert_array_equal(kept[~drawn_last[kept]], unchanged[~drawn_last[unchanged]])


@pytest.mark.parametrize(
    "drawn_last_by", [[0.5], [0.5, np.nan], [0.5, -0.1]], ids=["shape", "nan", "negative"]
)
def test_drawn_last_by_needs_a_finite_non_negative_score_per_row(drawn_last_by):
    with pytest.raises(ValueError, match="drawn_last_by"):
        select_subset(
            [0.5, 0.4], [0, 1], [1, 1], selection="top", drawn_last=[True, False],
            drawn_last_by=drawn_last_by,
        )  # fmt: skip


def test_drawn_last_must_be_a_boolean_mask_of_every_row():
    with pytest.raises(ValueError, match="drawn_last must be a boolean mask"):
        select_subset([0.5, 0.4], [0, 1], [1, 1], selection="top", drawn_last=[1, 0])
    with pytest.raises(ValueError, match="drawn_last must be a boolean mask"):
        select_subset([0.5, 0.4], [0, 1], [1, 1], selection="top", drawn_last=[True])


@pytest.fixture(scope="module")
def noisy():
    X, y = make_blobs(n_samples=2000, centers=3, n_features=4, cluster_std=1.5, random_state=0)
    rng = np.random.default_rng(0)
    flipped = rng.random(len(y)) < 0.2
    noisy_y = np.where(flipped, (y + rng.integers(1, 3, len(y))) % 3, y)
    return X, noisy_y, flipped


@pytest.mark.parametrize("keep_ratio, cut", [(0.05, True), (0.7, True), (0.85, False)])
def test_incredible_rows_are_drawn_last_where_a_class_has_its_budget_of_others(
    noisy, keep_ratio, cut
):
    # the unflagged rows whose label the filter gives less than 1/3, in a class with at
    # least its budget of other unflagged rows, are drawn last: with the flagged ones, only
    # for places the class's other rows cannot fill
    X, y, _ = noisy
    sampler = ASSSSampler(
        keep_ratio=keep_ratio, max_epochs=3, task_lr=1e-2, random_state=0, **QUICK
    ).fit(X, y)
    issues, probability = sampler.label_issues_, sampler.label_probabilities_
    incredible = ~issues & (probability < 1 / 3)
    credible_counts = np.bincount(y[~issues & ~incredible])
    np.testing.assert_array_equal(
        sampler.incredible_last_, credible_counts >= sampler.class_budgets_
    )
    assert sampler.incredible_last_.all() == cut and incredible.sum() > 10
    last = issues | (incredible & sampler.incredible_last_[y])
    kept = sampler.sample_indices_
    for label, budget in enumerate(sampler.class_budgets_):
        of_class = y == label
        assert np.sum(last[kept] & of_class[kept]) == max(0, budget - np.sum(of_class & ~last))
    if cut:
        assert not np.isin(np.flatnonzero(incredible), kept).any()
    else:  # short of other rows: every unflagged row kept
        assert np.isin(np.flatnonzero(~issues), kept).all()


@pytest.mark.parametrize("label_filter", LABEL_FILTERS)
def test_label_filter_keeps_fewer_flipped_rows_and_the_same_budgets(noisy, label_filter):
    X, y, flipped = noisy
    settings = dict(keep_ratio=0.2, max_epochs=3, task_lr=1e-2, random_state=0, **QUICK)
    plain = ASSSSampler(label_filter=None, **settings).fit(X, y)
    filtered = ASSSSampler(label_filter=label_filter, **settings).fit(X, y)
    assert plain.label_issues_ is None
    issues = filtered.label_issues_
    assert issues.dtype == bool and issues.shape == y.shape
    # the same game and scores; only the retrieval differs
    np.testing.assert_array_equal(plain.selection_scores_, filtered.selection_scores_)
    np.testing.assert_array_equal(plain.class_budgets_, filtered.class_budgets_)
    assert flipped[issues].mean() > 0.9 and issues[flipped].mean() > 0.8
    kept = filtered.sample_indices_
    assert not issues[kept].any()  # every class had enough unflagged rows
    assert flipped[kept].mean() < flipped[plain.sample_indices_].mean() - 0.05
    redrawn = filtered._redraw(X, y, random_state=1)
    assert not issues[redrawn].any() and not np.array_equal(redrawn, kept)


def test_the_floor_of_a_class_flooded_with_flipped_rows_takes_only_its_unflagged_rows():
    X, y = make_blobs(n_samples=3000, centers=3, n_features=4, cluster_std=1.0, random_state=0)
    rare = np.flatnonzero(y == 2)[30:]  # class 2 keeps 30 rows
    X, y = np.delete(X, rare, axis=0), np.delete(y, rare)
    flipped = (y != 2) & (np.random.default_rng(0).random(len(y)) < 0.03)
    y = np.where(flipped, 2, y)  # ... and about 70 flipped from the others
    settings = dict(keep_ratio=0.1, min_samples_per_class=60, max_epochs=3, task_lr=1e-2,
                    random_state=0, **QUICK)  # fmt: skip
    sampler = ASSSSampler(**settings).fit(X, y)
    issues, kept, budgets = sampler.label_issues_, sampler.sample_indices_, sampler.class_budgets_
    trusted = np.bincount(y[~issues], minlength=3)
    assert (y == 2).sum() > 60 > trusted[2] > budgets.sum() * (y == 2).mean()
    assert budgets[2] == trusted[2] and budgets.sum() == round(0.1 * len(y))
    np.testing.assert_array_equal(np.bincount(y[kept]), budgets)
    assert not issues[kept].any()
    labels_floor = ScoreAblationASSS(ablation="selector", budgets_from="labels", **settings)
    assert labels_floor.fit(X, y).class_budgets_[2] == 60
    assert issues[labels_floor.sample_indices_].sum() == 60 - trusted[2]


def test_flagged_rows_a_class_needs_are_drawn_by_the_probability_of_their_label(noisy):
    X, y, _ = noisy
    # a high keep ratio: every class needs some of its flagged rows
    sampler = ASSSSampler(keep_ratio=0.95, max_epochs=3, task_lr=1e-2, random_state=0, **QUICK)
    kept = sampler.fit(X, y).sample_indices_
    issues, confidence = sampler.label_issues_, np.exp(-sampler.task_losses_)
    for c in range(3):
        flagged = np.flatnonzero(issues & (y == c))
        taken = np.isin(flagged, kept)
        assert taken.sum() > 5 and (~taken).sum() > 5
        assert confidence[flagged[taken]].mean() > confidence[flagged[~taken]].mean()


@pytest.mark.parametrize("selection", ["clustered", "validated"])
def test_copies_of_the_credible_kept_rows_take_the_places_of_flagged_rows(noisy, selection):
    X, y, flipped = noisy
    # a high keep ratio: every class needs some of its flagged rows
    settings = dict(keep_ratio=0.95, max_epochs=3, task_lr=1e-2, random_state=0,
                    selection=selection, **QUICK)  # fmt: skip
    default = ASSSSampler(**settings).fit(X, y)
    copies = ASSSSampler(shortfall_fill="copies", **settings).fit(X, y)
    issues, kept, plain = copies.label_issues_, copies.sample_indices_, default.sample_indices_
    np.testing.assert_array_equal(issues, default.label_issues_)
    np.testing.assert_array_equal(np.bincount(y[kept]), copies.class_budgets_)
    assert np.all(np.diff(kept) >= 0) and len(np.unique(kept)) < len(kept)
    # every unflagged row the default keeps is kept; the copies come from its subset
    np.testing.assert_array_equal(np.unique(kept[~issues[kept]]), plain[~issues[plain]])
    assert np.isin(kept, plain).all()
    assert issues[kept].sum() < issues[plain].sum() / 2
    assert flipped[kept].mean() < flipped[plain].mean()
    redrawn = copies._redraw(X, y, random_state=1)
    np.testing.assert_array_equal(np.bincount(y[redrawn]), copies.class_budgets_)
    assert issues[redrawn].sum() < issues[plain].sum() / 2


def test_credible_copies_are_drawn_in_proportion_to_credibility():
    kept = np.array([0, 1, 2, 3, 4, 5])
    y = np.array([0, 0, 0, 1, 1, 1])
    drawn_last = np.array([False, True, True, True, True, True])
    credibility = np.array([1.0, 1e-12, 1e-12, 1.0, 1.0, 1e-12])
    filled = _credible_copies(kept, y, drawn_last, credibility, np.random.RandomState(0))
    np.testing.assert_array_equal(filled[:3], [0, 0, 0])
    assert set(filled[3:]) <= {3, 4}
    np.testing.assert_array_equal(kept, [0, 1, 2, 3, 4, 5])  # the input is not modified
    draws = np.concatenate([
        _credible_copies(kept, y, drawn_last, np.arange(1.0, 7.0), np.random.RandomState(seed))
        for seed in range(400)
    ])  # fmt: skip
    shares = np.bincount(draws, minlength=6)[3:] / 1200
    np.testing.assert_allclose(shares, np.array([4, 5, 6]) / 15, atol=0.03)


def test_label_filter_is_validated(noisy):
    X, y, _ = noisy
    with pytest.raises(ValueError, match="label_filter"):
        ASSSSampler(label_filter="cleanlab", max_epochs=1, **QUICK).fit(X, y)


def _out_of_fold(sampler, X_std, y, game_rows):
    """Class probabilities of `game_rows`, each from the filter network of its fold (the
    networks train on the other folds), as the sampler's filter reads them."""
    probabilities = np.full((len(X_std), len(sampler.classes_)), np.nan)
    folds = _stratified_folds(y[game_rows], sampler.net_.seed, _FILTER_FOLDS)
    for net, fold in zip(sampler.filter_nets_, folds):
        if len(fold):
            probabilities[game_rows[fold]] = net.predict_proba(X_std[game_rows[fold]])
    return probabilities


def test_each_row_is_flagged_by_the_filter_network_that_did_not_train_on_it(noisy):
    X, y, flipped = noisy
    settings = dict(keep_ratio=0.2, max_epochs=3, task_lr=1e-2, random_state=0, **QUICK)
    sampler = ASSSSampler(**settings).fit(X, y)
    assert len(sampler.filter_nets_) == _FILTER_FOLDS == 3
    X_std = sampler._standardise(X).numpy()
    probabilities = _out_of_fold(sampler, X_std, y, np.arange(len(y)))
    issues = sampler.label_issues_
    np.testing.assert_array_equal(issues, noise_rate_issues(probabilities, y))
    assert flipped[issues].mean() > 0.9 and issues[flipped].mean() > 0.8
    game = ASSSSampler(filter_probabilities="game", **settings).fit(X, y)
    assert game.filter_nets_ is None
    np.testing.assert_array_equal(game.selection_scores_, sampler.selection_scores_)
    assert not np.array_equal(game.label_issues_, sampler.label_issues_)


def test_label_weighting_draws_unflagged_rows_by_p_times_the_probability_of_their_label(noisy):
    # by p alone, on the panel tables the subsets kept more flipped rows than cleanlab +
    # random's, whose filter is no better (5.3% against 4.8% with symmetric flips)
    X, y, flipped = noisy
    settings = dict(keep_ratio=0.2, max_epochs=2, selection="top", random_state=0, **QUICK)
    sampler = ASSSSampler(label_weighting=True, **settings).fit(X, y)
    X_std = sampler._standardise(X).numpy()
    probabilities = _out_of_fold(sampler, X_std, y, np.arange(len(y)))
    label_probabilities = probabilities[np.arange(len(y)), y]
    np.testing.assert_allclose(sampler.label_probabilities_, label_probabilities, rtol=1e-6)
    expected = select_subset(
        sampler.selection_scores_ * sampler.label_probabilities_, y, sampler.class_budgets_,
        selection="top", drawn_last=_drawn_last(sampler, y),
        drawn_last_by=np.exp(-sampler.task_losses_),
    )  # fmt: skip
    np.testing.assert_array_equal(sampler.sample_indices_, np.sort(expected))
    unflagged = ~sampler.label_issues_
    of_flipped, of_others = (label_probabilities[unflagged & rows] for rows in (flipped, ~flipped))
    assert of_flipped.mean() < of_others.mean()
    unweighted = ASSSSampler(**settings).fit(X, y)  # the default: by p alone
    by_p = select_subset(
        unweighted.selection_scores_, y, unweighted.class_budgets_, selection="top",
        drawn_last=_drawn_last(unweighted, y), drawn_last_by=np.exp(-unweighted.task_losses_),
    )  # fmt: skip
    np.testing.assert_array_equal(unweighted.sample_indices_, np.sort(by_p))
    assert not np.array_equal(unweighted.sample_indices_, sampler.sample_indices_)
    plain = ASSSSampler(label_filter=None, **settings).fit(X, y)
    assert plain.label_probabilities_ is None


def _drawn_last(sampler, y_encoded):
    """The rows the fitted `sampler` draws last: the flagged ones and the incredible."""
    return sampler._drawn_last(
        y_encoded, sampler.class_budgets_, sampler.label_issues_, sampler.label_probabilities_
    )


def test_repeated_rows_and_rows_beyond_the_game_get_the_probabilities_of_their_pair(noisy):
    # each (row, label) pair is predicted once: every copy must get what its own row would
    X, y, _ = noisy
    X, y = np.concatenate([X[:600]] * 3), np.concatenate([y[:600]] * 3)
    settings = dict(keep_ratio=0.2, max_epochs=2, max_game_samples=900, random_state=0)
    sampler = ASSSSampler(**settings, **QUICK).fit(X, y)
    game_rows = sampler.game_indices_
    assert len(game_rows) < len(y) and len(np.unique(X[game_rows], axis=0)) < len(game_rows)
    X_std = sampler._standardise(X).numpy()
    probabilities = sampler._filter_probabilities(X_std)  # rows beyond the game: every net
    probabilities[game_rows] = _out_of_fold(sampler, X_std, y, game_rows)[game_rows]
    np.testing.assert_array_equal(sampler.label_issues_, noise_rate_issues(probabilities, y))


def test_new_rows_are_flagged_by_the_mean_of_the_filter_networks(noisy):
    X, y, _ = noisy
    sampler = ASSSSampler(keep_ratio=0.2, max_epochs=2, random_state=0, **QUICK).fit(X, y)
    _, issues, _, _ = sampler._ranking_scores_and_issues(X[:500], y[:500])
    X_std = sampler._standardise(X[:500]).numpy()
    mean = np.mean([net.predict_proba(X_std) for net in sampler.filter_nets_], axis=0)
    np.testing.assert_array_equal(
        issues, flag_label_issues(mean, y[:500], sampler.label_thresholds_)
    )


def test_filter_networks_are_the_task_module_given():
    X, y = make_blobs(n_samples=300, centers=2, n_features=4, random_state=0)
    module = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    sampler = ASSSSampler(task_module=module, max_epochs=1, random_state=0, **QUICK)
    sampler.fit(X, y)
    for net in sampler.filter_nets_:
        assert isinstance(net.module_, torch.nn.Sequential) and net.module_ is not module
        assert net.module_[0].out_features == 8


def _hidden_widths(net):
    layers = [m for m in net.module_.modules() if isinstance(m, torch.nn.Linear)]
    return tuple(layer.out_features for layer in layers[:-1])


@pytest.mark.parametrize(
    "keep_ratio, filter_widths, expected",
    [(0.1, "auto", (32, 8)), (0.11, "auto", (64, 17)), (0.1, (12, 6), (12, 6)), (0.3, [5], (5,))],
)  # fmt: skip
def test_filter_networks_are_half_the_task_network_s_width_where_the_choice_is_validated(
    keep_ratio, filter_widths, expected
):
    # "auto": at most 10% kept on a small game (where selection="auto" validates), the filter
    # takes half of every width of the task network; elsewhere the task network's widths
    X, y = make_blobs(n_samples=300, centers=2, n_features=4, random_state=0)
    sampler = ASSSSampler(
        keep_ratio=keep_ratio, min_samples_per_class=5, max_epochs=1, random_state=0,
        warmup_epochs=1, hidden_layer_sizes=(64, 17), filter_hidden_layer_sizes=filter_widths,
    ).fit(X, y)  # fmt: skip
    assert _hidden_widths(sampler.net_) == (64, 17)
    assert [_hidden_widths(net) for net in sampler.filter_nets_] == [expected] * _FILTER_FOLDS


def test_filter_networks_of_a_large_game_are_the_task_network_s_width():
    sampler = ASSSSampler(keep_ratio=0.01, hidden_layer_sizes=(64, 17))
    assert sampler._game_schedule(_OUTPUT_LAYER_MIN_ROWS)["filter_hidden_layer_sizes"] == (64, 17)
    small = sampler._game_schedule(_OUTPUT_LAYER_MIN_ROWS - 1)
    assert small["filter_hidden_layer_sizes"] == (32, 8)
    given = sampler.set_params(filter_hidden_layer_sizes=[9])._game_schedule(10**6)
    assert given["filter_hidden_layer_sizes"] == (9,)


def _fold_loss(net, X_std, y, fold):
    probabilities = net.predict_proba(X_std[fold])
    return float(np.mean(-np.log(probabilities[np.arange(len(fold)), y[fold]])))


@pytest.mark.parametrize("task_module", [None, "given"])
def test_filter_networks_of_a_small_game_stop_by_the_loss_on_their_own_fold(noisy, task_module):
    # stacked by default, by skorch's EarlyStopping for a task_module: the same rule
    X, y, _ = noisy
    if task_module == "given":
        task_module = torch.nn.Sequential(
            torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)
        )
    sampler = ASSSSampler(
        keep_ratio=0.2, max_epochs=1, task_module=task_module, random_state=0, **QUICK
    ).fit(X, y)
    X_std = sampler._standardise(X).numpy()
    folds = _stratified_folds(y, sampler.net_.seed, _FILTER_FOLDS)
    n_train_rows = len(_other_folds(folds)[0])
    max_epochs = _FILTER_MAX_EPOCHS_FACTOR * _filter_schedule(256, n_train_rows)[2]
    for net, fold in zip(sampler.filter_nets_, folds):
        valid = net.history[:, "valid_loss"]
        assert len(valid) <= max_epochs
        best = int(np.argmin(valid))
        # stopped `patience` epochs after its best, or at the cap, its best weights kept
        assert len(valid) in (best + 1 + _FILTER_PATIENCE, max_epochs)
        assert _fold_loss(net, X_std, y, fold) == pytest.approx(valid[best], rel=1e-4)


def test_the_quick_schedule_s_filter_networks_keep_their_epochs():
    # a large game's filter already takes as long as its game: no held-out rule
    sampler = ASSSSampler()
    assert sampler._game_schedule(_OUTPUT_LAYER_MIN_ROWS)["filter_patience"] is None
    assert sampler._game_schedule(_OUTPUT_LAYER_MIN_ROWS - 1)["filter_patience"] == 3
    paper = ASSSSampler(objective="paper")._game_schedule(_OUTPUT_LAYER_MIN_ROWS)
    assert paper["filter_patience"] == _FILTER_PATIENCE


@pytest.mark.parametrize("game_batch, filter_batch, lr", [(64, 256, 3e-3), (1024, 1024, 6e-3)])
def test_filter_networks_take_a_larger_game_batch_with_a_scaled_learning_rate(
    game_batch, filter_batch, lr
):
    # a smaller game batch keeps the filter's 256 rows a step; a larger one scales its lr
    X, y = make_blobs(n_samples=600, centers=2, n_features=4, random_state=0)
    params = {**QUICK, "batch_size": game_batch}
    sampler = ASSSSampler(max_epochs=1, random_state=0, **params).fit(X, y)
    for net in sampler.filter_nets_:
        assert net.batch_size == filter_batch and net.lr == pytest.approx(lr)


@pytest.mark.parametrize(
    "game_batch, n_rows, expected",
    [(256, 100_000, (256, 3e-3, 6)), (1024, 100_000, (1024, 6e-3, 12)),
     (4096, 100_000, (4096, 12e-3, 24)), (1024, 2_000, (1024, 6e-3, 20))],
)  # fmt: skip
def test_filter_schedule_scales_epochs_and_lr_with_the_root_of_the_batch(
    game_batch, n_rows, expected
):
    batch_size, lr, n_epochs = _filter_schedule(game_batch, n_rows)
    assert (batch_size, n_epochs) == (expected[0], expected[2])
    assert lr == pytest.approx(expected[1])
    # never fewer than the minimum of steps
    assert n_epochs * -(-n_rows // batch_size) >= 40


@pytest.mark.parametrize("n_folds", [2, 3])
@pytest.mark.parametrize("counts", [[1, 1, 1, 1], [7, 1, 4, 2], [50, 3]])
def test_stratified_folds_split_every_class_as_evenly_as_it_can_be(counts, n_folds):
    y = np.repeat(np.arange(len(counts)), counts)[np.random.RandomState(0).permutation(sum(counts))]
    folds = _stratified_folds(y, 0, n_folds)
    assert len(folds) == n_folds
    np.testing.assert_array_equal(np.sort(np.concatenate(folds)), np.arange(len(y)))
    sizes = [len(fold) for fold in folds]
    assert max(sizes) - min(sizes) <= 1
    per_class = np.array([np.bincount(y[fold], minlength=len(counts)) for fold in folds])
    assert np.all(per_class.max(axis=0) - per_class.min(axis=0) <= 1)
    for fold, others in zip(folds, _other_folds(folds)):
        np.testing.assert_array_equal(np.sort(np.concatenate([fold, others])), np.arange(len(y)))


@pytest.mark.parametrize("n_rows", [2, 3, 4])
def test_a_game_of_fewer_rows_than_twice_the_folds_is_flagged_out_of_fold(n_rows):
    # a fold may hold no row: its network trains on the others and flags nothing
    X = np.random.RandomState(0).normal(size=(n_rows, 3))
    y = np.arange(n_rows) % 2
    sampler = ASSSSampler(keep_ratio=0.5, max_epochs=1, random_state=0, **QUICK).fit(X, y)
    assert len(sampler.filter_nets_) == _FILTER_FOLDS
    assert sampler.label_issues_.shape == (n_rows,)
    assert np.isfinite(sampler.label_probabilities_).all()
    X_std = sampler._standardise(X).numpy()
    probabilities = _out_of_fold(sampler, X_std, y, np.arange(n_rows))
    np.testing.assert_allclose(
        sampler.label_probabilities_, probabilities[np.arange(n_rows), y], rtol=1e-6
    )


def test_filter_probabilities_is_validated(noisy):
    X, y, _ = noisy
    with pytest.raises(ValueError, match="filter_probabilities"):
        ASSSSampler(filter_probabilities="in_sample", **QUICK).fit(X, y)
