"""A study's settings: one dataclass, read from a TOML file and from the command line.

The command-line options are built from the fields of :class:`Study`, so the
defaults live in one place.
"""

import sys
from dataclasses import dataclass, field, fields, replace

from ._datasets import DATASETS, NOISE_KINDS
from ._methods import DEFAULT_METHODS, study_methods


def _option(default, help, *, factory=None, cli=True, type=None):
    metadata = {"help": help, "cli": cli, "type": type}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass
class Study:
    """Everything one benchmark run needs; the fields of a ``benchmarks/configs/*.toml``.

    Every combination of data set, label-noise setting, fold (``cv`` x
    ``repeats``), draw, keep ratio and method gives one result row. See
    ``python -m sklearn_asss.benchmark --help`` for the meaning of each field.
    """

    title: str = _option("Subsampling benchmark", "title of the report page")
    description: str = _option("", "text put at the top of the page", cli=False)
    datasets: list = _option(None, "data sets", factory=lambda: ["digits"], type=str)
    methods: list = _option(None, "methods (cleanlab runs only in noisy settings)",
                            factory=lambda: list(DEFAULT_METHODS), type=str)  # fmt: skip
    keep_ratios: list = _option(None, "shares of the training fold kept",
                                factory=lambda: [0.3], type=float)  # fmt: skip
    label_noise: list = _option(None, "shares of training labels flipped (0: clean)",
                                factory=lambda: [0.0], type=float)  # fmt: skip
    noise_kinds: list = _option(None, f"label-noise kinds among {', '.join(NOISE_KINDS)}; "
                                "none given: each data set's own", factory=lambda: [],
                                type=str)  # fmt: skip
    downstream: str = _option("mlp", "model trained on each subset: mlp or forest")
    cv: int = _option(3, "folds of the stratified k-fold")
    repeats: int = _option(1, "repeats of the k-fold")
    draws: int = _option(1, "sampler random states per fold (paired across methods)")
    reuse_fits: bool = _option(False, "later draws of a fold redraw the subset from the "
                               "sampler fitted for its first draw, where the sampler "
                               "can (ASSSSampler: the game is not replayed)")  # fmt: skip
    epochs: int = _option(20, "epochs of every MLP trained for scoring")
    min_steps: int = _option(0, "least optimizer steps of the downstream MLP trained on "
                             "each subset: its epochs are raised to reach them on a small "
                             "one (0: the epochs as given)")  # fmt: skip
    batch_size: int = _option(256, "MLP batch size")
    lr: float = _option(1e-3, "MLP learning rate (Adam)")
    hidden_layer_sizes: list = _option(None, "MLP hidden layer sizes",
                                       factory=lambda: [128, 64], type=int)  # fmt: skip
    max_samples: int = _option(0, "cap each data set at this many rows, stratified, "
                               "before the folds (0: no cap)")  # fmt: skip
    reference: str = _option("random", "method every other one is paired with in the report")
    seed: int = _option(0, "seed of folds, noise, models and draws")
    device: str = _option("cpu", "torch device of every network")
    data_home: str = _option("", "directory of the data files (default: $SKLEARN_ASSS_DATA)")
    params: dict = _option(None, "", factory=dict, cli=False)
    variants: dict = _option(None, "", factory=dict, cli=False)
    attack: dict = _option(None, "", factory=dict, cli=False)
    out: str = _option("benchmark_results", "output directory (rows.csv, results.md, charts)")

    def validate(self):
        """Raise ValueError naming the first invalid field."""
        for name in ("cv", "repeats", "draws", "epochs", "batch_size"):
            minimum = 2 if name == "cv" else 1
            if getattr(self, name) < minimum:
                raise ValueError(f"{name} must be at least {minimum}; got {getattr(self, name)}.")
        if not self.keep_ratios or not all(0 < r <= 1 for r in self.keep_ratios):
            raise ValueError(f"keep_ratios must be in (0, 1]; got {self.keep_ratios}.")
        if not self.label_noise or not all(0 <= r < 1 for r in self.label_noise):
            raise ValueError(f"label_noise must be in [0, 1); got {self.label_noise}.")
        bad = [k for k in self.noise_kinds if k not in NOISE_KINDS]
        if bad:
            raise ValueError(f"Unknown noise kind(s) {bad}; choose among {NOISE_KINDS}.")
        if self.downstream not in DOWNSTREAM_NAMES:
            raise ValueError(f"downstream must be one of {DOWNSTREAM_NAMES}; "
                             f"got {self.downstream!r}.")  # fmt: skip
        bad = [d for d in self.datasets if d not in DATASETS]
        if bad:
            raise ValueError(f"Unknown data set(s) {bad}; choose among {sorted(DATASETS)}.")
        known = study_methods(self.variants)
        bad = [m for m in [*self.methods, *self.params] if m not in known]
        if bad:
            raise ValueError(f"Unknown method(s) {bad}; choose among {sorted(known)}.")
        if self.reference not in known:
            raise ValueError(f"Unknown reference method {self.reference!r}.")
        if not isinstance(self.reuse_fits, bool):
            raise ValueError(f"reuse_fits must be true or false; got {self.reuse_fits!r}.")
        if self.min_steps < 0:
            raise ValueError(f"min_steps must be 0 or more; got {self.min_steps}.")
        if self.max_samples and self.max_samples < 2 * self.cv:
            raise ValueError(f"max_samples must be 0 or at least 2 * cv; got {self.max_samples}.")
        bad = sorted(set(self.attack) - ATTACK_KEYS)
        if bad:
            raise ValueError(f"Unknown attack setting(s) {bad}; choose among "
                             f"{sorted(ATTACK_KEYS)}.")
        return self


#: The downstream models (see :func:`sklearn_asss.benchmark._runner.fit_downstream`).
DOWNSTREAM_NAMES = ("mlp", "forest")
#: ``[attack]`` of a config: PGD settings of the adversarial study (robust accuracy).
ATTACK_KEYS = {"epsilon", "train_steps", "eval_steps"}


def load_study(path, *, part=None, **overrides):
    """The :class:`Study` of a TOML file, with `overrides` applied; unknown keys raise.

    A config may split a grid into ``[parts.NAME]`` tables: each is a study of
    its own, the top-level settings updated by its table, written to
    ``<out>/NAME``. Such a config needs `part` (see :func:`config_parts`).
    """
    data = _read_toml(path)
    parts = data.pop("parts", {})
    if parts or part is not None:
        data = _part_settings(path, data, parts, part)
    known = {f.name for f in fields(Study)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"{path}: unknown setting(s) {unknown}; known: {sorted(known)}.")
    for table in ("params", "variants"):
        if table in data:
            data[table] = {name: _none_from_toml(spec) for name, spec in data[table].items()}
    return replace(Study(**data), **overrides).validate()


def config_parts(path):
    """The names of a config's ``[parts.NAME]`` tables, in file order (empty: none)."""
    return list(_read_toml(path).get("parts", {}))


def _read_toml(path):
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    with open(path, "rb") as handle:
        return tomllib.load(handle)


def _part_settings(path, data, parts, part):
    """The top-level settings of `data` updated by its part `part`, written below ``out``."""
    if part not in parts:
        raise ValueError(f"{path}: choose a part among {sorted(parts)}; got {part!r}."
                         if parts else f"{path} has no parts; got part={part!r}.")  # fmt: skip
    settings = parts[part]
    if not isinstance(settings, dict) or "parts" in settings or "out" in settings:
        raise ValueError(f"{path}: [parts.{part}] must be a table of study settings, "
                         "without 'parts' or 'out'.")  # fmt: skip
    out = data.get("out", Study.out)
    title = data.get("title", Study.title)
    return {**data, **settings, "out": f"{out}/{part}", "title": f"{title}: {part}"}


def _none_from_toml(parameters):
    """TOML has no null: a parameter written as the string ``"None"`` means None."""
    return {key: None if value == "None" else value for key, value in parameters.items()}


def cli_fields():
    """``(name, default, help, type)`` of every field exposed as a command-line option."""
    study = Study()
    for f in fields(Study):
        if f.metadata.get("cli", True):
            yield f.name, getattr(study, f.name), f.metadata["help"], f.metadata["type"]


def parse_params(items):
    """``["asss.max_epochs=20", ...]`` -> ``{"asss": {"max_epochs": 20}}`` (Python literals)."""
    import ast

    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        method, dot, name = key.partition(".")
        if not sep or not dot or not method or not name:
            raise ValueError(f"--param expects METHOD.NAME=VALUE; got {item!r}.")
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            pass  # a plain string
        params.setdefault(method, {})[name] = value
    return params

