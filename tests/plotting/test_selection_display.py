import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.preprocessing import StandardScaler

from sklearn_asss import RandomSampler
from sklearn_asss.plotting import SelectionDisplay


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def fitted(iris):
    X, y = iris
    return RandomSampler(keep_ratio=0.3, random_state=0).fit(X, y)


class _ScoredSampler:
    """A fitted object with the attributes of a scoring sampler."""

    def __init__(self, indices, scores):
        self.sample_indices_ = np.asarray(indices)
        self.selection_scores_ = np.asarray(scores)

    def fit(self, X, y):  # pragma: no cover - only makes it an estimator
        return self


def test_from_sampler_draws_kept_and_dropped(iris, fitted):
    X, y = iris
    display = SelectionDisplay.from_sampler(fitted, X, y)
    expected = np.zeros(len(y), dtype=bool)
    expected[fitted.sample_indices_] = True
    np.testing.assert_array_equal(display.kept, expected)
    assert len(display.kept_artist_.get_offsets()) == len(fitted.sample_indices_)
    assert len(display.dropped_artist_.get_offsets()) == len(y) - len(
        fitted.sample_indices_
    )
    assert display.ax_.get_title() == "RandomSampler: 45 of 150 kept"
    assert display.ax_.get_xlabel() == "PCA 1"
    assert display.figure_ is display.ax_.figure
    assert display.highlight_artist_ is None and display.colorbar_ is None
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels == ["0", "1", "2", "kept", "dropped"]


def test_pca_embedding_matches_principal_components(iris, fitted):
    X, y = iris
    display = SelectionDisplay.from_sampler(fitted, X, y, random_state=0)
    reference = PCA(n_components=2).fit_transform(X)
    # principal components are defined up to their sign
    np.testing.assert_allclose(np.abs(display.embedding), np.abs(reference), atol=1e-8)
    np.testing.assert_allclose(
        display.kept_artist_.get_offsets(), display.embedding[display.kept]
    )


def test_precomputed_projection_and_shared_coordinates(iris, fitted):
    X, y = iris
    first = SelectionDisplay.from_sampler(fitted, X, y, projection="tsne",
                                          random_state=0)
    other = RandomSampler(keep_ratio=0.5, random_state=1).fit(X, y)
    second = SelectionDisplay.from_sampler(other, X, y, projection=first.embedding)
    np.testing.assert_array_equal(second.embedding, first.embedding)
    assert second.ax_.get_xlabel() == "component 1"
    third = SelectionDisplay.from_sampler(other, X, y, projection=first.embedding,
                                          axis_labels=first.axis_labels)
    assert third.ax_.get_ylabel() == "t-SNE 2"
    np.testing.assert_allclose(
        second.kept_artist_.get_offsets(), first.embedding[other.sample_indices_]
    )
    assert first.ax_.get_xlabel() == "t-SNE 1"


def test_projection_none_uses_the_two_columns(iris):
    X, y = iris
    frame = pd.DataFrame(X[:, :2], columns=["sepal length", "sepal width"])
    display = SelectionDisplay.from_indices(frame, y, [0, 5, 60], projection=None)
    np.testing.assert_array_equal(display.embedding, X[:, :2])
    assert display.ax_.get_xlabel() == "sepal length"
    assert display.ax_.get_ylabel() == "sepal width"
    with pytest.raises(ValueError, match="has 4 columns"):
        SelectionDisplay.from_indices(X, y, [0], projection=None)


def test_max_points_keeps_rows_consistent(iris, fitted):
    X, y = iris
    row_ids = np.c_[np.arange(len(y)), np.zeros(len(y))].astype(float)
    display = SelectionDisplay.from_sampler(
        fitted, X, y, projection=row_ids, max_points=40, random_state=0
    )
    rows = display.embedding[:, 0].astype(int)
    assert len(rows) == 40 and len(np.unique(rows)) == 40
    np.testing.assert_array_equal(display.kept, np.isin(rows, fitted.sample_indices_))
    np.testing.assert_array_equal(display.y, y[rows])
    again = SelectionDisplay.from_sampler(
        fitted, X, y, projection=row_ids, max_points=40, random_state=0
    )
    np.testing.assert_array_equal(again.embedding, display.embedding)


def test_color_by_score_uses_selection_scores(iris):
    X, y = iris
    scores = np.linspace(0, 1, len(y))
    sampler = _ScoredSampler([3, 70, 140], scores)
    display = SelectionDisplay.from_sampler(sampler, X, y, color="score")
    np.testing.assert_allclose(display.kept_artist_.get_array(), scores[[3, 70, 140]])
    assert display.colorbar_ is not None
    assert display.colorbar_.ax.get_ylabel() == "selection score p"
    with pytest.raises(ValueError, match="needs selection scores"):
        SelectionDisplay.from_indices(X, y, [3], color="score")
    with pytest.raises(ValueError, match='color must be "class" or "score"'):
        SelectionDisplay.from_indices(X, y, [3], color="blue")


def test_highlight_marks_rows(iris, fitted):
    X, y = iris
    highlight = np.zeros(len(y), dtype=bool)
    highlight[[1, 2, 100]] = True
    display = SelectionDisplay.from_sampler(
        fitted, X, y, highlight=highlight, highlight_label="flipped"
    )
    np.testing.assert_allclose(
        display.highlight_artist_.get_offsets(), display.embedding[[1, 2, 100]]
    )
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert "flipped" in labels


def test_draws_on_given_axes_and_without_labels(iris):
    import matplotlib.pyplot as plt

    X, _ = iris
    _, ax = plt.subplots()
    display = SelectionDisplay.from_indices(X, None, [0, 1], ax=ax, name="mine",
                                            legend=False)
    assert display.ax_ is ax
    assert ax.get_title() == "mine: 2 of 150 kept"
    assert ax.get_legend() is None


def test_inputs_are_not_modified(iris, fitted):
    X, y = iris
    X_copy, y_copy = X.copy(), y.copy()
    SelectionDisplay.from_sampler(fitted, X, y, max_points=50, random_state=0)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(y, y_copy)


def test_bad_input(iris, fitted):
    X, y = iris
    with pytest.raises(NotFittedError):
        SelectionDisplay.from_sampler(RandomSampler(), X, y)
    with pytest.raises(TypeError, match="exposes no sample_indices_"):
        SelectionDisplay.from_sampler(StandardScaler().fit(X), X, y)
    with pytest.raises(ValueError, match=r"indices must lie in \[0, 20\)"):
        SelectionDisplay.from_sampler(fitted, X[:20], y[:20])
    with pytest.raises(TypeError, match="integer row positions"):
        SelectionDisplay.from_indices(X, y, [0.5, 1.0])
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        SelectionDisplay.from_indices(X, y[:10], [0])
    with pytest.raises(ValueError, match="projection must be"):
        SelectionDisplay.from_indices(X, y, [0], projection="umap")
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\)"):
        SelectionDisplay.from_indices(X, y, [0], projection=np.zeros((150, 3)))
    with pytest.raises(ValueError, match="scores has 3 entries"):
        SelectionDisplay.from_indices(X, y, [0], scores=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="max_points must be a positive int"):
        SelectionDisplay.from_indices(X, y, [0], max_points=0)
    with pytest.raises(ValueError, match="axis_labels must hold two labels"):
        SelectionDisplay.from_indices(X, y, [0], axis_labels=("x",))
    with pytest.raises(ValueError, match="highlight has 2 entries"):
        SelectionDisplay.from_indices(X, y, [0], highlight=[True, False])


def test_clear_error_without_matplotlib(iris, fitted, monkeypatch):
    X, y = iris
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="requires matplotlib.*pip install"):
        SelectionDisplay.from_sampler(fitted, X, y)
