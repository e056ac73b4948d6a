"""The one runner: data sets x label noise x folds x draws x keep ratios x methods.

Protocol. For each data set, one repeated stratified k-fold split (the same
for every noise setting); in each fold the features are standardised on the
training fold and the training labels are flipped as the noise setting says
(test labels stay clean). The downstream model is trained on the whole
(noisy) training fold, then on each method's subset, always from the fold's
seed (same initial weights, same forest seed), so that differences within a
fold are the subsets' doing. A *draw* is one sampler random state, the same
for every method and keep ratio of that fold, so rows pair across methods.
Each score is divided by that of the full-data model of the fold (PRR).

Every finished row is appended to ``<out>/rows.csv`` at once, with the code
and the platform that made it (:mod:`._provenance`); a run started with
``resume=True`` skips the rows already there, so an interrupted run loses at
most the row in flight.
"""

import csv
import io
import os
import threading
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.preprocessing import StandardScaler

from .._selection import class_budgets, select_subset
from ..metrics import SCORE_NAMES, classification_scores, performance_retention_rate
from ._datasets import DATASETS, flip_labels, load_dataset
from ._methods import resolve_methods
from ._provenance import provenance

#: The columns that identify a row (and that ``resume`` matches).
KEY = ["dataset", "noise_kind", "noise_rate", "keep_ratio", "repeat", "fold", "draw", "method"]
#: The columns that say what made a row (:func:`~._provenance.provenance`); a ``rows.csv``
#: written before the runner recorded them reads with them empty.
PROVENANCE = ["code", "platform"]
#: Every column of ``rows.csv``, in order.
COLUMNS = [
    *KEY, "status", "downstream", "n_train", "n_kept",
    *SCORE_NAMES, *(f"prr_{s}" for s in SCORE_NAMES), "robust_accuracy", "adv_passes",
    "flipped_in_subset", "flipped_kept", "selection_s", "train_s", "peak_mb", "warnings",
    *PROVENANCE,
]  # fmt: skip
#: The method name of the model trained on the whole training fold.
FULL = "full"
#: Trees of the forest downstream: 100 is scikit-learn's default and measured
#: stable on shuttle's classes of 10-50 rows (gradient boosting's defaults are not).
FOREST_TREES = 100
#: Seconds between two reads of the resident memory while a sampler fits.
_MEMORY_POLL_S = 0.005


def run_study(study, *, resume=False, progress=True):
    """Run `study`, appending rows to ``<study.out>/rows.csv``; return all rows and notes.

    Parameters
    ----------
    study : Study
    resume : bool, default=False
        Keep the rows of an earlier run of the same study in ``rows.csv``
        and run only the missing ones (rows that failed are run again).
        Without it an existing ``rows.csv`` is replaced.
    progress : bool, default=True
        Print one line per row.

    Returns
    -------
    rows : pandas.DataFrame
        The columns :data:`COLUMNS`: the key, the scores and their PRR, the
        flipped share of the kept rows (``flipped_in_subset``) and the share
        of the flipped rows kept (``flipped_kept``), selection and training
        seconds, ``peak_mb``: the largest increase of the process's
        resident memory while the sampler was fitted (read from
        ``/proc/self/statm`` every 5 ms, so torch's memory counts; NaN where
        there is no ``/proc``), and the ``code`` and ``platform`` that made
        the row (:data:`PROVENANCE`).
    notes : list of str
    """
    study.validate()
    path = Path(study.out) / "rows.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    done = _start_csv(path, resume)
    made_by = provenance()
    notes = []
    for name in study.datasets:
        notes += _run_dataset(study, name, path, done, progress, made_by)
    return read_rows(path), list(dict.fromkeys(notes))


def read_rows(path):
    """The rows of a ``rows.csv``; a last line cut short (a killed run) is left out.

    A file written before the runner recorded what made each row has its
    :data:`PROVENANCE` columns empty.
    """
    complete = io.StringIO(_complete_text(path))
    rows = pd.read_csv(complete, dtype=dict.fromkeys(["warnings", *PROVENANCE], str))
    if list(rows.columns) == COLUMNS[: -len(PROVENANCE)]:
        rows = rows.reindex(columns=COLUMNS)
    if list(rows.columns) != COLUMNS:
        raise ValueError(f"{path} was not written by this version of the runner: its columns "
                         f"differ from {COLUMNS}. Move it away or run without resume.")
    return rows


def _complete_text(path):
    """The text of `path` up to its last newline: every row ends with one once written."""
    text = Path(path).read_text()
    return text[: text.rfind("\n") + 1]


def _start_csv(path, resume):
    """Write the header (or keep a resumed file's good rows); return the rows done by key."""
    if resume and path.is_file():
        rows = read_rows(path)
        ok = (rows["status"] == "ok").to_numpy()
        _keep_records(path, ok)
        return {_key(*row[KEY]): row for _, row in rows[ok].iterrows()}
    pd.DataFrame(columns=COLUMNS).to_csv(path, index=False)
    return {}


def _keep_records(path, kept):
    """Rewrite ``rows.csv`` with its `kept` records only, each field as it was written (read
    and written again, a float may change in its last digit), under the header of
    :data:`COLUMNS`: the records of a runner before it get empty :data:`PROVENANCE` fields."""
    header, *records = (r for r in csv.reader(io.StringIO(_complete_text(path))) if r)
    missing = [""] * (len(COLUMNS) - len(header))
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(record + missing for record, keep in zip(records, kept) if keep)


def _key(dataset, kind, rate, keep, repeat, fold, draw, method):
    return (dataset, kind, f"{float(rate):g}", f"{float(keep):g}", int(repeat), int(fold),
            int(draw), method)  # fmt: skip


def _append(path, row, made_by):
    """Append `row`, made by `made_by` (:func:`~._provenance.provenance`), to ``rows.csv``."""
    line = pd.DataFrame([{**row, **made_by}], columns=COLUMNS).to_csv(index=False, header=False)
    with open(path, "a") as handle:  # one write per row: a kill loses at most this row
        handle.write(line)
        handle.flush()


def _seed(*keys):
    """A 31-bit seed from any keys, independent of the order things run in."""
    entropy = zlib.crc32(repr(keys).encode())
    return int(np.random.SeedSequence(entropy).generate_state(1)[0] % (2**31 - 1))


def _noise_settings(study, dataset):
    kinds = study.noise_kinds or [DATASETS[dataset].noise_kind]
    for rate in dict.fromkeys(study.label_noise):
        if rate == 0:
            yield "none", 0.0
        else:
            for kind in kinds:
                yield kind, float(rate)


def cap_rows(X, y, max_rows, seed):
    """A stratified random subset of at most `max_rows` rows (every class keeps one)."""
    if not max_rows or max_rows >= len(y):
        return X, y
    _, y_encoded = np.unique(y, return_inverse=True)
    budgets = class_budgets(np.bincount(y_encoded), max_rows)
    keys = np.random.RandomState(seed).uniform(size=len(y))
    rows = select_subset(keys, y_encoded, budgets, selection="top")
    return X[rows], y[rows]


def _run_dataset(study, name, path, done, progress, made_by):
    X, y = load_dataset(name, study.data_home or None)
    X, y = cap_rows(X, y, study.max_samples, _seed(study.seed, name, "cap"))
    _, y_encoded = np.unique(y, return_inverse=True)
    n_classes = int(y_encoded.max()) + 1
    splitter = RepeatedStratifiedKFold(
        n_splits=study.cv, n_repeats=study.repeats, random_state=_seed(study.seed, name, "folds")
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a class smaller than cv
        splits = list(splitter.split(X, y_encoded))
    notes = []
    for kind, rate in _noise_settings(study, name):
        methods, skipped = resolve_methods(study.methods, rate > 0, study.variants)
        notes += skipped
        for index, (train, test) in enumerate(splits):
            repeat, fold = divmod(index, study.cv)
            fold_key = (name, kind, rate, repeat, fold)
            tasks = _tasks(study, methods, fold_key, done)
            full_row = done.get(_key(*fold_key[:3], 1.0, repeat, fold, 0, FULL))
            if not tasks and full_row is not None:
                continue
            fold_data = _prepare_fold(
                study, X, y_encoded, n_classes, train, test, fold_key, full_row
            )
            if full_row is None:
                _append(path, _log(progress, fold_data["full_row"]), made_by)
            fitted = {}  # reuse_fits: the fold's first fit of each (method, keep)
            for keep, draw, method in tasks:
                row = _run_method(study, method, keep, draw, fold_data, fitted)
                _append(path, _log(progress, row), made_by)
    return notes


def _tasks(study, methods, fold_key, done):
    name, kind, rate, repeat, fold = fold_key
    tasks = []
    for draw in range(study.draws):
        for method in methods:
            keeps = study.keep_ratios if method.uses_keep_ratio else [1.0]
            for keep in keeps:
                if _key(name, kind, rate, keep, repeat, fold, draw, method.name) not in done:
                    tasks.append((keep, draw, method))
    return tasks


def _log(progress, row):
    if progress:
        score = row["prr_f1_macro"]
        print(
            f"{row['dataset']} {row['noise_kind']} {row['noise_rate']:g} keep "
            f"{row['keep_ratio']:g} r{row['repeat']} f{row['fold']} d{row['draw']} "
            f"{row['method']}: {row['status']}, F1 PRR {score:.3f}, selection "
            f"{row['selection_s']:.1f} s", flush=True,
        )  # fmt: skip
    return row


def _prepare_fold(study, X, y_encoded, n_classes, train, test, fold_key, full_row=None):
    """Standardised features, noisy training labels and the full-data model's scores.

    The full-data model is trained unless `full_row`, its row of an earlier
    run, gives its scores.
    """
    name, kind, rate, repeat, fold = fold_key
    scaler = StandardScaler().fit(X[train])
    X_train = scaler.transform(X[train]).astype(np.float32)
    X_test = scaler.transform(X[test]).astype(np.float32)
    noise_rng = np.random.RandomState(_seed(study.seed, name, kind, rate, repeat, fold, "noise"))
    y_train, flipped = flip_labels(
        y_encoded[train], n_classes, rate, "symmetric" if kind == "none" else kind, noise_rng
    )
    data = dict(
        study=study, X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_encoded[test],
        n_classes=n_classes, flipped=flipped, fold_key=fold_key,
        model_seed=_seed(study.seed, name, repeat, fold, "model"),
    )  # fmt: skip
    if full_row is not None:
        data["full_scores"] = {s: full_row[s] for s in SCORE_NAMES}
        return data
    start = time.perf_counter()
    model = fit_downstream(study, X_train, y_train, n_classes, data["model_seed"])
    train_s = time.perf_counter() - start
    scores = _score(study, model, data)
    data["full_scores"] = scores
    data["full_row"] = _row(
        data, FULL, 1.0, 0, "ok", np.arange(len(train)), scores, 0.0, train_s, np.nan
    )
    return data


def fit_downstream(study, X, y, n_classes, seed):
    """The study's downstream model fitted on `X`, `y` from `seed`.

    ``"mlp"``: the package's task MLP (:func:`sklearn_asss.nn.fit_task_classifier`)
    with the study's epochs (:func:`downstream_epochs`), batch size, learning rate
    and hidden sizes.
    ``"forest"``: a ``RandomForestClassifier`` of :data:`FOREST_TREES` trees
    (one job, scikit-learn's other defaults).
    """
    if study.downstream == "forest":
        return downstream_forest(seed).fit(X, y)
    from ..nn import fit_task_classifier

    return fit_task_classifier(
        X, y, n_classes, seed=seed, max_epochs=downstream_epochs(study, len(y)),
        batch_size=study.batch_size, lr=study.lr, device=study.device,
        hidden_layer_sizes=tuple(study.hidden_layer_sizes),
    )  # fmt: skip


def downstream_forest(seed=None):
    """The unfitted forest of the ``"forest"`` downstream (:func:`fit_downstream`)."""
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(n_estimators=FOREST_TREES, n_jobs=1, random_state=seed)


def downstream_epochs(study, n_rows):
    """The epochs of the downstream MLP on `n_rows` rows: the study's, raised so that they
    make at least its ``min_steps`` optimizer steps.

    At 20 epochs of 256 rows, a network trained on 1% of a 5,000-row table
    takes 20 steps and stays far from fitted (on texture at 3% kept it scored
    higher with a fifth of the subset's labels flipped than with their true
    labels; the comparison page).
    """
    steps_per_epoch = -(-n_rows // study.batch_size)
    return max(study.epochs, -(-study.min_steps // steps_per_epoch))


def _probabilities(model, X, n_classes):
    """``predict_proba`` with one column per class, also for a model that saw fewer."""
    proba = model.predict_proba(X)
    classes = np.asarray(getattr(model, "classes_", np.arange(proba.shape[1])), dtype=int)
    full = np.zeros((len(X), n_classes))
    full[:, classes] = proba
    return full


def _score(study, model, data):
    scores = classification_scores(
        data["y_test"], _probabilities(model, data["X_test"], data["n_classes"]),
        np.arange(data["n_classes"]),
    )  # fmt: skip
    scores["robust_accuracy"] = np.nan
    if study.attack.get("epsilon") and hasattr(model, "module_"):
        from ..adversarial import make_robust_scorer

        scorer = make_robust_scorer(
            study.attack["epsilon"], n_steps=study.attack.get("eval_steps", 40),
            random_state=data["model_seed"],
        )  # fmt: skip
        scores["robust_accuracy"] = float(scorer(model, data["X_test"], data["y_test"]))
    return scores


def _run_method(study, method, keep, draw, data, fitted):
    X_train, y_train = data["X_train"], data["y_train"]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if method.kind == "trainer":
                estimator = _make(study, method, keep, data, draw)
                start = time.perf_counter()
                model = estimator.fit(X_train, y_train)
                selection_s, peak_mb, kept = 0.0, np.nan, np.arange(len(y_train))
                train_s = time.perf_counter() - start
            else:
                kept, selection_s, peak_mb = _subset(study, method, keep, draw, data, fitted)
                start = time.perf_counter()
                model = fit_downstream(
                    study, X_train[kept], y_train[kept], data["n_classes"], data["model_seed"]
                )
                train_s = time.perf_counter() - start
        scores = _score(study, model, data)
    except Exception as error:  # one failing method must not stop the study
        message = f"error: {type(error).__name__}: {error}"[:300]
        return _row(data, method.name, keep, draw, message, None, {}, np.nan, np.nan, np.nan)
    row = _row(data, method.name, keep, draw, "ok", kept, scores, selection_s, train_s, peak_mb)
    row["adv_passes"] = getattr(model, "adversarial_passes_", np.nan)
    row["warnings"] = _warnings_text(caught)
    return row


def _make(study, method, keep, data, draw):
    return method.make(keep, _draw_seed(study, data, draw), study, study.params.get(method.name))


def _draw_seed(study, data, draw):
    name, _, _, repeat, fold = data["fold_key"]
    return _seed(study.seed, name, repeat, fold, draw, "draw")


def _subset(study, method, keep, draw, data, fitted):
    """The kept rows of one draw, the selection seconds and the peak memory (MB).

    With ``reuse_fits``, a sampler that can draw again (``_redraw``) is fitted
    once per fold with the first draw's seed; a later draw only redraws its
    subset with its own seed, and its row reports the fit's time and memory
    plus the redraw's time (what a user pays for that subset).
    """
    X_train, y_train = data["X_train"], data["y_train"]
    estimator = _make(study, method, keep, data, draw)
    if not (study.reuse_fits and hasattr(estimator, "_redraw")):
        return _fit_subset(estimator, X_train, y_train)
    key = method.name, keep
    if draw == 0:
        kept, selection_s, peak_mb = _fit_subset(estimator, X_train, y_train)
        fitted[key] = estimator, selection_s, peak_mb
        return kept, selection_s, peak_mb
    if key not in fitted:  # a resumed run: fit the first draw's sampler again
        first = _make(study, method, keep, data, 0)
        fitted[key] = first, *_fit_subset(first, X_train, y_train)[1:]
    first, fit_s, peak_mb = fitted[key]
    start = time.perf_counter()
    kept = first._redraw(X_train, y_train, _draw_seed(study, data, draw))
    return kept, fit_s + time.perf_counter() - start, peak_mb


def _fit_subset(estimator, X, y):
    with _PeakMemory() as memory:
        start = time.perf_counter()
        estimator.fit_resample(X, y)
        selection_s = time.perf_counter() - start
    return estimator.sample_indices_, selection_s, memory.peak_mb


def _row(data, method, keep, draw, status, kept, scores, selection_s, train_s, peak_mb):
    name, kind, rate, repeat, fold = data["fold_key"]
    full = data.get("full_scores", scores)
    flipped = data["flipped"]
    row = dict.fromkeys(COLUMNS, np.nan)
    row.update(
        dataset=name, noise_kind=kind, noise_rate=rate, keep_ratio=keep, repeat=repeat,
        fold=fold, draw=draw, method=method, status=status, downstream=data["study"].downstream,
        n_train=len(data["y_train"]), selection_s=selection_s, train_s=train_s,
        peak_mb=peak_mb, warnings="",
    )  # fmt: skip
    if kept is None:
        return row
    row.update(scores, n_kept=len(kept))
    for score in SCORE_NAMES:
        if full[score] > 0:
            row[f"prr_{score}"] = performance_retention_rate(scores[score], full[score])
    if flipped.any():
        row["flipped_in_subset"] = float(flipped[kept].mean())
        row["flipped_kept"] = float(flipped[kept].sum() / flipped.sum())
    return row


_QUIET_WARNINGS = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _warnings_text(caught):
    """The distinct warnings raised (deprecations left out), as one string."""
    messages = {
        f"{w.category.__name__}: {str(w.message).splitlines()[0][:160]}"
        for w in caught
        if not issubclass(w.category, _QUIET_WARNINGS)
    }
    return "; ".join(sorted(messages))


class _PeakMemory:
    """The largest increase of resident memory (MB) inside a ``with`` block.

    A thread reads ``/proc/self/statm`` every :data:`_MEMORY_POLL_S` seconds;
    ``peak_mb`` is NaN where that file does not exist.
    """

    _STATM = "/proc/self/statm"

    def __enter__(self):
        self.peak_mb = np.nan
        if not os.path.exists(self._STATM):
            self._thread = None
            return self
        self._start = self._peak = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()
        return self

    def _rss(self):
        with open(self._STATM) as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    def _poll(self):
        while not self._stop.wait(_MEMORY_POLL_S):
            self._peak = max(self._peak, self._rss())

    def __exit__(self, *exc):
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._peak = max(self._peak, self._rss())
            self.peak_mb = (self._peak - self._start) / 2**20
        return False


__all__ = ["COLUMNS", "FOREST_TREES", "KEY", "PROVENANCE", "cap_rows", "fit_downstream",
           "read_rows", "run_study"]  # fmt: skip
