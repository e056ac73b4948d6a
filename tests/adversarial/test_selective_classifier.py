"""SelectiveAdversarialClassifier: cost accounting, modes, sklearn integration, errors."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sklearn_asss.adversarial import (
    SelectiveAdversarialClassifier,
    make_robust_scorer,
    n_perturbed,
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    rows = np.random.RandomState(0).permutation(len(y))[:400]
    return (X[rows] / 16.0).astype(np.float32), y[rows].astype(np.int64)


def _clf(**params):
    defaults = dict(epsilon=0.1, n_steps=3, max_epochs=3, batch_size=64, clip=(0.0, 1.0),
                    module__hidden_layer_sizes=(32,), lr=1e-2, random_state=0)
    defaults.update(params)
    return SelectiveAdversarialClassifier(**defaults)


@pytest.mark.parametrize("selection, ratio", [("margin", 0.25), ("gradient", 0.5),
                                              ("random", 0.3), ("all", 0.25)])
def test_passes_are_counted_per_epoch_and_in_total(digits, selection, ratio):
    X, y = digits
    clf = _clf(selection=selection, perturb_ratio=ratio, warmup_epochs=1).fit(X, y)
    batch_sizes = [64] * (len(y) // 64) + ([len(y) % 64] if len(y) % 64 else [])
    k = [n if selection == "all" else n_perturbed(n, ratio) for n in batch_sizes]
    per_epoch = sum(k) * 3
    assert clf.history_[:, "adv_passes"] == [per_epoch] * 3
    assert clf.adversarial_passes_ == 3 * per_epoch
    expected_rules = ["random" if selection in ("margin", "gradient") else selection] + [selection] * 2
    assert clf.history_[:, "adv_selection"] == expected_rules
    # the classifier learned something on its own training data
    assert np.mean(clf.predict(X) == y) > 0.5


def test_partial_fit_accumulates_passes_and_keeps_warmup_done(digits):
    X, y = digits
    clf = _clf(max_epochs=1, warmup_epochs=1).fit(X, y)
    first = clf.adversarial_passes_
    clf.partial_fit(X, y)
    assert clf.adversarial_passes_ == 2 * first
    assert clf.history_[:, "adv_selection"] == ["random", "margin"]


def test_attack_runs_in_eval_mode_and_loss_in_train_mode(digits):
    X, y = digits
    modes = []

    class Recorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(64, 16), torch.nn.ReLU(),
                                           torch.nn.Dropout(0.2), torch.nn.Linear(16, 10))

        def forward(self, X):
            modes.append((self.training, len(X)))
            return self.net(X)

    clf = SelectiveAdversarialClassifier(
        module=Recorder, selection="random", perturb_ratio=0.25, epsilon=0.1, n_steps=4,
        max_epochs=1, batch_size=100, random_state=0,
    )
    clf.fit(X, y)
    # per batch: clean forward (train, 100 rows), 4 PGD steps (eval, 25 rows),
    # forward of the perturbed rows (train, 25 rows)
    per_batch = [(True, 100)] + [(False, 25)] * 4 + [(True, 25)]
    assert modes == per_batch * 4
    assert clf.module_.training  # train mode restored after the last attack


def test_reproducible_and_global_rng_untouched(digits):
    X, y = digits
    state = torch.random.get_rng_state()
    a = _clf(selection="margin", warmup_epochs=1).fit(X, y).predict_proba(X)
    b = _clf(selection="margin", warmup_epochs=1).fit(X, y).predict_proba(X)
    c = _clf(selection="margin", warmup_epochs=1, random_state=1).fit(X, y).predict_proba(X)
    assert torch.equal(torch.random.get_rng_state(), state)
    np.testing.assert_allclose(a, b)
    assert not np.allclose(a, c)


def test_float64_input_module_sizes_inferred_and_clone(digits):
    X, y = digits
    clf = _clf(max_epochs=1)
    clf.fit(X.astype(np.float64), y.astype(np.int32))
    assert clf.n_features_in_ == 64
    assert clf.module_.net[-1].out_features == 10
    params = clone(clf).get_params()
    assert params["selection"] == "margin" and params["perturb_ratio"] == 0.25
    assert params["module__hidden_layer_sizes"] == (32,)


def test_pickle_round_trip(digits):
    X, y = digits
    clf = _clf(max_epochs=1).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(restored.predict_proba(X), clf.predict_proba(X))
    assert restored.adversarial_passes_ == clf.adversarial_passes_
    restored.partial_fit(X, y)  # and it can go on training
    assert restored.adversarial_passes_ == 2 * clf.adversarial_passes_


def test_pipeline_grid_search_with_robust_scorer(digits):
    X, y = digits
    pipe = make_pipeline(MinMaxScaler(), _clf(max_epochs=2, n_steps=2))
    scorer = make_robust_scorer(0.1, n_steps=5, clip=(0.0, 1.0))
    search = GridSearchCV(
        pipe,
        {"selectiveadversarialclassifier__perturb_ratio": [0.25, 1.0]},
        scoring={"robust": scorer, "clean": "accuracy"},
        refit="robust",
        cv=2,
    )
    search.fit(X, y)
    robust = search.cv_results_["mean_test_robust"]
    clean = search.cv_results_["mean_test_clean"]
    assert np.all((robust >= 0) & (robust <= 1))
    assert np.all(robust <= clean + 1e-9)  # an attack never helps
    # the refit is the pipeline fitted by hand with the best parameters
    manual = clone(pipe).set_params(**search.best_params_).fit(X, y)
    np.testing.assert_allclose(
        search.best_estimator_.predict_proba(X), manual.predict_proba(X), rtol=1e-5
    )
    assert 0 <= scorer(search.best_estimator_, X, y) <= 1


def test_robust_scorer_semantics(digits):
    X, y = digits
    clf = _clf(max_epochs=3).fit(X, y)
    clean = np.mean(clf.predict(X) == y)
    assert make_robust_scorer(0.0, n_steps=3)(clf, X, y) == pytest.approx(clean)
    weak = make_robust_scorer(0.02, n_steps=10, clip=(0, 1))(clf, X, y)
    strong = make_robust_scorer(0.3, n_steps=10, clip=(0, 1))(clf, X, y)
    assert strong < weak <= clean
    scores = cross_validate(
        make_pipeline(StandardScaler(), _clf(max_epochs=1, clip=None)), X, y, cv=2,
        scoring=make_robust_scorer(0.1, n_steps=2),
    )
    assert scores["test_score"].shape == (2,)
    with pytest.raises(TypeError, match="module_"):
        make_robust_scorer(0.1)(StandardScaler().fit(X), X, y)
    with pytest.raises(ValueError, match="epsilon"):
        make_robust_scorer(-0.1)


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(perturb_ratio=0.0), "perturb_ratio"),
        (dict(perturb_ratio=1.5), "perturb_ratio"),
        (dict(perturb_ratio=-0.2), "perturb_ratio"),
        (dict(epsilon=-0.1), "epsilon"),
        (dict(selection="loss"), "selection"),
        (dict(n_steps=0), "n_steps"),
        (dict(norm="l1"), "norm"),
        (dict(clean_weight=-1.0), "clean_weight"),
        (dict(warmup_epochs=-1), "warmup_epochs"),
        (dict(step_size=-0.5), "step_size"),
    ],
)
def test_bad_parameters_raise_value_error(digits, params, match):
    X, y = digits
    clf = _clf(**params)  # __init__ only stores
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y)


def test_bad_labels_raise(digits):
    X, y = digits
    with pytest.raises(ValueError, match="class indices"):
        _clf(max_epochs=1).fit(X, y.astype(str))
