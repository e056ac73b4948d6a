"""ASSSSampler's game sample, game length, scoring pass and progress output."""

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from sklearn_asss import ASSSSampler, select_subset

QUICK = dict(warmup_epochs=1, hidden_layer_sizes=(16,), selector_hidden_layer_sizes=(8, 8))


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(
        n_samples=3000, n_features=5, n_informative=4, n_redundant=0, n_classes=3,
        weights=[0.9, 0.08, 0.02], random_state=0,
    )
    return X, y


def test_game_sample_is_bounded_stratified_and_keeps_every_class(imbalanced):
    X, y = imbalanced
    sampler = ASSSSampler(max_game_samples=600, max_epochs=1, random_state=0, **QUICK)
    sampler.fit(X, y)
    game = sampler.game_indices_
    assert len(game) == 600
    assert len(np.unique(game)) == len(game) and np.all(np.diff(game) > 0)
    per_class = np.bincount(y[game], minlength=3)
    # the rarest class (60 rows) is wholly in; the others share the rest in proportion
    assert per_class[2] == np.sum(y == 2)
    assert per_class[0] > 4 * per_class[1] > 0
    assert sampler.net_.history[0, "batches"][0]["mean_p"] > 0
    steps = sum(len(epoch["batches"]) for epoch in sampler.net_.history)
    assert steps == 2 * -(-600 // sampler.net_.batch_size)  # one warm-up and one game epoch


def test_game_sample_draws_differ_with_the_seed(imbalanced):
    X, y = imbalanced
    first = ASSSSampler(max_game_samples=600, max_epochs=1, random_state=0, **QUICK).fit(X, y)
    other = ASSSSampler(max_game_samples=600, max_epochs=1, random_state=1, **QUICK).fit(X, y)
    assert not np.array_equal(first.game_indices_, other.game_indices_)


def test_a_large_enough_bound_plays_on_every_row(imbalanced):
    X, y = imbalanced
    params = dict(max_epochs=1, random_state=0, **QUICK)
    bounded = ASSSSampler(max_game_samples=len(y), **params).fit(X, y)
    unbounded = ASSSSampler(max_game_samples=None, **params).fit(X, y)
    np.testing.assert_array_equal(bounded.game_indices_, np.arange(len(y)))
    np.testing.assert_array_equal(bounded.sample_indices_, unbounded.sample_indices_)
    np.testing.assert_array_equal(bounded.selection_scores_, unbounded.selection_scores_)


def test_every_row_is_scored_once_per_distinct_row_and_label(imbalanced):
    X, y = imbalanced
    # every row three times, one copy of row 0 relabelled: its p must differ from the others
    X_rep, y_rep = np.tile(X, (3, 1)), np.tile(y, 3)
    y_rep[len(y)] = (y[0] + 1) % 3
    sampler = ASSSSampler(max_game_samples=900, max_epochs=1, random_state=0, **QUICK)
    p = sampler.fit(X_rep, y_rep).selection_scores_
    assert p.shape == (len(y_rep),)
    np.testing.assert_array_equal(p[1 : len(y)], p[len(y) + 1 : 2 * len(y)])
    np.testing.assert_array_equal(p[: len(y)], p[2 * len(y) :])
    assert p[len(y)] != p[0]
    X_std = sampler._standardise(X_rep)
    direct = sampler.net_.selection_probabilities(X_std, torch.as_tensor(y_rep))
    np.testing.assert_allclose(p, direct, rtol=1e-6)
    # the task network's loss on every row comes from the same pass, row by row
    with torch.no_grad():
        logits = sampler.net_.module_(X_std)
    losses = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y_rep), reduction="none")
    np.testing.assert_allclose(sampler.task_losses_, losses.numpy(), rtol=1e-5, atol=1e-7)
    assert sampler.task_losses_[len(y)] != sampler.task_losses_[0]


@pytest.mark.parametrize("n_rows, batch_size", [(3000, 512), (3000, 64), (400, 512)])
def test_max_epochs_none_sets_the_game_length_in_selector_steps(n_rows, batch_size):
    X, y = make_classification(n_samples=n_rows, n_features=5, random_state=0)
    sampler = ASSSSampler(max_epochs=None, batch_size=batch_size, random_state=0, **QUICK)
    sampler.fit(X, y)
    game = [epoch for epoch in sampler.history_ if epoch["phase"] == "game"]
    steps = sum(len(epoch["batches"]) for epoch in game)
    steps_per_epoch = -(-n_rows // batch_size)
    # about 300 selector steps, whatever the table's size: whole epochs, never one too many
    assert 300 <= steps < 300 + steps_per_epoch


def test_an_explicit_max_epochs_is_kept(imbalanced):
    X, y = imbalanced
    sampler = ASSSSampler(max_epochs=2, random_state=0, **QUICK).fit(X, y)
    assert list(sampler.history_[:, "phase"]) == ["warmup", "game", "game"]


def test_verbose_reports_rows_epochs_time_left_and_the_scoring_pass(imbalanced, capsys):
    X, y = imbalanced
    ASSSSampler(max_game_samples=500, max_epochs=2, verbose=1, random_state=0, **QUICK).fit(X, y)
    out = capsys.readouterr().out
    assert "game on 500 of 3,000 rows: 1 warm-up and 2 game epochs" in out
    assert "left_s" in out and "mean_p" in out
    assert "scored 3,000 rows (3,000 distinct)" in out
    ASSSSampler(max_game_samples=500, max_epochs=2, random_state=0, **QUICK).fit(X, y)
    assert capsys.readouterr().out == ""


def test_time_left_reaches_zero_at_the_last_epoch(imbalanced):
    X, y = imbalanced
    sampler = ASSSSampler(max_epochs=2, verbose=1, random_state=0, **QUICK).fit(X, y)
    left = sampler.history_[:, "left_s"]
    assert left[-1] == 0 and all(value > 0 for value in left[:-1])


@pytest.mark.parametrize("value", [0, -5, 2.5])
def test_bad_max_game_samples_raises(imbalanced, value):
    X, y = imbalanced
    with pytest.raises(ValueError, match="max_game_samples"):
        ASSSSampler(max_game_samples=value).fit(X, y)


def test_game_sample_keeps_repeated_rows_at_their_weight_in_expectation():
    # class 0: one row repeated 600 times among 1200 rows; class 1: 300 rows
    from sklearn_asss._asss import _game_sample

    y = np.r_[np.zeros(1200, int), np.ones(300, int)]
    repeated = np.zeros(len(y), bool)
    repeated[:600] = True
    shares = []
    for seed in range(200):
        game = _game_sample(y, 300, np.random.RandomState(seed))
        in_class_0 = game[y[game] == 0]
        shares.append(repeated[in_class_0].mean())
    # drawn uniformly within the class, as training on every row would weigh it
    assert abs(np.mean(shares) - 0.5) < 0.01
    assert len(in_class_0) == 200  # class 1 keeps its floor of 100 rows


def test_rank_by_task_confidence_draws_by_the_task_network(imbalanced):
    X, y = imbalanced
    settings = dict(keep_ratio=0.2, random_state=0, label_filter=None, **QUICK)
    by_p = ASSSSampler(**settings).fit(X, y)
    by_confidence = ASSSSampler(rank_by="task_confidence", **settings).fit(X, y)
    # the same game: only the retrieval's score differs
    np.testing.assert_array_equal(by_p.selection_scores_, by_confidence.selection_scores_)
    np.testing.assert_array_equal(by_p.task_losses_, by_confidence.task_losses_)
    assert not np.array_equal(by_p.sample_indices_, by_confidence.sample_indices_)
    np.testing.assert_array_equal(by_p.class_budgets_, by_confidence.class_budgets_)
    # the same draw as select_subset on exp(-task_losses_) with the retrieval's random state
    confidence = np.exp(-by_confidence.task_losses_)
    mirrored = ASSSSampler(selection="top", rank_by="task_confidence", **settings).fit(X, y)
    y_encoded = np.searchsorted(mirrored.classes_, y)
    expected = select_subset(confidence, y_encoded, mirrored.class_budgets_, selection="top")
    np.testing.assert_array_equal(mirrored.sample_indices_, expected)
    np.testing.assert_allclose(
        by_confidence._ranking_scores(X, y), confidence, rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(by_confidence.score_samples(X, y), by_p.selection_scores_, rtol=1e-6)


def test_collapse_duplicates_plays_on_the_distinct_rows_weighted_by_their_copies(
    imbalanced, capsys
):
    X, y = imbalanced
    X_copies, y_copies = np.repeat(X, 3, axis=0), np.repeat(y, 3)
    settings = dict(max_epochs=2, batch_size=500, random_state=0)
    once = ASSSSampler(**settings, **QUICK).fit(X, y)
    thrice = ASSSSampler(verbose=1, **settings, **QUICK).fit(X_copies, y_copies)
    assert "game on 9,000 of 9,000 rows as 3,000 distinct" in capsys.readouterr().out
    assert len(thrice.history_[-1, "batches"]) == 6  # 3,000 distinct rows in batches of 500
    # each row weighs as its three copies: the game of the table without them
    np.testing.assert_allclose(
        thrice.selection_scores_, np.repeat(once.selection_scores_, 3), rtol=1e-3
    )
    every_copy = ASSSSampler(**{**settings, "collapse_duplicates": False}, **QUICK)
    assert len(every_copy.fit(X_copies, y_copies).history_[-1, "batches"]) == 18


def test_a_pair_with_many_copies_plays_as_several_rows_of_at_most_sixteen():
    from sklearn_asss._asss import _split_copies

    rows, counts = _split_copies(np.array([7, 3, 9]), np.array([40, 1, 16]), 16)
    np.testing.assert_array_equal(rows, [7, 7, 7, 3, 9])
    np.testing.assert_array_equal(counts, [14, 13, 13, 1, 16])
    X = np.r_[np.zeros((100, 2)), np.random.RandomState(0).normal(size=(50, 2))]
    y = np.r_[np.zeros(100, int), np.arange(50) % 2]
    sampler = ASSSSampler(max_epochs=1, batch_size=8, random_state=0)
    sampler.fit(X, y)
    # 50 rows seen once, and the 100 copies of a zero row as 7 game rows: 57 rows, 8 batches
    assert len(sampler.history_[-1, "batches"]) == 8
