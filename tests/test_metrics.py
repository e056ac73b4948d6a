import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from sklearn_asss.metrics import (
    classification_scores,
    duplicate_share,
    paired_wilcoxon,
    performance_retention_rate,
    roc_auc_ovr_macro,
)


def test_prr_is_the_ratio():
    assert performance_retention_rate(0.75, 0.96) == pytest.approx(0.78125)
    assert isinstance(performance_retention_rate(0.5, 0.5), float)
    np.testing.assert_allclose(performance_retention_rate([0.9, 1.1], [0.9, 1.0]), [1.0, 1.1])


@pytest.mark.parametrize("reference", [0.0, -0.1])
def test_prr_rejects_non_positive_reference(reference):
    with pytest.raises(ValueError, match="positive"):
        performance_retention_rate(0.5, reference)


def test_prr_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        performance_retention_rate(np.nan, 0.5)


def test_auc_matches_scikit_learn_when_all_classes_present():
    rng = np.random.RandomState(0)
    y = rng.randint(0, 3, 200)
    proba = rng.dirichlet(np.ones(3), 200)
    expected = roc_auc_score(y, proba, multi_class="ovr", average="macro")
    assert roc_auc_ovr_macro(y, proba) == pytest.approx(expected)


def test_auc_skips_classes_absent_from_y_true():
    y = np.array([0, 0, 1, 1])
    proba = np.array([[0.9, 0.1, 0.0], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.1, 0.5, 0.4]])
    # class 2 is absent: only classes 0 and 1 count, both perfectly ranked
    assert roc_auc_ovr_macro(y, proba) == 1.0
    # with labels, the columns are matched to the classes they name
    assert roc_auc_ovr_macro(np.array(["a", "a", "b", "b"]), proba, labels=["a", "b", "c"]) == 1.0
    assert np.isnan(roc_auc_ovr_macro(np.zeros(4, int), proba))


def test_auc_shape_errors():
    with pytest.raises(ValueError, match="shape"):
        roc_auc_ovr_macro([0, 1], np.ones((3, 2)))
    with pytest.raises(ValueError, match="labels"):
        roc_auc_ovr_macro([0, 1], np.ones((2, 2)), labels=[0, 1, 2])


def test_classification_scores():
    y = np.array([0, 1, 1, 2])
    proba = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.5, 0.4, 0.1], [0.1, 0.1, 0.8]])
    scores = classification_scores(y, proba)
    assert list(scores) == ["accuracy", "f1_macro", "roc_auc_ovr"]
    assert scores["accuracy"] == 0.75
    # F1: class 0 2/3, class 1 2/3, class 2 1
    assert scores["f1_macro"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
    labelled = classification_scores(np.array(["a", "b", "b", "c"]), proba, labels=["a", "b", "c"])
    assert labelled == scores


def test_wilcoxon_edge_cases():
    assert paired_wilcoxon([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == 1.0
    assert np.isnan(paired_wilcoxon([np.nan], [1.0]))
    # 5 pairs all in favour: the smallest two-sided exact p-value, 2 / 2**5
    assert paired_wilcoxon([2, 3, 4, 5, 6], [1, 1, 1, 1, 1]) == pytest.approx(0.0625)
    assert paired_wilcoxon([2, 3, 4, 5, 6], [1, 1, 1, 1, 1], "greater") == pytest.approx(1 / 32)
    # NaN pairs are dropped, not propagated
    p = paired_wilcoxon([2, 3, 4, 5, 6, np.nan], [1, 1, 1, 1, 1, 0])
    assert p == pytest.approx(0.0625)
    with pytest.raises(ValueError, match="same length"):
        paired_wilcoxon([1, 2], [1, 2, 3])


def test_duplicate_share():
    X = np.array([[0.0, 1.0], [0.0, 1.0], [2.0, 3.0], [-0.0, 1.0]])
    assert duplicate_share(X) == 0.5  # -0.0 repeats 0.0
    assert duplicate_share(np.arange(6).reshape(3, 2)) == 0.0
    assert duplicate_share(np.empty((0, 3))) == 0.0
    X_before = X.copy()
    duplicate_share(X)
    np.testing.assert_array_equal(X, X_before)
    with pytest.raises(ValueError, match="2-d"):
        duplicate_share([1, 2, 3])
