"""The method registry: a name -> a factory that builds a fresh sampler (or trainer).

A *sampler* method selects rows of the training fold and the study's downstream
model is trained on them. A *trainer* method trains its own classifier on the
whole training fold (the selective adversarial training methods); the keep
ratio is then its perturbed share of each minibatch.
"""

from dataclasses import dataclass

import sklearn_asss


@dataclass(frozen=True)
class Method:
    """A named way of building a sampler or a classifier.

    Parameters
    ----------
    name : str
    build : callable
        ``build(keep_ratio, random_state, study, **params)`` -> an unfitted
        sampler (``fit_resample`` and ``sample_indices_``) or, for a trainer,
        a classifier.
    description : str
    kind : {"sampler", "trainer"}, default="sampler"
    noisy_only : bool, default=False
        Run by default only in noisy settings (a label-noise filter).
    uses_keep_ratio : bool, default=True
        False for a trainer that ignores it: it then runs once per fold and
        draw, recorded with keep ratio 1.0.
    """

    name: str
    build: object
    description: str
    kind: str = "sampler"
    noisy_only: bool = False
    uses_keep_ratio: bool = True

    def make(self, keep_ratio, random_state, study, params=None):
        """A fresh, unfitted estimator; unknown `params` raise ValueError."""
        return self.build(keep_ratio, random_state, study, **(params or {}))

    def available(self):
        """``(True, "")``, or ``(False, reason)`` when it cannot be built here."""
        from ._config import Study

        try:
            self.make(0.5, 0, Study())
        except (ImportError, AttributeError) as error:
            return False, f"{type(error).__name__}: {error}"
        return True, ""


def _checked(cls, params):
    unknown = sorted(set(params) - set(cls().get_params()))
    if unknown:
        raise ValueError(f"{cls.__name__} has no parameter(s) {unknown}.")
    return cls


def _sampler(get_class, **fixed):
    """A factory of `get_class()` with `fixed` parameters; overrides win over both."""

    def build(keep_ratio, random_state, study, **params):
        cls = _checked(get_class(), params)
        return cls(keep_ratio=keep_ratio, random_state=random_state, **{**fixed, **params})

    return build


def _random_with_asss_floor(keep_ratio, random_state, study, **params):
    floor = sklearn_asss.ASSSSampler().get_params()["min_samples_per_class"]
    params = {"min_samples_per_class": floor, **params}
    return _sampler(lambda: sklearn_asss.RandomSampler)(keep_ratio, random_state, study, **params)


def _asss(keep_ratio, random_state, study, **params):
    """ASSSSampler; ``validation_estimator="downstream"``: its validated choice judged by the
    study's downstream forest (with the MLP downstream, the sampler's default judge)."""
    if params.get("validation_estimator") == "downstream":
        from ._runner import downstream_forest

        forest = study.downstream == "forest"
        params["validation_estimator"] = downstream_forest() if forest else None
    return _sampler(lambda: sklearn_asss.ASSSSampler)(keep_ratio, random_state, study, **params)


def _cleanlab(keep_ratio, random_state, study, **params):
    """cleanlab + random, its out-of-fold models being the study's task MLP."""
    import cleanlab  # noqa: F401  (an optional extra: fail here, not in the middle of a fold)

    params = {"max_epochs": study.epochs, "batch_size": study.batch_size,
              "device": study.device, **params}  # fmt: skip
    return _sampler(lambda: sklearn_asss.CleanlabSampler)(
        keep_ratio, random_state, study, **params
    )


def _score_ablation():
    from ._ablation import ScoreAblationASSS

    return ScoreAblationASSS


def _adversarial(selection, clean_weight=1.0):
    """A SelectiveAdversarialClassifier with the study's network, attack and epochs."""

    def build(keep_ratio, random_state, study, **params):
        from ..adversarial import SelectiveAdversarialClassifier

        settings = dict(
            module__hidden_layer_sizes=tuple(study.hidden_layer_sizes),
            selection=selection,
            perturb_ratio=1.0 if selection == "all" else keep_ratio,
            epsilon=study.attack.get("epsilon", 0.1),
            n_steps=study.attack.get("train_steps", 10),
            clean_weight=clean_weight,
            max_epochs=study.epochs,
            batch_size=study.batch_size,
            lr=study.lr,
            device=study.device,
            random_state=random_state,
        )
        unknown = sorted(set(params) - set(SelectiveAdversarialClassifier().get_params()))
        if unknown:
            raise ValueError(f"SelectiveAdversarialClassifier has no parameter(s) {unknown}.")
        return SelectiveAdversarialClassifier(**{**settings, **params})

    return build


#: Every method, by name (``--methods``; ``--list`` shows which can run here).
METHODS = {
    m.name: m
    for m in [
        Method("random", _sampler(lambda: sklearn_asss.RandomSampler),
               "uniform random draw, proportional class budgets"),
        Method("random_floor", _random_with_asss_floor,
               "uniform random draw with ASSSSampler's per-class floor"),
        Method("dedup", _sampler(lambda: sklearn_asss.DeduplicateSampler),
               "random draw, distinct rows before exact repeats"),
        Method("kmeans", _sampler(lambda: sklearn_asss.KMeansSampler),
               "rows nearest to K-means centroids"),
        Method("nn_thinning", _sampler(lambda: sklearn_asss.NNThinningSampler),
               "radius-based nearest-neighbour thinning"),
        Method("margin", _sampler(lambda: sklearn_asss.MarginSampler),
               "rows closest to the decision boundary of a warm-up MLP"),
        Method("gradient_matching", _sampler(lambda: sklearn_asss.GradientMatchingSampler),
               "rows whose gradients align with their class gradient"),
        Method("cleanlab", _cleanlab,
               "cleanlab's label-issue filter (out-of-fold MLP), then random",
               noisy_only=True),
        Method("ccs", _sampler(lambda: sklearn_asss.CoverageCentricSampler),
               "coverage-centric selection (Zheng et al., 2023)"),
        Method("asss", _asss,
               "ASSSSampler, package defaults"),
        Method("asss_paper", _sampler(lambda: sklearn_asss.ASSSSampler, objective="paper"),
               "ASSSSampler with the paper's objective (its equation 4)"),
        Method("asss_ablation", _sampler(_score_ablation),
               "ASSSSampler drawing by another score than p (ablation=...)"),
        Method("adv_all", _adversarial("all"),
               "PGD on every row, loss L_adv + L_clean", kind="trainer",
               uses_keep_ratio=False),
        Method("adv_all_pure", _adversarial("all", clean_weight=0.0),
               "PGD on every row, loss L_adv only (Madry et al.)", kind="trainer",
               uses_keep_ratio=False),
        Method("adv_margin", _adversarial("margin"),
               "PGD on keep-ratio of each batch, smallest logit margins", kind="trainer"),
        Method("adv_gradient", _adversarial("gradient"),
               "PGD on keep-ratio of each batch, gradient matching", kind="trainer"),
        Method("adv_random", _adversarial("random"),
               "PGD on keep-ratio of each batch, drawn at random", kind="trainer"),
    ]
}  # fmt: skip

#: The methods a study runs when it names none.
DEFAULT_METHODS = (
    "random", "random_floor", "dedup", "kmeans", "nn_thinning", "margin",
    "gradient_matching", "cleanlab", "ccs", "asss", "asss_paper",
)  # fmt: skip


def variant(name, base, **params):
    """A new :class:`Method` called `name`: the registered method `base` with `params` fixed.

    A study's ``[variants]`` table defines these, e.g.
    ``asss_top = {method = "asss", selection = "top"}``; overrides given with
    ``--param name.key=value`` still win.
    """
    if base not in METHODS:
        raise ValueError(f"variant {name!r}: unknown method {base!r}; choose among "
                         f"{sorted(METHODS)}.")  # fmt: skip
    parent = METHODS[base]

    def build(keep_ratio, random_state, study, **overrides):
        return parent.build(keep_ratio, random_state, study, **{**params, **overrides})

    settings = ", ".join(f"{k}={v!r}" for k, v in params.items())
    return Method(name, build, f"{base} with {settings}", parent.kind, parent.noisy_only,
                  parent.uses_keep_ratio)  # fmt: skip


def study_methods(variants):
    """The registry extended by a study's ``variants`` (name -> {"method": base, **params})."""
    methods = dict(METHODS)
    for name, spec in variants.items():
        spec = dict(spec)
        if "method" not in spec:
            raise ValueError(f"variant {name!r} needs a 'method' key naming a registered method.")
        methods[name] = variant(name, spec.pop("method"), **spec)
    return methods


def resolve_methods(names, noisy, variants=None):
    """The methods to run among `names` and one note per method left out.

    Unknown names raise ValueError. Methods that cannot be built here (an
    optional dependency missing) are left out with a note; ``noisy_only``
    ones are left out of clean settings.
    """
    known = study_methods(variants or {})
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"Unknown method(s) {unknown}; choose among {sorted(known)}.")
    chosen, notes = [], []
    for name in dict.fromkeys(names):
        method = known[name]
        ok, reason = method.available()
        if not ok:
            notes.append(f"{name}: not run, not available here ({reason})")
        elif noisy or not method.noisy_only:
            chosen.append(method)
    return chosen, notes
