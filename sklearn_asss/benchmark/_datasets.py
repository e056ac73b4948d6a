"""The data-set registry: a name -> how to load the table and how to flip its labels.

Every data set is loaded as ``(X, y)`` by its loader (the package's loaders do
their own encoding: kddcup's string columns one-hot, its heavy-tailed counts
``log1p``; connect-4's cells ordinal), then standardised on each training fold
by the runner. Register your own arrays with :func:`register_dataset`.
"""

from dataclasses import dataclass

import numpy as np
from sklearn.preprocessing import StandardScaler

from ..datasets import PANEL_DATASETS

#: The label-noise kinds the runner knows (see :func:`flip_labels`).
NOISE_KINDS = ("symmetric", "pair")


@dataclass(frozen=True)
class Dataset:
    """A named data set: ``load(data_home) -> (X, y)`` and its default label-noise kind.

    Parameters
    ----------
    name : str
        The name used in configs and on the command line.
    load : callable
        ``load(data_home) -> (X, y)``; `data_home` may be None.
    noise_kind : {"symmetric", "pair"}, default="symmetric"
        The kind of label noise used when a study does not name one.
    description : str, default=""
        One line for ``--list`` and the report.
    """

    name: str
    load: object
    noise_kind: str = "symmetric"
    description: str = ""


def _sklearn_loader(name):
    def load(data_home=None):
        from sklearn import datasets

        return getattr(datasets, f"load_{name}")(return_X_y=True)

    return load


def _package_loader(function_name, **kwargs):
    def load(data_home=None):
        from .. import datasets

        loader = getattr(datasets, function_name)
        return loader(data_home=data_home, return_X_y=True, **kwargs)

    return load


#: Every registered data set, by name.
DATASETS = {
    d.name: d
    for d in [
        Dataset("digits", _sklearn_loader("digits"),
                description="scikit-learn's 8x8 digits, 1,797 rows (no download)"),
        Dataset("shuttle", _package_loader("load_shuttle"),
                description="UCI Statlog shuttle, 58,000 rows, 7 classes"),
        Dataset("connect-4", _package_loader("load_connect4"),
                description="UCI Connect-4, 67,557 rows, 3 classes, cells coded -1/0/1"),
        Dataset("kddcup", _package_loader("load_kddcup99"),
                description="the whole KDD Cup 99 10% file, 494,021 rows, 118 columns"),
        *(
            Dataset(table, _package_loader("load_panel", name=table),
                    description=f"panel table {table} (KEEL)")
            for table in PANEL_DATASETS
        ),
    ]
}  # fmt: skip


def register_dataset(name, X=None, y=None, *, load=None, noise_kind="symmetric",
                     description=""):  # fmt: skip
    """Add a data set to :data:`DATASETS`: in-memory arrays or a loader.

    Parameters
    ----------
    name : str
        Its name in studies; an existing entry of that name is replaced.
    X, y : array-like, default=None
        The table and its labels (copied as NumPy arrays).
    load : callable, default=None
        ``load(data_home) -> (X, y)``, instead of `X` and `y`.
    noise_kind : {"symmetric", "pair"}, default="symmetric"
    description : str, default=""

    Returns
    -------
    dataset : Dataset
    """
    if (load is None) == (X is None or y is None):
        raise ValueError("register_dataset needs either X and y, or load.")
    if noise_kind not in NOISE_KINDS:
        raise ValueError(f"noise_kind must be one of {NOISE_KINDS}; got {noise_kind!r}.")
    if load is None:
        X, y = np.array(X), np.array(y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} rows but y has {len(y)}.")

        def load(data_home=None):
            return X.copy(), y.copy()

    dataset = Dataset(name, load, noise_kind, description or "user arrays")
    DATASETS[name] = dataset
    return dataset


def load_dataset(name, data_home=None):
    """``(X, y)`` of the registered data set `name`, X as float64."""
    if name not in DATASETS:
        raise ValueError(f"Unknown data set {name!r}; choose among {sorted(DATASETS)}.")
    X, y = DATASETS[name].load(data_home)
    return np.asarray(X, dtype=np.float64), np.asarray(y)


def load_standardised(name, data_home=None):
    """The whole of data set `name` as the bench scripts fit on it: X standardised over all
    its rows (float32), y as class codes 0 .. n_classes - 1."""
    X, y = load_dataset(name, data_home)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    return X, np.unique(y, return_inverse=True)[1]


def flip_labels(y_encoded, n_classes, rate, kind, random_state):
    """Flip a share `rate` of the labels; return the noisy labels and the flipped mask.

    ``"symmetric"``: each flipped row gets another class drawn uniformly.
    ``"pair"``: every flipped row of class ``k`` gets class ``(k + 1) % n_classes``
    (class-dependent noise: one fixed confusion per class). The rows to flip
    are drawn uniformly over the whole table, so each class loses about
    `rate` of its rows.
    """
    if kind not in NOISE_KINDS:
        raise ValueError(f"noise kind must be one of {NOISE_KINDS}; got {kind!r}.")
    n_flip = int(round(rate * len(y_encoded)))
    flipped = np.zeros(len(y_encoded), dtype=bool)
    y_noisy = y_encoded.copy()
    if n_flip == 0 or n_classes < 2:
        return y_noisy, flipped
    rows = random_state.choice(len(y_encoded), n_flip, replace=False)
    flipped[rows] = True
    shift = random_state.randint(1, n_classes, n_flip) if kind == "symmetric" else 1
    y_noisy[rows] = (y_noisy[rows] + shift) % n_classes
    return y_noisy, flipped
