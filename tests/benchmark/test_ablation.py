"""The ablation of ASSSSampler's score: the same game and retrieval, another score than p."""

import json

import numpy as np
import pytest
import torch
from _scripts import script_process
from sklearn.base import clone
from sklearn.datasets import make_classification

from sklearn_asss import ASSSSampler
from sklearn_asss.benchmark import Study
from sklearn_asss.benchmark._ablation import ScoreAblationASSS
from sklearn_asss.benchmark._methods import METHODS, study_methods
from sklearn_asss.nn import fit_task_classifier
from sklearn_asss.samplers._coverage_centric import equal_width_strata, spread_evenly

# the scores alone: without the default label filter, whose flags follow each game
QUICK = dict(max_epochs=2, warmup_epochs=1, batch_size=64, hidden_layer_sizes=(16,),
             selector_hidden_layer_sizes=(8, 8), min_samples_per_class=5,
             label_filter=None)  # fmt: skip


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=400, n_features=6, n_informative=4, n_classes=3,
                               random_state=0)  # fmt: skip


def test_selector_ablation_is_asss_itself(data):
    X, y = data
    asss = ASSSSampler(keep_ratio=0.2, random_state=3, **QUICK).fit(X, y)
    same = ScoreAblationASSS(ablation="selector", keep_ratio=0.2, random_state=3, **QUICK)
    np.testing.assert_array_equal(same.fit(X, y).sample_indices_, asss.sample_indices_)


def test_constant_ablation_ignores_p(data):
    """Two games with different selectors (so different p) keep the same rows."""
    X, y = data
    settings = dict(ablation="constant", keep_ratio=0.2, random_state=3, **QUICK)
    fits = [ScoreAblationASSS(selector_lr=lr, **settings).fit(X, y) for lr in (1e-4, 1e-2)]
    assert not np.allclose(fits[0].selection_scores_, fits[1].selection_scores_)
    np.testing.assert_array_equal(fits[0].sample_indices_, fits[1].sample_indices_)


def test_final_confidence_draws_by_the_task_network_probability_of_the_label(data):
    X, y = data
    sampler = ScoreAblationASSS(ablation="final_confidence", keep_ratio=0.2, random_state=3,
                                **QUICK).fit(X, y)  # fmt: skip
    with torch.no_grad():
        probabilities = torch.softmax(sampler.net_.module_(sampler._standardise(X)), dim=1)
    expected = probabilities[np.arange(len(y)), y].numpy()
    np.testing.assert_allclose(np.exp(-sampler.task_losses_), expected, rtol=1e-5)
    kept_confidence = expected[sampler.sample_indices_].mean()
    selector = ScoreAblationASSS(ablation="selector", keep_ratio=0.2, random_state=3, **QUICK)
    assert kept_confidence > expected[selector.fit(X, y).sample_indices_].mean()


def test_warmup_confidence_is_the_warm_up_network_whatever_the_game(data):
    X, y = data
    settings = dict(ablation="warmup_confidence", keep_ratio=0.2, random_state=3,
                    **{**QUICK, "max_epochs": 1})  # fmt: skip
    short = ScoreAblationASSS(**settings).fit(X, y)
    long = ScoreAblationASSS(**{**settings, "max_epochs": 4}).fit(X, y)
    assert not np.allclose(short.task_losses_, long.task_losses_)
    np.testing.assert_allclose(short.ablation_scores_, long.ablation_scores_)
    np.testing.assert_array_equal(short.sample_indices_, long.sample_indices_)


def test_mean_confidence_averages_the_warm_up_and_the_final_network(data):
    """With one warm-up and one game epoch, the mean is over those two networks."""
    X, y = data
    settings = dict(keep_ratio=0.2, random_state=3, **{**QUICK, "max_epochs": 1})
    warmup = ScoreAblationASSS(ablation="warmup_confidence", **settings).fit(X, y)
    mean = ScoreAblationASSS(ablation="mean_confidence", **settings).fit(X, y)
    final = np.exp(-mean.task_losses_)
    assert not np.allclose(warmup.ablation_scores_, final)
    np.testing.assert_allclose(mean.ablation_scores_, (warmup.ablation_scores_ + final) / 2,
                               rtol=1e-5)  # fmt: skip
    kept = mean.ablation_scores_[mean.sample_indices_].mean()
    selector = ScoreAblationASSS(ablation="selector", **settings).fit(X, y)
    assert kept > mean.ablation_scores_[selector.sample_indices_].mean()


def test_warmup_confidence_needs_a_warm_up(data):
    X, y = data
    with pytest.raises(ValueError, match="warmup_epochs"):
        ScoreAblationASSS(ablation="warmup_confidence", **{**QUICK, "warmup_epochs": 0}).fit(X, y)


def test_crossfit_confidence_is_out_of_sample():
    # random labels: the network trained on the rows it scores believes them (its
    # in-sample confidence), one trained on the other half does not (chance, 1/3)
    X, _ = make_classification(n_samples=150, n_features=20, random_state=0)
    y = np.random.RandomState(0).randint(0, 3, len(X))
    settings = dict(keep_ratio=0.3, random_state=0, max_epochs=40, warmup_epochs=10,
                    hidden_layer_sizes=(64, 64), batch_size=16, min_samples_per_class=5)  # fmt: skip
    crossfit = ScoreAblationASSS(ablation="crossfit_confidence", **settings).fit(X, y)
    X_std = crossfit._standardise(X).numpy()
    plain = fit_task_classifier(X_std, y, 3, max_epochs=50, hidden_layer_sizes=(64, 64),
                                batch_size=16)  # fmt: skip
    in_sample = plain.predict_proba(X_std)[np.arange(len(y)), y]
    assert in_sample.mean() > 0.8
    assert crossfit.ablation_scores_.shape == (len(X),)
    assert abs(crossfit.ablation_scores_.mean() - 1 / 3) < 0.1


def _noisy_labels(n_samples, noise, seed):
    X, y = make_classification(n_samples=n_samples, n_features=8, n_informative=5,
                               n_classes=3, random_state=seed)  # fmt: skip
    rng = np.random.RandomState(seed)
    flipped = rng.uniform(size=len(y)) < noise
    y_noisy = np.where(flipped, (y + rng.randint(1, 3, len(y))) % 3, y)
    return X, y_noisy, flipped


def test_suspect_ratio_cuts_the_clusters_the_score_rejects():
    X, y, flipped = _noisy_labels(3000, 0.2, seed=0)
    settings = dict(ablation="final_confidence", keep_ratio=0.3, random_state=0,
                    label_filter=None)  # fmt: skip
    default = ScoreAblationASSS(**settings).fit(X, y)
    same = ScoreAblationASSS(suspect_ratio=0.1, **settings).fit(X, y)
    np.testing.assert_array_equal(same.sample_indices_, default.sample_indices_)
    strict = ScoreAblationASSS(suspect_ratio=1.0, **settings).fit(X, y)
    np.testing.assert_array_equal(np.bincount(y[strict.sample_indices_]),
                                  np.bincount(y[default.sample_indices_]))  # fmt: skip
    assert flipped[strict.sample_indices_].mean() < flipped[default.sample_indices_].mean() - 0.05


def test_label_filter_with_the_suspect_ratio_and_cross_fitted_flags():
    X, y, flipped = _noisy_labels(3000, 0.2, seed=0)
    settings = dict(ablation="selector", keep_ratio=0.3, random_state=0,
                    label_filter="confident_learning", max_epochs=3)  # fmt: skip
    final = ScoreAblationASSS(suspect_ratio=1.0, **settings).fit(X, y)
    crossfit = ScoreAblationASSS(
        suspect_ratio=1.0, issue_probabilities="crossfit", **settings
    ).fit(X, y)
    for sampler in (final, crossfit):
        kept, issues = sampler.sample_indices_, sampler.label_issues_
        assert flipped[issues].mean() > 0.5
        # unflagged rows first: a class takes flagged rows only when it has too few others
        short = np.bincount(y[~issues], minlength=3) < sampler.class_budgets_
        assert not np.any(issues[kept] & ~short[y[kept]])
        assert flipped[kept].mean() < 0.15
    assert not np.array_equal(final.label_issues_, crossfit.label_issues_)


def test_flagged_rows_a_class_needs_by_the_task_network_confidence_or_the_score():
    X, y, _ = _noisy_labels(3000, 0.2, seed=0)
    # a high keep ratio: every class needs some of its flagged rows
    settings = dict(ablation="selector", keep_ratio=0.95, random_state=0, max_epochs=3,
                    label_filter="prune_by_noise_rate")  # fmt: skip
    package = ScoreAblationASSS(**settings).fit(X, y)  # flagged_by="confidence_sample"
    asss = ASSSSampler(**{k: v for k, v in settings.items() if k != "ablation"}).fit(X, y)
    np.testing.assert_array_equal(package.sample_indices_, asss.sample_indices_)
    top = ScoreAblationASSS(flagged_by="confidence", **settings).fit(X, y)
    by_score = ScoreAblationASSS(flagged_by="score", **settings).fit(X, y)
    issues, confidence = top.label_issues_, np.exp(-top.task_losses_)
    np.testing.assert_array_equal(issues, asss.label_issues_)  # the same game and flags
    unflagged = np.flatnonzero(~issues)
    for sampler in (top, by_score):
        kept = sampler.sample_indices_
        np.testing.assert_array_equal(np.bincount(y[kept]), sampler.class_budgets_)
        # the unflagged rows are those of the package; only the flagged ones differ
        np.testing.assert_array_equal(np.intersect1d(kept, unflagged),
                                      np.intersect1d(asss.sample_indices_, unflagged))  # fmt: skip
        assert not np.array_equal(kept, asss.sample_indices_)
    for c in range(3):
        flagged = np.flatnonzero(issues & (y == c))
        taken = np.isin(flagged, top.sample_indices_)
        assert taken.any() and not taken.all()
        assert confidence[flagged[taken]].min() >= confidence[flagged[~taken]].max()


def test_budgets_from_estimated_counts_shrink_a_flooded_class():
    X, y = make_classification(n_samples=3000, n_features=8, n_informative=5, n_classes=3,
                               weights=[0.6, 0.3, 0.1], random_state=0)  # fmt: skip
    rng = np.random.RandomState(0)
    flipped = (y == 0) & (rng.uniform(size=len(y)) < 0.3)  # pair flips flood class 2
    y_noisy = np.where(flipped, 2, y)
    # half kept: by its labelled rows, class 2 needs flagged (flipped) rows
    settings = dict(ablation="selector", keep_ratio=0.5, random_state=0, max_epochs=3,
                    min_samples_per_class=20)  # fmt: skip
    labels = ScoreAblationASSS(**settings).fit(X, y_noisy)
    for budgets_from in ("estimated", "estimated_confident"):
        sampler = ScoreAblationASSS(budgets_from=budgets_from, **settings).fit(X, y_noisy)
        budgets, kept = sampler.class_budgets_, sampler.sample_indices_
        assert budgets.sum() == labels.class_budgets_.sum()
        np.testing.assert_array_equal(np.bincount(y_noisy[kept]), budgets)
        assert list(sampler.sampling_strategy_.values()) == budgets.tolist()
        assert budgets[2] < labels.class_budgets_[2] and budgets[0] > labels.class_budgets_[0]
        assert budgets.min() >= settings["min_samples_per_class"]
        assert flipped[kept].sum() < flipped[labels.sample_indices_].sum()


def _blobs():
    """Four tight blobs per class (rows, classes, blobs) and settings keeping 4 rows a class."""
    rng = np.random.RandomState(0)
    centres = 10 * rng.normal(size=(8, 4))
    blob = np.repeat(np.arange(8), 30)
    X = centres[blob] + 0.3 * rng.normal(size=(len(blob), 4))
    y = blob // 4
    settings = dict(ablation="selector", keep_ratio=8 / len(y), min_samples_per_class=4,
                    random_state=0, max_epochs=2, label_filter=None)  # fmt: skip
    return X, y, blob, settings


def test_medoid_retrieval_keeps_the_row_nearest_each_centroid():
    """Four tight blobs per class, four rows kept per class: each blob's most central row."""
    X, y, blob, settings = _blobs()
    sampler = ScoreAblationASSS(retrieval="medoids", **settings).fit(X, y)
    X_std = sampler._standardise(X).numpy()
    central = [
        np.flatnonzero(blob == b)[
            np.argmin(np.linalg.norm(X_std[blob == b] - X_std[blob == b].mean(axis=0), axis=1))
        ]
        for b in range(8)
    ]
    np.testing.assert_array_equal(sampler.sample_indices_, central)
    package = ScoreAblationASSS(**settings).fit(X, y)
    assert not np.array_equal(package.sample_indices_, central)


def test_medoid_retrieval_variants_and_the_budget_bound(data):
    X, y = data
    settings = dict(ablation="selector", keep_ratio=0.3, random_state=0, max_epochs=2,
                    min_samples_per_class=5, label_filter=None)  # fmt: skip
    package = ScoreAblationASSS(**settings).fit(X, y)
    budgets = package.class_budgets_
    for retrieval in ("medoids", "credible_medoids", "confident_medoids",
                      "top_score_per_cluster"):  # fmt: skip
        kept = ScoreAblationASSS(retrieval=retrieval, **settings).fit(X, y).sample_indices_
        np.testing.assert_array_equal(np.bincount(y[kept]), budgets)
    credible = ScoreAblationASSS(retrieval="credible_medoids", **settings).fit(X, y)
    p = credible.selection_scores_
    for c, budget in enumerate(budgets):
        rows = np.flatnonzero(y == c)
        kept_c = np.intersect1d(credible.sample_indices_, rows)
        upper = rows[np.argsort(-p[rows], kind="stable")[: max(budget, -(-len(rows) // 2))]]
        assert np.isin(kept_c, upper).all()
    confident = ScoreAblationASSS(retrieval="confident_medoids", **settings).fit(X, y)
    confidence = np.exp(-confident.task_losses_)
    for c in range(3):
        rows = np.flatnonzero(y == c)
        kept_c = np.intersect1d(confident.sample_indices_, rows)
        assert confidence[kept_c].min() >= confidence[rows].mean()
    # a bound below every budget: the package's retrieval, the same rows
    bounded = ScoreAblationASSS(retrieval="medoids", medoid_max_rows=int(budgets.min()) - 1,
                                **settings).fit(X, y)  # fmt: skip
    np.testing.assert_array_equal(bounded.sample_indices_, package.sample_indices_)


def test_difficulty_strata_retrieval_is_ccs_on_the_task_losses(data):
    X, y = data
    settings = dict(ablation="selector", keep_ratio=0.2, random_state=0, max_epochs=2,
                    min_samples_per_class=5, label_filter=None)  # fmt: skip
    sampler = ScoreAblationASSS(retrieval="difficulty_strata", **settings).fit(X, y)
    kept, losses = sampler.sample_indices_, sampler.task_losses_
    np.testing.assert_array_equal(np.bincount(y[kept]), sampler.class_budgets_)
    for c, budget in enumerate(sampler.class_budgets_):
        rows = np.flatnonzero(y == c)
        by_loss = rows[np.argsort(-losses[rows], kind="stable")]
        hardest, pool = by_loss[: len(rows) // 10], by_loss[len(rows) // 10 :]
        assert not np.isin(hardest, kept).any()
        # CCS's quotas: the budget spread evenly over 50 equal-width strata of the loss
        strata = equal_width_strata(losses[pool], 50)
        quotas = spread_evenly(np.bincount(strata, minlength=50), budget)
        kept_strata = strata[np.isin(pool, kept)]
        np.testing.assert_array_equal(np.bincount(kept_strata, minlength=50), quotas)


def test_ablation_is_a_parameter_of_a_cloneable_estimator():
    sampler = ScoreAblationASSS(ablation="final_confidence", keep_ratio=0.1, max_epochs=3)
    params = clone(sampler).get_params()
    assert params["ablation"] == "final_confidence"
    assert params["keep_ratio"] == 0.1 and params["max_epochs"] == 3
    assert set(params) == set(ASSSSampler().get_params()) | {
        "ablation", "suspect_ratio", "issue_probabilities", "crossfit_epochs", "crossfit_lr",
        "flagged_by", "budgets_from", "retrieval", "medoid_max_rows", "validate_on",
        "validate_with",
    }


def test_unknown_ablation_is_a_clear_error(data):
    X, y = data
    with pytest.raises(ValueError, match="ablation"):
        ScoreAblationASSS(ablation="loss", **QUICK).fit(X, y)


def test_registered_and_usable_as_a_study_variant():
    assert "asss_ablation" in METHODS
    methods = study_methods({"asss_const": {"method": "asss_ablation", "ablation": "constant"}})
    sampler = methods["asss_const"].make(0.3, 0, Study())
    assert isinstance(sampler, ScoreAblationASSS) and sampler.ablation == "constant"


def test_flipped_rows_script_at_a_tiny_scale():
    """bench_flipped_rows.py prints, per fold, the filter's flags and one AUC line per score."""
    settings = json.dumps({**QUICK, "label_filter": "prune_by_noise_rate"})
    done = script_process(
        "bench_flipped_rows", "--dataset", "digits", "--folds", "1", "--set", settings
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "flipped share of the subset" in lines[1]
    accuracy = float(lines[1].rsplit("held-out accuracy", 1)[1])
    assert 0.5 < accuracy <= 1  # digits is easy: the game's network learns it
    flags = lines[2].strip()
    assert flags.startswith("label filter flags") and "precision" in flags and "recall" in flags
    shares = [float(v.rstrip("%;")) for v in flags.split("per class")[1].split(";")[0].split()]
    assert len(shares) == 10 and all(0 <= v <= 100 for v in shares)
    for name, line in zip(["1 - p", "task loss"], lines[3:5]):
        assert line.strip().startswith(name)
        values = [float(v.rstrip(";")) for v in line.split(":")[1].replace("all rows", "")
                  .replace("per class", "").split()]  # fmt: skip
        assert len(values) == 11 and all(0 <= v <= 1 for v in values)


def test_crossfit_networks_train_the_epochs_and_learning_rate_asked(monkeypatch):
    from sklearn_asss.benchmark import _ablation

    X, y, _ = _noisy_labels(400, 0.2, seed=0)
    trained = []

    def recording(*args, **kwargs):
        trained.append((kwargs["max_epochs"], kwargs["lr"]))
        return fit_task_classifier(*args, **kwargs)

    monkeypatch.setattr(_ablation, "fit_task_classifier", recording)
    settings = dict(ablation="selector", issue_probabilities="crossfit", keep_ratio=0.3,
                    random_state=0, max_epochs=3, warmup_epochs=1)  # fmt: skip
    ScoreAblationASSS(**settings).fit(X, y)
    ScoreAblationASSS(crossfit_epochs=2, crossfit_lr=3e-3, **settings).fit(X, y)
    assert trained == [(4, 1e-3), (4, 1e-3), (2, 3e-3), (2, 3e-3)]


def test_validated_retrieval_keeps_the_candidate_whose_forest_scores_best():
    """Four tight blobs per class: the medoid candidate is each blob's most central row."""
    X, y, blob, settings = _blobs()
    medoids = ScoreAblationASSS(retrieval="medoids", **settings).fit(X, y).sample_indices_
    sampler = ScoreAblationASSS(retrieval="validated", **settings).fit(X, y)
    np.testing.assert_array_equal(sampler.candidates_["medoids"], medoids)
    package = sampler.candidates_["package"]
    np.testing.assert_array_equal(np.bincount(y[package]), sampler.class_budgets_)
    scores = sampler.validation_scores_
    assert set(scores) == {"package", "medoids"} and all(0 <= s <= 1 for s in scores.values())
    best = "medoids" if scores["medoids"] > scores["package"] else "package"
    assert sampler.chosen_retrieval_ == best
    np.testing.assert_array_equal(sampler.sample_indices_, sampler.candidates_[best])
    valid = sampler.validation_rows_
    assert len(valid) == len(y) - len(np.union1d(package, medoids))
    assert not np.isin(valid, np.union1d(package, medoids)).any()


def test_validated_retrieval_scores_on_unflagged_rows_when_asked(data):
    X, y = data
    settings = dict(ablation="selector", retrieval="validated", keep_ratio=0.2, max_epochs=2,
                    random_state=0, min_samples_per_class=5)  # fmt: skip
    every = ScoreAblationASSS(**settings).fit(X, y)
    unflagged = ScoreAblationASSS(validate_on="unflagged", **settings).fit(X, y)
    assert every.label_issues_.any()
    assert every.label_issues_[every.validation_rows_].any()
    assert not unflagged.label_issues_[unflagged.validation_rows_].any()
    for sampler in (every, unflagged):
        assert not np.isin(sampler.validation_rows_, sampler.sample_indices_).any()


@pytest.mark.parametrize("model", ["forest", "mlp"])
def test_validation_scores_rank_a_subset_that_covers_every_class_first(model):
    from sklearn_asss.benchmark._ablation import _validation_scores

    X, y = make_classification(n_samples=600, n_features=6, n_informative=4, n_classes=3,
                               random_state=1)  # fmt: skip
    rng = np.random.RandomState(0)
    covering = np.concatenate([rng.choice(np.flatnonzero(y == c), 20, replace=False)
                               for c in range(3)])  # fmt: skip
    one_class = np.concatenate([rng.choice(np.flatnonzero(y == 0), 58, replace=False),
                                np.flatnonzero(y == 1)[:1], np.flatnonzero(y == 2)[:1]])
    valid = np.setdiff1d(np.arange(len(y)), np.union1d(covering, one_class))
    X = X.astype(np.float32)
    scores = _validation_scores({"covering": covering, "one_class": one_class}, X, y, valid,
                                np.random.RandomState(0), model)  # fmt: skip
    assert scores["covering"] > scores["one_class"] + 0.1
    assert _validation_scores({"a": covering}, X, y, valid[:0], rng) == {"a": 0.0}


def test_validation_by_the_mlp_trains_on_each_candidate_on_the_samplers_device(monkeypatch):
    from sklearn_asss.benchmark import _ablation

    X, y, blob, settings = _blobs()
    trained = []

    def recording(X_rows, y_rows, n_classes, **kwargs):
        trained.append((len(y_rows), kwargs.get("device")))
        return fit_task_classifier(X_rows, y_rows, n_classes, **kwargs)

    monkeypatch.setattr(_ablation, "fit_task_classifier", recording)
    sampler = ScoreAblationASSS(retrieval="validated", validate_with="mlp", **settings)
    sampler.fit(X, y)
    assert trained == [(8, "cpu"), (8, "cpu")]
    assert sampler.chosen_retrieval_ in ("package", "medoids")
