"""Kept against dropped samples in two dimensions, in scikit-learn's Display style."""

from numbers import Integral

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_array, check_consistent_length, check_random_state
from sklearn.utils.validation import check_is_fitted, column_or_1d

from .._utils import draw_seed
from ._utils import check_matplotlib

_PROJECTIONS = ("pca", "tsne")


class SelectionDisplay:
    """Kept against dropped samples of a subsampler, drawn in two dimensions.

    Every training row is a point of a 2-D embedding of the features (PCA by
    default, t-SNE optionally): the kept rows are drawn solid with a dark
    edge, the dropped rows faded, both in the colour of their class (or of
    their selection score). The picture answers the first question about a
    subsampler: *which* rows did it keep? Rows near the class boundaries,
    the centre of each cluster, or a uniform spread?

    Build it with :meth:`from_sampler` (a fitted sampler of this package, or
    any object exposing ``sample_indices_``) or :meth:`from_indices` (any set
    of row indices); the constructor only stores what it is given.

    Parameters
    ----------
    embedding : ndarray of shape (n_samples, 2)
        Coordinates of the points.

    kept : ndarray of bool of shape (n_samples,)
        True for the kept rows.

    y : ndarray of shape (n_samples,), default=None
        Class labels, used for the colours. None draws every point in one
        colour.

    scores : ndarray of shape (n_samples,), default=None
        Selection scores (for :class:`~sklearn_asss.ASSSSampler`, the
        probabilities ``p`` of ``selection_scores_``), needed by
        ``plot(color="score")``.

    highlight : ndarray of bool of shape (n_samples,), default=None
        Rows to mark with a cross, for instance the rows whose label was
        flipped on purpose.

    highlight_label : str, default="highlighted"
        Legend entry of the highlighted rows.

    name : str, default=None
        Name of the sampler, shown in the title.

    axis_labels : tuple of two str, default=("component 1", "component 2")
        Labels of the horizontal and vertical axes.

    Attributes
    ----------
    kept_artist_ : matplotlib PathCollection
        The kept points.

    dropped_artist_ : matplotlib PathCollection
        The dropped points.

    highlight_artist_ : matplotlib PathCollection or None
        The crosses over the highlighted rows, None when there are none.

    colorbar_ : matplotlib Colorbar or None
        The colour bar of ``plot(color="score")``, None otherwise.

    ax_ : matplotlib Axes
        The axes of the picture.

    figure_ : matplotlib Figure
        The figure of the picture.

    See Also
    --------
    plot_history : Training curves of :class:`~sklearn_asss.ASSSSampler`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_iris
    >>> from sklearn_asss import RandomSampler
    >>> from sklearn_asss.plotting import SelectionDisplay
    >>> X, y = load_iris(return_X_y=True)
    >>> sampler = RandomSampler(keep_ratio=0.3, random_state=0).fit(X, y)
    >>> display = SelectionDisplay.from_sampler(sampler, X, y)
    >>> int(display.kept.sum())
    45
    """

    def __init__(
        self,
        embedding,
        kept,
        *,
        y=None,
        scores=None,
        highlight=None,
        highlight_label="highlighted",
        name=None,
        axis_labels=("component 1", "component 2"),
    ):
        self.embedding = embedding
        self.kept = kept
        self.y = y
        self.scores = scores
        self.highlight = highlight
        self.highlight_label = highlight_label
        self.name = name
        self.axis_labels = axis_labels

    def plot(
        self,
        *,
        ax=None,
        color="class",
        legend=True,
        title=None,
        kept_kw=None,
        dropped_kw=None,
    ):
        """Draw the picture.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on. None makes a new figure.

        color : {"class", "score"}, default="class"
            ``"class"`` colours every point by its label; ``"score"`` by its
            selection score (``scores`` must be set), with a colour bar.

        legend : bool, default=True
            Whether to draw the legend: kept, dropped, the highlighted rows
            and, for ``color="class"`` with at most 10 classes, the classes.

        title : str, default=None
            Title of the axes. None writes the sampler's name and how many of
            the drawn rows were kept.

        kept_kw : dict, default=None
            Keyword arguments passed to ``ax.scatter`` for the kept points,
            overriding the defaults.

        dropped_kw : dict, default=None
            Keyword arguments passed to ``ax.scatter`` for the dropped points,
            overriding the defaults.

        Returns
        -------
        display : SelectionDisplay
            The object, with ``ax_``, ``figure_`` and the artists set.
        """
        plt = check_matplotlib(f"{type(self).__name__}.plot")
        from matplotlib.lines import Line2D

        if color not in ("class", "score"):
            raise ValueError(f'color must be "class" or "score"; got {color!r}.')
        embedding = np.asarray(self.embedding, dtype=float)
        kept = np.asarray(self.kept, dtype=bool)
        if embedding.ndim != 2 or embedding.shape[1] != 2:
            raise ValueError(
                f"embedding must have shape (n_samples, 2); got {embedding.shape}."
            )
        if kept.shape != (embedding.shape[0],):
            raise ValueError(
                f"kept must have one entry per row of the embedding "
                f"({embedding.shape[0]}); got shape {kept.shape}."
            )
        if ax is None:
            _, ax = plt.subplots()

        handles = []
        if color == "score":
            if self.scores is None:
                raise ValueError(
                    'color="score" needs selection scores; the sampler exposes no '
                    "selection_scores_ and none were given."
                )
            values = np.asarray(self.scores, dtype=float)
            common = {"c": values, "cmap": "viridis", "vmin": np.min(values),
                      "vmax": np.max(values)}
        else:
            colors, class_handles = _class_colors(self.y, len(kept))
            common = {}
            if len(class_handles) <= 10:
                handles.extend(class_handles)

        # faded, but less so when the colour carries the score
        dropped_alpha = 0.6 if color == "score" else 0.3
        dropped_style = {"s": 10, "alpha": dropped_alpha, "linewidths": 0,
                         "label": "dropped"}
        kept_style = {"s": 28, "alpha": 0.95, "edgecolors": "black",
                      "linewidths": 0.6, "label": "kept"}
        dropped_style.update(dropped_kw or {})
        kept_style.update(kept_kw or {})

        def _subset(mask):
            if color == "score":
                return {**common, "c": common["c"][mask]}
            return {"c": colors[mask]}

        self.dropped_artist_ = ax.scatter(
            embedding[~kept, 0], embedding[~kept, 1], **{**_subset(~kept), **dropped_style}
        )
        self.kept_artist_ = ax.scatter(
            embedding[kept, 0], embedding[kept, 1], **{**_subset(kept), **kept_style}
        )
        handles.append(Line2D([], [], marker="o", linestyle="", color="0.55",
                              markeredgecolor="black", label="kept"))
        handles.append(Line2D([], [], marker="o", linestyle="", color="0.55",
                              alpha=0.3, markeredgewidth=0, label="dropped"))

        self.highlight_artist_ = None
        if self.highlight is not None:
            highlight = np.asarray(self.highlight, dtype=bool)
            if highlight.shape != kept.shape:
                raise ValueError(
                    f"highlight must have one entry per point ({len(kept)}); got "
                    f"shape {highlight.shape}."
                )
            self.highlight_artist_ = ax.scatter(
                embedding[highlight, 0], embedding[highlight, 1], marker="x", s=20,
                c="red", linewidths=0.9, label=self.highlight_label,
            )
            handles.append(Line2D([], [], marker="x", linestyle="", color="red",
                                  label=self.highlight_label))

        self.colorbar_ = None
        if color == "score":
            self.colorbar_ = ax.figure.colorbar(self.kept_artist_, ax=ax)
            self.colorbar_.set_label("selection score p")

        if title is None:
            name = self.name if self.name is not None else "Selection"
            title = f"{name}: {int(kept.sum())} of {len(kept)} kept"
        ax.set_title(title)
        ax.set_xlabel(self.axis_labels[0])
        ax.set_ylabel(self.axis_labels[1])
        if legend:
            ax.legend(handles=handles, loc="best", fontsize="small", framealpha=0.8)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_sampler(
        cls,
        sampler,
        X,
        y,
        *,
        projection="pca",
        max_points=None,
        highlight=None,
        highlight_label="highlighted",
        name=None,
        axis_labels=None,
        random_state=None,
        ax=None,
        color="class",
        legend=True,
        title=None,
        kept_kw=None,
        dropped_kw=None,
    ):
        """Draw the rows a fitted sampler kept against those it dropped.

        Parameters
        ----------
        sampler : fitted sampler
            A sampler of this package, or any fitted object with a
            ``sample_indices_`` attribute (imbalanced-learn's under-samplers
            have one). Its ``selection_scores_``, when present, are used by
            ``color="score"``.

        X : {array-like, dataframe} of shape (n_samples, n_features)
            The data the sampler was fitted on (its rows in the same order).

        y : array-like of shape (n_samples,)
            The labels the sampler was fitted on.

        projection : {"pca", "tsne"}, ndarray of shape (n_samples, 2) or None, \
                default="pca"
            How the rows are placed in the plane: the first two principal
            components of `X`, a t-SNE embedding (slow beyond a few thousand
            rows: combine it with `max_points`), precomputed coordinates (for
            instance ``display.embedding`` of another display, so that several
            samplers are drawn in the same coordinates), or None to use the
            two columns of a 2-feature `X` as they are. Standardise `X`
            beforehand when its features have different scales.

        max_points : int, default=None
            Draw at most this many rows, chosen uniformly at random
            (``random_state``), so that large data sets stay readable and
            t-SNE stays fast. None draws every row.

        highlight : array-like of bool of shape (n_samples,), default=None
            Rows to mark with a red cross (for instance rows whose label is
            known to be wrong).

        highlight_label : str, default="highlighted"
            Legend entry of the highlighted rows.

        name : str, default=None
            Name in the title. None uses the sampler's class name.

        axis_labels : tuple of two str, default=None
            Labels of the axes. None names them after the projection ("PCA 1",
            "t-SNE 1", the column names of `X`, or "component 1" for a
            precomputed embedding: pass ``display.axis_labels`` along with
            ``display.embedding``).

        random_state : int, RandomState instance or None, default=None
            Seeds the PCA solver, t-SNE and the choice of `max_points` rows.

        ax : matplotlib Axes, default=None
            Axes to draw on. None makes a new figure.

        color : {"class", "score"}, default="class"
            Colour the points by label, or by selection score.

        legend : bool, default=True
            Whether to draw the legend.

        title : str, default=None
            Title of the axes; None writes the name and the kept count.

        kept_kw, dropped_kw : dict, default=None
            Keyword arguments passed to ``ax.scatter`` for the kept and the
            dropped points.

        Returns
        -------
        display : SelectionDisplay
            The display, already drawn.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_wine
        >>> from sklearn_asss import KMeansSampler, RandomSampler
        >>> from sklearn_asss.plotting import SelectionDisplay
        >>> X, y = load_wine(return_X_y=True)
        >>> kmeans = KMeansSampler(random_state=0).fit(X, y)
        >>> first = SelectionDisplay.from_sampler(kmeans, X, y, random_state=0)
        >>> random = RandomSampler(random_state=0).fit(X, y)
        >>> second = SelectionDisplay.from_sampler(  # the same coordinates
        ...     random, X, y, projection=first.embedding, axis_labels=first.axis_labels)
        >>> second.ax_.get_xlabel()
        'PCA 1'
        """
        check_matplotlib(f"{cls.__name__}.from_sampler")
        if not hasattr(sampler, "sample_indices_"):
            try:
                check_is_fitted(sampler)
            except NotFittedError:
                raise
            except (TypeError, AttributeError) as exc:
                raise TypeError(
                    f"sampler must be a fitted sampler with a sample_indices_ "
                    f"attribute; got an object of type {type(sampler).__name__}."
                ) from exc
            raise TypeError(
                f"{type(sampler).__name__} exposes no sample_indices_: "
                "SelectionDisplay.from_sampler needs a sampler that keeps a subset "
                "of the rows. Use SelectionDisplay.from_indices with the kept rows."
            )
        scores = getattr(sampler, "selection_scores_", None)
        return cls.from_indices(
            X,
            y,
            sampler.sample_indices_,
            scores=scores,
            projection=projection,
            max_points=max_points,
            highlight=highlight,
            highlight_label=highlight_label,
            name=type(sampler).__name__ if name is None else name,
            axis_labels=axis_labels,
            random_state=random_state,
            ax=ax,
            color=color,
            legend=legend,
            title=title,
            kept_kw=kept_kw,
            dropped_kw=dropped_kw,
        )

    @classmethod
    def from_indices(
        cls,
        X,
        y,
        indices,
        *,
        scores=None,
        projection="pca",
        max_points=None,
        highlight=None,
        highlight_label="highlighted",
        name=None,
        axis_labels=None,
        random_state=None,
        ax=None,
        color="class",
        legend=True,
        title=None,
        kept_kw=None,
        dropped_kw=None,
    ):
        """Draw the rows at `indices` against the other rows of `X`.

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features)
            The data.

        y : array-like of shape (n_samples,) or None
            Labels, for the colours; None draws every point in one colour.

        indices : array-like of int
            Positions (0-based) of the kept rows of `X`.

        scores : array-like of shape (n_samples,), default=None
            Selection scores, for ``color="score"``.

        projection : {"pca", "tsne"}, ndarray of shape (n_samples, 2) or None, \
                default="pca"
            How the rows are placed in the plane; see :meth:`from_sampler`.

        max_points : int, default=None
            Draw at most this many rows, chosen at random.

        highlight : array-like of bool of shape (n_samples,), default=None
            Rows to mark with a red cross.

        highlight_label : str, default="highlighted"
            Legend entry of the highlighted rows.

        name : str, default=None
            Name in the title.

        axis_labels : tuple of two str, default=None
            Labels of the axes; see :meth:`from_sampler`.

        random_state : int, RandomState instance or None, default=None
            Seeds the PCA solver, t-SNE and the choice of `max_points` rows.

        ax : matplotlib Axes, default=None
            Axes to draw on. None makes a new figure.

        color : {"class", "score"}, default="class"
            Colour the points by label, or by selection score.

        legend : bool, default=True
            Whether to draw the legend.

        title : str, default=None
            Title of the axes; None writes the name and the kept count.

        kept_kw, dropped_kw : dict, default=None
            Keyword arguments passed to ``ax.scatter`` for the kept and the
            dropped points.

        Returns
        -------
        display : SelectionDisplay
            The display, already drawn.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_iris
        >>> from sklearn_asss.plotting import SelectionDisplay
        >>> X, y = load_iris(return_X_y=True)
        >>> display = SelectionDisplay.from_indices(X, y, [0, 50, 100],
        ...                                         name="three rows")
        >>> display.ax_.get_title()
        'three rows: 3 of 150 kept'
        """
        check_matplotlib(f"{cls.__name__}.from_indices")
        feature_names = getattr(X, "columns", None)
        X = check_array(X, dtype=[np.float64, np.float32])
        n_samples = X.shape[0]
        if y is not None:
            y = column_or_1d(y)
            check_consistent_length(X, y)
        indices = np.asarray(indices)
        if indices.ndim != 1 or (indices.size and indices.dtype.kind not in "iu"):
            raise TypeError(
                f"indices must be a 1-D array of integer row positions; got dtype "
                f"{indices.dtype} and shape {indices.shape}."
            )
        if indices.size and (indices.min() < 0 or indices.max() >= n_samples):
            raise ValueError(
                f"indices must lie in [0, {n_samples}), the rows of X; got values "
                f"from {indices.min()} to {indices.max()}. Pass the data the "
                "sampler was fitted on."
            )
        kept = np.zeros(n_samples, dtype=bool)
        kept[indices] = True
        if scores is not None:
            scores = column_or_1d(scores).astype(float)
            if len(scores) != n_samples:
                raise ValueError(
                    f"scores has {len(scores)} entries but X has {n_samples} rows; "
                    "pass the data the sampler was fitted on."
                )
        if highlight is not None:
            highlight = column_or_1d(highlight).astype(bool)
            if len(highlight) != n_samples:
                raise ValueError(
                    f"highlight has {len(highlight)} entries but X has {n_samples} "
                    "rows."
                )
        if max_points is not None and (
            not isinstance(max_points, Integral) or max_points < 1
        ):
            raise ValueError(f"max_points must be a positive int; got {max_points!r}.")

        random_state = check_random_state(random_state)
        rows = np.arange(n_samples)
        if max_points is not None and max_points < n_samples:
            rows = np.sort(random_state.choice(n_samples, max_points, replace=False))
        embedding, default_labels = _project(
            X, rows, projection, random_state, feature_names
        )
        if axis_labels is None:
            axis_labels = default_labels
        elif len(axis_labels) != 2:
            raise ValueError(f"axis_labels must hold two labels; got {axis_labels!r}.")

        def take(values):
            return None if values is None else values[rows]

        display = cls(
            embedding,
            kept[rows],
            y=take(y),
            scores=take(scores),
            highlight=take(highlight),
            highlight_label=highlight_label,
            name=name,
            axis_labels=axis_labels,
        )
        return display.plot(
            ax=ax, color=color, legend=legend, title=title, kept_kw=kept_kw,
            dropped_kw=dropped_kw,
        )


def _project(X, rows, projection, random_state, feature_names):
    """2-D coordinates of ``X[rows]`` and the axis labels."""
    n_samples = X.shape[0]
    if projection is None:
        if X.shape[1] != 2:
            raise ValueError(
                f"projection=None draws the two columns of X as they are, but X "
                f"has {X.shape[1]} columns; use projection='pca' or 'tsne'."
            )
        if feature_names is not None:
            labels = (str(feature_names[0]), str(feature_names[1]))
        else:
            labels = ("feature 0", "feature 1")
        return X[rows], labels
    if isinstance(projection, str):
        if projection not in _PROJECTIONS:
            raise ValueError(
                f"projection must be 'pca', 'tsne', an array of shape (n_samples, 2) "
                f"or None; got {projection!r}."
            )
        if X.shape[1] < 2:
            raise ValueError(
                f"projection={projection!r} needs at least 2 features; X has "
                f"{X.shape[1]}."
            )
        seed = draw_seed(random_state)
        if projection == "pca":
            from sklearn.decomposition import PCA

            embedding = PCA(n_components=2, random_state=seed).fit_transform(X)
            return embedding[rows], ("PCA 1", "PCA 2")
        from sklearn.manifold import TSNE

        n_rows = len(rows)
        if n_rows < 3:
            raise ValueError(f"t-SNE needs at least 3 rows; got {n_rows}.")
        perplexity = float(min(30.0, (n_rows - 1) / 3))
        embedding = TSNE(
            n_components=2, init="pca", perplexity=perplexity, random_state=seed
        ).fit_transform(X[rows])
        return embedding, ("t-SNE 1", "t-SNE 2")
    embedding = np.asarray(projection, dtype=float)
    if embedding.shape != (n_samples, 2):
        raise ValueError(
            f"A precomputed projection must have shape (n_samples, 2) = "
            f"({n_samples}, 2); got {embedding.shape}."
        )
    return embedding[rows], ("component 1", "component 2")


def _class_colors(y, n_points):
    """One RGBA colour per point from its class, and one legend handle per class."""
    from matplotlib import colormaps
    from matplotlib.lines import Line2D

    if y is None:
        return np.tile(colormaps["tab10"](0), (n_points, 1)), []
    classes, encoded = np.unique(y, return_inverse=True)
    cmap = colormaps["tab10" if len(classes) <= 10 else "tab20"]
    palette = np.array([cmap(k % cmap.N) for k in range(len(classes))])
    handles = [
        Line2D([], [], marker="o", linestyle="", color=palette[k], label=str(c))
        for k, c in enumerate(classes)
    ]
    return palette[encoded], handles
