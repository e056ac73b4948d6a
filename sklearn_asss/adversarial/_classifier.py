"""Selective adversarial training as a skorch classifier."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from skorch import NeuralNetClassifier
from skorch.dataset import unpack_data
from skorch.utils import to_tensor
from torch.utils.data import DataLoader

from .._utils import draw_seed
from ..nn._modules import TaskMLP
from ..nn._guards import FiniteTrainingCheck
from ..nn._utils import BatchIterator, PickleModuleWithNetMixin, check_device, seeded_torch
from ._pgd import check_attack_params, pgd_attack
from ._scoring import MARGIN_EPS, SELECTION_RULES, n_perturbed, select_rows


class SelectiveAdversarialClassifier(PickleModuleWithNetMixin, NeuralNetClassifier):
    """A skorch classifier trained with PGD on a selected part of each minibatch.

    Selective adversarial training (Scaling Adversarial Training via Data
    Selection, arXiv:2512.22069): in every minibatch of ``n`` rows,
    ``k = ceil(perturb_ratio * n)`` rows are chosen by `selection` and
    perturbed by PGD (:func:`pgd_attack`); the step minimises

    ``loss = L_adv + clean_weight * L_clean``

    where ``L_adv`` is the criterion (mean cross-entropy by default) on the
    ``k`` perturbed rows and ``L_clean`` the criterion on all ``n`` clean
    rows of the batch. ``selection="all"`` attacks every row (full PGD
    adversarial training; with ``clean_weight=0`` it is Madry et al.'s
    objective).

    Selection rules (see :func:`select_rows`):

    * ``"margin"``: a weighted draw without replacement with weights
      ``1 / (|margin| + 1e-3)``, the margin being the true-class logit minus
      the best other logit of the clean forward pass (rows near the
      decision boundary first);
    * ``"gradient"``: a weighted draw with weights ``max(cos, 0)``, where
      ``cos`` is the cosine similarity between the row's cross-entropy
      gradient and the batch-mean gradient, both taken with respect to the
      weights and bias of the **last** ``torch.nn.Linear`` layer of the
      module (the last one in ``module_.modules()`` order, i.e. the output
      layer of :class:`~sklearn_asss.nn.TaskMLP` and of any sequential
      network); if the module has no ``Linear`` layer, the gradient with
      respect to the outputs is used;
    * ``"random"``: a uniform draw;
    * ``"all"``: every row (`perturb_ratio` is ignored).

    During the first `warmup_epochs` epochs, ``"margin"`` and ``"gradient"``
    draw uniformly instead (their scores are meaningless on an untrained
    network).

    The attack runs with the module in **eval mode** (dropout off, batch
    norm statistics frozen and not updated by the attack's forward passes);
    train mode is restored before the loss on the perturbed rows is
    computed. The attack maximises the net's own criterion, and its
    gradients are taken with respect to the inputs only.

    Cost accounting: one *PGD pass* is one sample through one PGD step
    (one forward and one backward pass). Each batch spends
    ``k * n_steps`` passes; the total per epoch is recorded in the history
    under ``"adv_passes"`` (and the rule actually used under
    ``"adv_selection"``), the running total in ``adversarial_passes_``.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=TaskMLP
        The network; it must return logits (or log-probabilities). For
        :class:`~sklearn_asss.nn.TaskMLP`, ``module__n_features`` and
        ``module__n_classes`` are taken from the training data when not given.
    selection : {"margin", "gradient", "random", "all"}, default="margin"
        Which rows of each minibatch are attacked.
    perturb_ratio : float, default=0.25
        The share rho of each minibatch that is attacked, in ``(0, 1]``.
    epsilon : float, default=0.1
        Radius of the training attack (>= 0), in the units of the input.
    step_size : float, default=None
        PGD step; None means ``2.5 * epsilon / n_steps``.
    n_steps : int, default=10
        PGD steps of the training attack (>= 1).
    norm : {"inf", "2"}, default="inf"
        Norm of the attack ball.
    random_start : bool, default=True
        Start PGD from a random point of the ball.
    clip : tuple (low, high) or None, default=None
        Valid input box (scalars or per-feature arrays), e.g. ``(0, 1)`` for
        images scaled to ``[0, 1]``.
    clean_weight : float, default=1.0
        The lambda of the objective (>= 0).
    warmup_epochs : int, default=2
        Epochs of uniform selection before ``"margin"``/``"gradient"`` start.
    random_state : int, RandomState instance or None, default=None
        Seeds the module's initial weights, the batch order, the dropout
        masks, the selection draws and the PGD random starts (through their
        own ``torch.Generator`` objects and a forked torch RNG: the global
        torch random state is left unchanged).
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
    optimizer : torch optimizer class, default=torch.optim.Adam
    lr : float, default=1e-3
    max_epochs : int, default=20
    batch_size : int, default=128
    iterator_train, iterator_valid : default=BatchIterator
        skorch iterators; the training batches are shuffled (with a generator
        seeded from `random_state`) unless ``iterator_train__shuffle=False``.
    train_split : callable or None, default=None
        skorch's internal validation split; None trains on all rows.
    verbose : int, default=0
        1 prints skorch's per-epoch table, with the ``adv_passes`` column.
    **kwargs
        Any other :class:`skorch.NeuralNetClassifier` parameter (``device``,
        ``callbacks``, ``module__*``, ``optimizer__*``, ...).

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network.
    adversarial_passes_ : int
        PGD sample-passes spent in training so far.
    history_ : skorch.History
        Per-epoch records, including ``"adv_passes"`` and ``"adv_selection"``.
    n_features_in_ : int
        Number of features seen in fit.
    classes_ : ndarray
        The class labels (skorch: ``classes`` if given, else those seen).

    Notes
    -----
    As with skorch, the labels must be the class indices ``0 .. K-1``.
    Float inputs (numpy arrays, pandas frames) are cast to float32 and
    integer labels to int64, so the classifier accepts the float64 output
    of scikit-learn transformers in a Pipeline.

    A NaN or infinite training loss stops ``fit`` with
    :class:`~sklearn_asss.nn.TrainingDivergedError`, and a ``device`` this
    machine does not have is a ``ValueError`` before training. A
    KeyboardInterrupt ends training quietly, as in skorch: the classifier
    keeps the epochs it finished (``len(history_)`` says how many).

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_asss.adversarial import SelectiveAdversarialClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X = X / 16.0
    >>> clf = SelectiveAdversarialClassifier(selection="margin", perturb_ratio=0.25,
    ...                                      epsilon=0.1, n_steps=5, max_epochs=3,
    ...                                      clip=(0.0, 1.0), random_state=0)
    >>> clf = clf.fit(X, y)
    >>> clf.history_[:, "adv_selection"]
    ['random', 'random', 'margin']
    >>> int(clf.adversarial_passes_) == 3 * 5 * sum(-(-n // 4) for n in [128] * 14 + [5])
    True
    """

    def __init__(
        self,
        module=TaskMLP,
        *,
        selection="margin",
        perturb_ratio=0.25,
        epsilon=0.1,
        step_size=None,
        n_steps=10,
        norm="inf",
        random_start=True,
        clip=None,
        clean_weight=1.0,
        warmup_epochs=2,
        random_state=None,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=20,
        batch_size=128,
        iterator_train=BatchIterator,
        iterator_valid=BatchIterator,
        train_split=None,
        verbose=0,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            iterator_train=iterator_train,
            iterator_valid=iterator_valid,
            train_split=train_split,
            verbose=verbose,
            **kwargs,
        )
        self.selection = selection
        self.perturb_ratio = perturb_ratio
        self.epsilon = epsilon
        self.step_size = step_size
        self.n_steps = n_steps
        self.norm = norm
        self.random_start = random_start
        self.clip = clip
        self.clean_weight = clean_weight
        self.warmup_epochs = warmup_epochs
        self.random_state = random_state

    # ------------------------------------------------------------------ checks
    def _check_adversarial_params(self):
        if self.selection not in SELECTION_RULES:
            raise ValueError(
                f"selection must be one of {SELECTION_RULES}; got {self.selection!r}."
            )
        ratio = self.perturb_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, Real):
            raise TypeError(f"perturb_ratio must be a float; got {type(ratio).__name__}.")
        if not 0 < ratio <= 1:
            raise ValueError(f"perturb_ratio must be in (0, 1]; got {ratio!r}.")
        step_size = check_attack_params(
            self.epsilon, self.step_size, self.n_steps, self.norm, self.clip
        )
        weight = self.clean_weight
        if isinstance(weight, bool) or not isinstance(weight, Real):
            raise TypeError(f"clean_weight must be a float; got {type(weight).__name__}.")
        if not weight >= 0:
            raise ValueError(f"clean_weight must be >= 0; got {weight!r}.")
        warmup = self.warmup_epochs
        if isinstance(warmup, bool) or not isinstance(warmup, Integral):
            raise TypeError(f"warmup_epochs must be an int; got {type(warmup).__name__}.")
        if warmup < 0:
            raise ValueError(f"warmup_epochs must be >= 0; got {warmup!r}.")
        return step_size

    # ----------------------------------------------------------- initialising
    def get_default_callbacks(self):
        """skorch's callbacks plus a check that stops a diverged fit with a clear error."""
        check = FiniteTrainingCheck(advice=_lower_learning_rate_or_attack_advice)
        return [*super().get_default_callbacks(), ("finite_check", check)]

    def initialize(self):
        """Validate the parameters, seed the generators and build the module."""
        self._check_adversarial_params()
        rng = check_random_state(self.random_state)
        init_seed, train_seed, shuffle_seed, attack_seed = (draw_seed(rng) for _ in range(4))
        self.rng_ = np.random.RandomState(train_seed)
        self.shuffle_generator_ = torch.Generator().manual_seed(shuffle_seed)
        self.attack_generator_ = torch.Generator().manual_seed(attack_seed)
        self.adversarial_passes_ = 0
        with seeded_torch(init_seed):
            super().initialize()
        return self

    def initialize_module(self):
        """Build the module; fill TaskMLP's sizes from the data when not given."""
        kwargs = self.get_params_for("module")
        if isinstance(self.module, type) and issubclass(self.module, TaskMLP):
            for name, attr in (("n_features", "n_features_in_"), ("n_classes", "n_outputs_")):
                if name not in kwargs:
                    if not hasattr(self, attr):
                        raise ValueError(
                            f"module__{name} is not set and no data has been seen: pass "
                            f"module__{name}=... or call fit(X, y) instead of initialize()."
                        )
                    kwargs[name] = getattr(self, attr)
        self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def _remember_data_shape(self, X, y):
        shape = getattr(X, "shape", None)
        if shape is not None and len(shape) >= 2:
            self.n_features_in_ = int(shape[1])
        if self.classes is not None:
            self.n_outputs_ = len(self.classes)
        elif y is not None:
            y = np.asarray(y)
            if y.dtype.kind not in "iu" or (len(y) and y.min() < 0):
                raise ValueError(
                    "y must hold the class indices 0 .. n_classes - 1 (non-negative ints); "
                    f"got dtype {y.dtype}. Encode the labels, e.g. with LabelEncoder."
                )
            self.n_outputs_ = int(y.max()) + 1 if len(y) else 0

    # ---------------------------------------------------------------- fitting
    def fit(self, X, y, **fit_params):
        """Initialise (unless ``warm_start``) and train; see ``skorch.NeuralNet.fit``.

        Returns
        -------
        self : SelectiveAdversarialClassifier
        """
        X, y = _as_float32(X), _as_int64(y)
        self._check_adversarial_params()
        check_device(self.device)
        if not self.warm_start or not self.initialized_:
            self._remember_data_shape(X, y)
        return super().fit(X, y, **fit_params)

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs; see ``skorch.NeuralNet.partial_fit``.

        Returns
        -------
        self : SelectiveAdversarialClassifier
        """
        X, y = _as_float32(X), _as_int64(y)
        self._check_adversarial_params()
        check_device(self.device)
        if not self.initialized_:
            self._remember_data_shape(X, y)
            self.initialize()
        # dropout masks come from torch's global RNG: fork it, seeded from random_state
        with seeded_torch(draw_seed(self.rng_)):
            return super().partial_fit(X, y, classes, **fit_params)

    def get_dataset(self, X, y=None):
        """skorch's dataset, after casting float inputs to float32 and int labels to int64."""
        return super().get_dataset(_as_float32(X), _as_int64(y))

    def get_iterator(self, dataset, training=False):
        """skorch's iterator; training batches are shuffled with the seeded generator."""
        if not training:
            return super().get_iterator(dataset, training=False)
        kwargs = self.get_params_for("iterator_train")
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        iterator = self.iterator_train
        if isinstance(iterator, type) and issubclass(iterator, (BatchIterator, DataLoader)):
            kwargs.setdefault("shuffle", True)
            kwargs.setdefault("generator", self.shuffle_generator_)
        return iterator(dataset, **kwargs)

    def _epoch_rule(self):
        """The selection rule of the current epoch (uniform during warm-up)."""
        epoch = len(self.history)  # 1-based: on_epoch_begin has added the row
        if self.selection in ("margin", "gradient") and epoch <= self.warmup_epochs:
            return "random"
        return self.selection

    def train_step_single(self, batch, **fit_params):
        """One selective adversarial step: select, attack, mixed loss, backward.

        Returns
        -------
        step : dict
            ``{"loss": L_adv + clean_weight * L_clean, "y_pred": clean outputs}``.
        """
        step_size = self._check_adversarial_params()
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        if not isinstance(Xi, (torch.Tensor, np.ndarray)):
            raise TypeError(
                "SelectiveAdversarialClassifier attacks array or tensor inputs only; "
                f"got a batch of type {type(Xi).__name__}."
            )
        Xi = to_tensor(Xi, device=self.device)
        yi = to_tensor(yi, device=self.device)
        rule = self._epoch_rule()

        features = []
        hook = None
        if rule == "gradient":
            last_linear = _last_linear(self.module_)
            if last_linear is not None:
                hook = last_linear.register_forward_hook(
                    lambda module, inputs, output: features.append(inputs[0].detach())
                )
        try:
            y_pred = self.infer(Xi, **fit_params)
        finally:
            if hook is not None:
                hook.remove()
        loss_clean = self.get_loss(y_pred, yi, X=Xi, training=True)

        k = n_perturbed(len(yi), self.perturb_ratio)
        rows = select_rows(
            rule,
            self._as_logits(y_pred.detach()),
            yi,
            k,
            features=features[-1] if features else None,
            generator=self.attack_generator_,
            margin_eps=MARGIN_EPS,
        )

        self._set_training(False)
        try:
            X_adv = pgd_attack(
                self.module_,
                Xi[rows],
                yi[rows],
                epsilon=self.epsilon,
                step_size=step_size,
                n_steps=self.n_steps,
                norm=self.norm,
                random_start=self.random_start,
                clip=self.clip,
                generator=self.attack_generator_,
                loss_fn=lambda outputs, target: self.get_loss(outputs, target, training=False),
            )
        finally:
            self._set_training(True)
        y_adv = self.infer(X_adv, **fit_params)
        loss_adv = self.get_loss(y_adv, yi[rows], X=X_adv, training=True)
        loss = loss_adv + self.clean_weight * loss_clean
        loss.backward()

        # an attack of radius 0 returns its input without any pass
        passes = int(len(rows)) * int(self.n_steps) if self.epsilon > 0 else 0
        self.history.record_batch("adv_passes", passes)
        return {"loss": loss, "y_pred": y_pred}

    def _as_logits(self, y_pred):
        """Outputs as logits for the selection rules (skorch's NLLLoss nets output probabilities)."""
        if isinstance(self.criterion_, torch.nn.NLLLoss):
            return torch.log(y_pred + torch.finfo(y_pred.dtype).eps)
        return y_pred

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """Record the epoch's PGD passes and selection rule in the history."""
        super().on_epoch_end(net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs)
        batches = self.history[-1].get("batches", [])
        passes = int(sum(batch.get("adv_passes", 0) for batch in batches))
        self.history.record("adv_passes", passes)
        self.history.record("adv_selection", self._epoch_rule())
        self.adversarial_passes_ = int(self.adversarial_passes_) + passes


def _lower_learning_rate_or_attack_advice(net):
    return (
        f"Lower lr ({net.lr:g}), the attack's epsilon ({net.epsilon:g}) or step_size, "
        "or scale the features (e.g. to [0, 1] with clip=(0, 1))."
    )


def _last_linear(module):
    last = None
    for layer in module.modules():
        if isinstance(layer, torch.nn.Linear):
            last = layer
    return last


def _as_float32(X):
    """Cast numeric numpy / pandas inputs to a float32 array; leave other inputs alone."""
    if hasattr(X, "to_numpy") and hasattr(X, "dtypes"):  # pandas
        X = X.to_numpy()
    if isinstance(X, np.ndarray) and X.dtype.kind in "fiub" and X.dtype != np.float32:
        return X.astype(np.float32)
    return X


def _as_int64(y):
    if y is None:
        return None
    if hasattr(y, "to_numpy") and not isinstance(y, torch.Tensor):
        y = y.to_numpy()
    if isinstance(y, (list, tuple)):
        y = np.asarray(y)
    if isinstance(y, np.ndarray) and y.dtype.kind in "iu" and y.dtype != np.int64:
        return y.astype(np.int64)
    return y
