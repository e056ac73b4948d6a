"""The ASSS paper's experiment: data sets, methods and the cross-validation loop.

Protocol (section 4 of the paper, made paired): for each repeat, a stratified
k-fold split; in each fold the features are standardised on the training
fold; every method selects ``keep_ratio`` of the training fold; the same
3-layer MLP (:func:`~sklearn_asss.nn.fit_task_classifier`) is trained on each
subset and on the whole training fold, from the same initial weights (one
seed per fold) for the same number of epochs, so that the differences within
a fold are the subsets' doing; the test fold scores each model (accuracy,
macro F1, macro one-vs-rest ROC AUC) and each score is divided by the score
of the model trained on the whole training fold (PRR).
"""

import importlib
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state

from .._selection import class_budgets, select_top
from ..metrics import classification_scores, duplicate_share, performance_retention_rate
from ..samplers import CleanlabSampler, DeduplicateSampler

# --------------------------------------------------------------------------
# data sets


def _sklearn_dataset(name):
    def load(data_home=None):
        from sklearn import datasets

        return getattr(datasets, f"load_{name}")(return_X_y=True)

    return load


def _asss_dataset(name):
    def load(data_home=None):
        from .. import datasets

        return getattr(datasets, f"load_{name}")(data_home=data_home, return_X_y=True)

    return load


#: Data sets by name: a function ``load(data_home) -> (X, y)``. The first
#: four ship with scikit-learn; the others are read by
#: :mod:`sklearn_asss.datasets` from the data directory.
DATASETS = {
    "digits": _sklearn_dataset("digits"),
    "breast_cancer": _sklearn_dataset("breast_cancer"),
    "wine": _sklearn_dataset("wine"),
    "iris": _sklearn_dataset("iris"),
    "shuttle": _asss_dataset("shuttle"),
    "connect-4": _asss_dataset("connect4"),
    "kddcup": _asss_dataset("kddcup99"),
}
DATASET_ALIASES = {"connect4": "connect-4", "kddcup99": "kddcup"}


def load_dataset(name, data_home=None):
    """``(X, y)`` of the data set called `name` (see ``DATASETS``)."""
    key = DATASET_ALIASES.get(name, name)
    if key not in DATASETS:
        raise ValueError(f"Unknown data set {name!r}; choose among {sorted(DATASETS)}.")
    return DATASETS[key](data_home)


def cap_samples(X, y, max_samples, random_state):
    """A stratified random subset of at most `max_samples` rows (no class vanishes).

    The per-class shares follow the package's budget rule
    (:func:`~sklearn_asss.class_budgets`): every class keeps at least one
    row.
    """
    if max_samples is None or max_samples >= len(y):
        return X, y
    classes, y_encoded = np.unique(y, return_inverse=True)
    budgets = class_budgets(np.bincount(y_encoded), max(max_samples, len(classes)))
    keys = check_random_state(random_state).uniform(size=len(y))
    rows = select_top(keys, y_encoded, budgets)
    return X[rows], y[rows]


# --------------------------------------------------------------------------
# methods


@dataclass(frozen=True)
class Method:
    """A named way of selecting a subset: a sampler class and fixed parameters."""

    name: str
    module: str
    class_name: str
    params: dict = field(default_factory=dict)
    description: str = ""

    def sampler_class(self):
        """The sampler class; ImportError/AttributeError if it is not available."""
        cls = getattr(importlib.import_module(self.module), self.class_name)
        if self.class_name == "CleanlabSampler":
            importlib.import_module("cleanlab")
        return cls

    def build(self, keep_ratio, random_state, overrides=None, **shared):
        """A sampler instance; `shared` params are passed only if it accepts them."""
        cls = self.sampler_class()
        accepted = cls().get_params()
        params = {**self.params, **(overrides or {})}
        params.update({k: v for k, v in shared.items() if k in accepted and k not in params})
        unknown = sorted(set(params) - set(accepted))
        if unknown:
            raise ValueError(f"{self.name}: {cls.__name__} has no parameter(s) {unknown}.")
        return cls(keep_ratio=keep_ratio, random_state=random_state, **params)


#: Every method the benchmark knows, by name (``--methods``).
METHODS = {
    m.name: m
    for m in [
        Method("random", "sklearn_asss.samplers", "RandomSampler", {},
               "uniform random draw within each class"),
        Method("kmeans", "sklearn_asss.samplers", "KMeansSampler", {},
               "rows nearest to K-means centroids (paper's clustering baseline)"),
        Method("nn_thinning", "sklearn_asss.samplers", "NNThinningSampler", {},
               "radius-based nearest-neighbour thinning (paper's baseline)"),
        Method("margin", "sklearn_asss.samplers", "MarginSampler", {},
               "rows closest to the decision boundary of a warm-up MLP"),
        Method("gradient_matching", "sklearn_asss.samplers", "GradientMatchingSampler",
               {}, "rows whose gradients align with the class gradient"),
        Method("dedup", "sklearn_asss.samplers", "DeduplicateSampler", {},
               "random draw, distinct rows before exact repeats"),
        Method("asss", "sklearn_asss", "ASSSSampler", {},
               "ASSS, bi-level look-ahead objective (package default)"),
        Method("asss_paper", "sklearn_asss", "ASSSSampler", {"objective": "paper"},
               "ASSS, the paper's equation (4) as written"),
        Method("cleanlab", "sklearn_asss.samplers", "CleanlabSampler", {},
               "cleanlab find_label_issues (out-of-fold MLP), then random draw"),
    ]
}  # fmt: skip

#: Methods that run by default only with label noise.
NOISE_ONLY_METHODS = ("cleanlab",)


def resolve_methods(names=None, *, label_noise=0.0):
    """The available methods among `names` (None: the defaults) and notes on the rest.

    Unknown names raise ValueError; known methods whose sampler cannot be
    imported (not written yet, optional dependency missing) are skipped
    with a note instead of stopping the run.
    """
    if names is None:
        names = [
            name for name in METHODS if label_noise > 0 or name not in NOISE_ONLY_METHODS
        ]
    unknown = [name for name in names if name not in METHODS]
    if unknown:
        raise ValueError(f"Unknown method(s) {unknown}; choose among {sorted(METHODS)}.")
    available, notes = [], []
    for name in dict.fromkeys(names):
        method = METHODS[name]
        try:
            method.sampler_class()
        except (ImportError, AttributeError) as error:
            hint = " (pip install cleanlab)" if name == "cleanlab" else ""
            notes.append(f"{name}: skipped, not available: {error}{hint}")
            continue
        available.append(method)
    return available, notes


# --------------------------------------------------------------------------
# the cross-validation loop


def flip_labels(y_encoded, n_classes, share, random_state):
    """Flip `share` of the labels to a different class drawn uniformly.

    Returns the noisy labels and the boolean mask of flipped rows.
    """
    n_flip = int(round(share * len(y_encoded)))
    flipped = np.zeros(len(y_encoded), dtype=bool)
    if n_flip == 0 or n_classes < 2:
        return y_encoded.copy(), flipped
    rows = random_state.choice(len(y_encoded), n_flip, replace=False)
    flipped[rows] = True
    y_noisy = y_encoded.copy()
    y_noisy[rows] = (y_noisy[rows] + random_state.randint(1, n_classes, n_flip)) % n_classes
    return y_noisy, flipped


@dataclass
class BenchmarkConfig:
    """Settings of one benchmark run (the command-line options)."""

    datasets: list = field(default_factory=lambda: ["digits"])
    methods: list = None
    cv: int = 5
    repeats: int = 1
    keep_ratio: float = 0.3
    epochs: int = 20
    subset_epochs: int = None
    label_noise: float = 0.0
    max_samples: int = None
    batch_size: int = 256
    hidden_layer_sizes: tuple = (128, 64)
    lr: float = 1e-3
    device: str = "cpu"
    seed: int = 0
    data_home: str = None
    method_params: dict = field(default_factory=dict)
    reference: str = "asss"

    def validate(self):
        if self.cv < 2:
            raise ValueError(f"cv must be at least 2; got {self.cv}.")
        if self.repeats < 1:
            raise ValueError(f"repeats must be at least 1; got {self.repeats}.")
        if not 0 < self.keep_ratio <= 1:
            raise ValueError(f"keep_ratio must be in (0, 1]; got {self.keep_ratio}.")
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1; got {self.epochs}.")
        if self.subset_epochs is not None and self.subset_epochs < 1:
            raise ValueError(f"subset_epochs must be at least 1; got {self.subset_epochs}.")
        if not 0 <= self.label_noise < 1:
            raise ValueError(f"label_noise must be in [0, 1); got {self.label_noise}.")
        if self.max_samples is not None and self.max_samples < 2 * self.cv:
            raise ValueError(f"max_samples must be at least 2 * cv; got {self.max_samples}.")
        for name in self.method_params:
            if name not in METHODS:
                raise ValueError(f"Parameters given for unknown method {name!r}.")
        unknown = [m for m in self.methods or () if m not in METHODS]
        if unknown:
            raise ValueError(f"Unknown method(s) {unknown}; choose among {sorted(METHODS)}.")
        unknown = [d for d in self.datasets if DATASET_ALIASES.get(d, d) not in DATASETS]
        if unknown:
            raise ValueError(f"Unknown data set(s) {unknown}; choose among {sorted(DATASETS)}.")


class _Progress:
    """tqdm when installed, else one printed line per step; silent if disabled."""

    def __init__(self, total, enabled):
        self.enabled, self.count, self.total, self.bar = enabled, 0, total, None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                pass
            else:
                self.bar = tqdm(total=total, unit="fit", dynamic_ncols=True)

    def step(self, label):
        self.count += 1
        if self.bar is not None:
            self.bar.set_description(label)
            self.bar.update(1)
        elif self.enabled:
            print(f"[{self.count}/{self.total}] {label}", flush=True)

    def write(self, message):
        if self.bar is not None:
            self.bar.write(message)
        elif self.enabled:
            print(message, flush=True)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def run_benchmark(config, *, progress=True):
    """Run the protocol; return one row per (data set, repeat, fold, method).

    Parameters
    ----------
    config : BenchmarkConfig
        The settings.
    progress : bool, default=True
        Show a progress bar (tqdm if installed, else printed lines).

    Returns
    -------
    folds : pandas.DataFrame
        Columns: ``dataset, repeat, fold, method, status, n_samples,
        n_features, n_classes, n_train, n_kept, duplicate_share`` (of the
        training fold), ``accuracy, f1_macro, roc_auc_ovr`` and their
        ``prr_*``, ``selection_s, train_s, total_s, full_train_s,
        time_vs_full`` (total / full training), ``flipped_kept_pct`` and
        ``warnings`` (those the sampler raised, deprecations left out). The
        method ``"full"`` is the model trained on the whole training fold.
    notes : list of str
        Methods skipped and errors met.
    """
    config.validate()
    methods, notes = resolve_methods(config.methods, label_noise=config.label_noise)
    if config.label_noise > 0 and config.methods is None and "cleanlab" not in [
        m.name for m in methods
    ]:
        notes.append("cleanlab: not installed, so the noisy-label comparison lacks it")
    rng = np.random.RandomState(config.seed)
    loaded = []
    for name in config.datasets:
        X, y = load_dataset(name, config.data_home)
        X, y = cap_samples(np.asarray(X), np.asarray(y), config.max_samples, rng)
        loaded.append((DATASET_ALIASES.get(name, name), X, y))
    # one small untimed fit: torch's one-time start-up is not charged to fold 0
    _fit(np.zeros((8, 2), np.float32), np.arange(8) % 2, 2, 0, config, 1)
    n_fits = len(loaded) * config.cv * config.repeats * (len(methods) + 1)
    bar = _Progress(n_fits, progress)
    rows = []
    try:
        for name, X, y in loaded:
            rows.extend(_run_dataset(name, X, y, methods, config, rng, bar, notes))
    finally:
        bar.close()
    return pd.DataFrame(rows), notes


def _run_dataset(name, X, y, methods, config, rng, bar, notes):
    classes, y_encoded = np.unique(y, return_inverse=True)
    n_classes = len(classes)
    X = np.asarray(X, dtype=np.float64)
    splitter = RepeatedStratifiedKFold(
        n_splits=config.cv, n_repeats=config.repeats, random_state=rng.randint(2**31 - 1)
    )
    info = dict(dataset=name, n_samples=len(y), n_features=X.shape[1], n_classes=n_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # least populated class < n_splits
        splits = list(splitter.split(X, y_encoded))
    for index, (train, test) in enumerate(splits):
        repeat, fold = divmod(index, config.cv)
        fold_rng = np.random.RandomState(rng.randint(2**31 - 1))
        model_seed = int(fold_rng.randint(2**31 - 1))
        sampler_seed = int(fold_rng.randint(2**31 - 1))
        y_train, flipped = flip_labels(
            y_encoded[train], n_classes, config.label_noise, fold_rng
        )
        scaler = StandardScaler().fit(X[train])
        X_train = scaler.transform(X[train]).astype(np.float32)
        X_test = scaler.transform(X[test]).astype(np.float32)
        y_test = y_encoded[test]
        fold_info = dict(
            info, repeat=repeat, fold=fold, n_train=len(train),
            duplicate_share=duplicate_share(X[train]),
        )  # fmt: skip

        def train_and_score(rows, epochs):
            start = time.perf_counter()
            net = _fit(X_train[rows], y_train[rows], n_classes, model_seed, config, epochs)
            train_s = time.perf_counter() - start
            proba = net.predict_proba(X_test)
            return classification_scores(y_test, proba, np.arange(n_classes)), train_s

        label = f"{name} r{repeat} f{fold}"
        full_scores, full_s = train_and_score(np.arange(len(train)), config.epochs)
        bar.step(f"{label} full")
        yield dict(
            fold_info, method="full", status="ok", n_kept=len(train), **full_scores,
            **{f"prr_{k}": 1.0 for k in full_scores}, selection_s=0.0, train_s=full_s,
            total_s=full_s, full_train_s=full_s, time_vs_full=1.0,
            flipped_kept_pct=100.0 if flipped.any() else np.nan,
        )  # fmt: skip
        for method in methods:
            row = dict(fold_info, method=method.name, full_train_s=full_s)
            try:
                shared = {"device": config.device}
                if method.name == "cleanlab":  # its inner models are the task MLP
                    shared.update(max_epochs=config.epochs, batch_size=config.batch_size)
                sampler = method.build(
                    config.keep_ratio, sampler_seed, config.method_params.get(method.name),
                    **shared,
                )
                start = time.perf_counter()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    sampler.fit(X_train, y_train)
                selection_s = time.perf_counter() - start
                row["warnings"] = _summarize_warnings(caught)
                kept = sampler.sample_indices_
                scores, train_s = train_and_score(kept, config.subset_epochs or config.epochs)
            except Exception as error:  # one broken sampler must not stop the run
                message = f"{type(error).__name__}: {error}"
                notes.append(f"{name} r{repeat} f{fold} {method.name}: {message}")
                bar.write(f"{label} {method.name} failed: {message}")
                row.update(status=f"error: {message}"[:300])
            else:
                prr = {
                    f"prr_{k}": performance_retention_rate(v, full_scores[k])
                    if full_scores[k] > 0 else np.nan
                    for k, v in scores.items()
                }  # fmt: skip
                row.update(
                    status="ok", n_kept=len(kept), **scores, **prr,
                    selection_s=selection_s, train_s=train_s,
                    total_s=selection_s + train_s,
                    time_vs_full=(selection_s + train_s) / full_s,
                    flipped_kept_pct=100.0 * flipped[kept].sum() / flipped.sum()
                    if flipped.any() else np.nan,
                )  # fmt: skip
            bar.step(f"{label} {method.name}")
            yield row


_QUIET_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _summarize_warnings(caught):
    """The distinct warnings a sampler raised (not deprecations), as one string."""
    messages = {
        f"{w.category.__name__}: {str(w.message).splitlines()[0][:160]}"
        for w in caught
        if not issubclass(w.category, _QUIET_WARNINGS)
    }
    return "; ".join(sorted(messages))


def _fit(X, y, n_classes, seed, config, epochs):
    from ..nn import fit_task_classifier

    return fit_task_classifier(
        X, y, n_classes, seed=seed, max_epochs=epochs,
        batch_size=config.batch_size, lr=config.lr, device=config.device,
        hidden_layer_sizes=config.hidden_layer_sizes,
    )  # fmt: skip


__all__ = [
    "BenchmarkConfig",
    "CleanlabSampler",
    "DATASETS",
    "DeduplicateSampler",
    "METHODS",
    "Method",
    "cap_samples",
    "flip_labels",
    "load_dataset",
    "resolve_methods",
    "run_benchmark",
]
