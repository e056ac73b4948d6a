"""The skorch net that plays the ASSS game: two modules, two optimizers, one train step."""

import numbers
import warnings
from typing import NamedTuple, Optional

import numpy as np
import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data
from skorch.utils import to_tensor

from ._guards import FiniteTrainingCheck, RaiseOnInterruptMixin
from ._modules import SelectorMLP, TaskMLP, per_sample_cross_entropy
from ._objectives import (
    budget_penalty,
    lookahead_validation_loss,
    mean_binary_entropy,
    output_layer_lookahead,
    paper_selector_loss,
    row_mean,
    standardised_surrogate,
    weighted_task_loss,
)
from ._relaxation import annealed_temperature, relaxed_bernoulli
from ._utils import (
    INFERENCE_BATCH_SIZE,
    BatchIterator,
    FastOptimizerMixin,
    PickleModuleWithNetMixin,
    _length,
    _take,
    eval_no_grad,
    inference_batches,
)

SELECTOR_INPUTS = ("features", "features+label", "features+label+loss")
#: ``lookahead`` values: which of the task network's layers the bi-level inner step updates
LOOKAHEADS = ("full", "output_layer")
_EPOCH_KEYS = ("task_loss", "selector_loss", "mean_p", "tau")
# the per-batch records checked for NaN and infinity, and what each measures
_WATCHED = {
    "train_loss": "the task network's training loss",
    "task_loss": "the task network's loss",
    "selector_loss": "the selector's loss",
    "mean_p": "the selector's mean selection probability",
}


class SelectionCollapseWarning(UserWarning):
    """The selector's mean probability fell toward 0 (the paper objective's failure mode)."""


class LookaheadBatchIterator(BatchIterator):
    """Yields each training batch together with an independent batch of the same size.

    The second batch is the held-out data of the bi-level look-ahead: the
    selector is judged by how the task network, updated on the weighted first
    batch, does on rows it did not just learn from. With a dict of inputs
    (``{"X": ..., "counts": ...}``), each is yielded for both batches, the
    second's under the prefix ``meta_``. `needs_meta`, a function of no
    arguments called before each batch, may say that the step will not read
    the second batch (a warm-up step, a step without the selector's): the
    batch then comes alone, its rows drawn all the same.
    """

    def __init__(self, dataset, needs_meta=None, **kwargs):
        super().__init__(dataset, **kwargs)
        self.needs_meta = needs_meta

    def __iter__(self):
        n = _length(self.X)
        meta_order = torch.randperm(n, generator=self.generator)
        for start, (X, y) in zip(range(0, n, self.batch_size), super().__iter__()):
            if self.needs_meta is not None and not self.needs_meta():
                yield _named_inputs(X), y
                continue
            rows = meta_order[start : start + _length(X)]
            meta = _named_inputs(_take(self.X, rows))
            yield {
                **_named_inputs(X),
                **{f"meta_{key}": value for key, value in meta.items()},
                "meta_y": self.y[rows],
            }, y


class SoftSelectionNet(
    RaiseOnInterruptMixin, PickleModuleWithNetMixin, FastOptimizerMixin, NeuralNet
):
    """A skorch ``NeuralNet`` that trains a task network and a selector against each other.

    skorch's documented way to train two modules with two optimizers is to
    override :meth:`initialize_module`, :meth:`initialize_optimizer` and
    :meth:`train_step`; doing so keeps skorch's callbacks, ``history`` and
    ``verbose`` epoch table for the whole game. ``module`` is the task network
    C and ``selector`` the selector G; ``optimizer``/``lr`` train C and
    ``selector_optimizer``/``selector_lr`` train G (the two time-scales).

    Unlike a plain skorch net, a fit that diverges (a NaN or infinite loss
    or selection probability) raises
    :class:`~sklearn_asss.nn.TrainingDivergedError` naming the network and
    the epoch, and a KeyboardInterrupt is raised again after skorch's
    ``on_train_end`` instead of ending the fit quietly.

    The first ``warmup_epochs`` epochs train C alone on the unweighted data
    (their ``mean_p``, of the selector as it starts, is read on each epoch's
    first batch).
    Each later step (Algorithm 1) first updates C on the batch weighted by
    relaxed selections drawn at the current temperature, then updates G:

    - ``objective="paper"``: ``L_G`` of equation (4) with the moving-average
      baseline of ``L_C`` subtracted.
    - ``objective="bilevel"``: the expected error (``1 - softmax(C(x))_y``)
      on an independent batch of C after a one-step look-ahead (SGD, step
      ``lr``, of C's output layer or of all of C: ``lookahead``) on the
      weighted batch, its gradient with respect to the
      weights standardised over the batch, plus
      ``sparsity_weight * (mean(p) - keep_ratio)^2`` and minus
      ``entropy_weight * H(p)``.

    C's own step uses the self-normalised weights ``z~ / mean(z~)``: the
    direction of equation (3)'s gradient with its scale held fixed, so that C
    keeps learning even when the selector's probabilities collapse.

    ``fit`` takes the rows as a tensor, or as a dict ``{"X": rows, "counts":
    copies}`` in which each row stands for ``counts`` copies of itself (a
    float tensor): every mean of the game (both losses, the look-ahead's
    step and judging batch, ``mean(p)``) then weighs a row by its copies, as
    the batch of all the copies would (``ASSSSampler(collapse_duplicates=True)``).

    Parameters
    ----------
    module, selector : torch.nn.Module class or instance
        The task network and the selector network.
    objective : {"bilevel", "paper"}
        Which selector loss to minimise.
    keep_ratio : float
        The budget the bi-level objective holds ``mean(p)`` at.
    sparsity_weight, entropy_weight : float
        ``lambda`` and ``beta``.
    initial_temperature, final_temperature : float
        The Gumbel-softmax temperature schedule (exponential, per step).
    warmup_epochs : int
        Epochs of plain training of C before the game starts; ``max_epochs``
        counts the game's epochs only.
    selector_input : {"features", "features+label", "features+label+loss"}
        What G sees of a row.
    lookahead : {"full", "output_layer"}
        ``"bilevel"`` only: the inner step updates every parameter of C
        (``lookahead_validation_loss``, a second-order pass through C), or
        the last ``torch.nn.Linear`` layer of C only
        (``output_layer_lookahead``, computed from the logits and the
        output layer's inputs with no second pass; it needs a C whose output
        is that layer's output).
    n_classes : int
        Number of classes, for the one-hot label input.
    selector_optimizer : torch optimizer class
        Optimizer of G.
    selector_lr : float
        Learning rate of G.
    selector_clip : float
        Maximum gradient norm of G's update.
    selector_interval : int
        G steps on every this many of C's game steps; on the others C learns
        from a draw of G's current probabilities (G's step costs about twice
        C's).
    baseline_momentum : float
        Momentum of the moving-average baseline of ``L_C`` (``"paper"``; in
        ``"bilevel"`` the centring of the standardised gradient plays its part).
    seed : int
        Seed of the Gumbel noise and of the batch order.
    **kwargs
        Passed to :class:`skorch.NeuralNet`.
    """

    # no ``prefixes_`` entry for the selector: skorch then registers ``selector_`` and
    # ``selector_optimizer_`` as it does ``module_``, so they move to ``device`` and a net
    # pickled on a GPU loads on a CPU-only machine

    def __init__(
        self,
        module=TaskMLP,
        selector=SelectorMLP,
        *,
        objective="bilevel",
        keep_ratio=0.3,
        sparsity_weight=1.0,
        entropy_weight=0.01,
        initial_temperature=1.0,
        final_temperature=0.1,
        warmup_epochs=2,
        selector_input="features+label+loss",
        lookahead="full",
        n_classes=2,
        selector_optimizer=torch.optim.Adam,
        selector_lr=1e-4,
        selector_clip=1.0,
        selector_interval=1,
        baseline_momentum=0.9,
        seed=0,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        **kwargs,
    ):
        kwargs.setdefault("iterator_train", BatchIterator)
        kwargs.setdefault("iterator_valid", BatchIterator)
        kwargs.setdefault("train_split", None)
        # set before skorch's __init__, which refuses a module instance set after it
        # unless its name is in ``prefixes_`` (see below)
        self.selector = selector
        super().__init__(module, criterion=criterion, optimizer=optimizer, **kwargs)
        self.objective = objective
        self.keep_ratio = keep_ratio
        self.sparsity_weight = sparsity_weight
        self.entropy_weight = entropy_weight
        self.initial_temperature = initial_temperature
        self.final_temperature = final_temperature
        self.warmup_epochs = warmup_epochs
        self.selector_input = selector_input
        self.lookahead = lookahead
        self.n_classes = n_classes
        self.selector_optimizer = selector_optimizer
        self.selector_lr = selector_lr
        self.selector_clip = selector_clip
        self.selector_interval = selector_interval
        self.baseline_momentum = baseline_momentum
        self.seed = seed

    # ------------------------------------------------------------ initialisation
    def get_default_callbacks(self):
        check = FiniteTrainingCheck(_WATCHED, advice=_lower_learning_rates)
        return [*super().get_default_callbacks(), ("finite_check", check)]

    def initialize_module(self):
        super().initialize_module()
        self.selector_ = self.initialized_instance(
            self.selector, self.get_params_for("selector")
        )
        if self.lookahead not in LOOKAHEADS:
            raise ValueError(f"lookahead must be one of {LOOKAHEADS}; got {self.lookahead!r}.")
        interval = self.selector_interval
        if not isinstance(interval, numbers.Integral) or isinstance(interval, bool) or interval < 1:
            raise ValueError(f"selector_interval must be an integer >= 1; got {interval!r}.")
        self.output_layer_ = None
        if self.lookahead == "output_layer":
            self.output_layer_ = _output_layer(self.module_)
        return self

    def initialize_optimizer(self, *args, **kwargs):
        for name, module, lr in [
            ("optimizer", self.module_, self.lr),
            ("selector_optimizer", self.selector_, self.selector_lr),
        ]:
            groups, kwargs_ = self.get_params_for_optimizer(name, module.named_parameters())
            # skorch fills in the task network's ``lr``; an explicit ``<name>__lr`` wins
            kwargs_["lr"] = self.get_params_for(name).get("lr", lr)
            setattr(self, name + "_", getattr(self, name)(*groups, **kwargs_))
        return self

    def get_iterator(self, dataset, training=False):
        if training and self.objective == "bilevel":
            kwargs = self.get_params_for("iterator_train")
            kwargs.setdefault("batch_size", self.batch_size)
            kwargs.setdefault("needs_meta", self._selector_steps)
            return LookaheadBatchIterator(dataset, **kwargs)
        return super().get_iterator(dataset, training=training)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.noise_generator_ = torch.Generator().manual_seed(self.seed)
        n_rows = len(X["X"]) if isinstance(X, dict) else len(X)
        self.total_game_steps_ = max(1, self.max_epochs * -(-n_rows // self.batch_size))
        self.game_steps_done_ = 0
        self.loss_baseline_ = None

    # ------------------------------------------------------------ the game
    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        epochs = self.max_epochs if epochs is None else epochs
        return super().fit_loop(X, y, epochs=self.warmup_epochs + epochs, **fit_params)

    @property
    def in_warmup(self):
        return len(self.history) <= self.warmup_epochs

    def _selector_steps(self):
        """Whether the selector steps on the coming batch (``selector_interval``)."""
        return not self.in_warmup and self.game_steps_done_ % self.selector_interval == 0

    @property
    def temperature(self):
        progress = self.game_steps_done_ / self.total_game_steps_
        return annealed_temperature(
            self.initial_temperature, self.final_temperature, progress
        )

    def selector_features(self, X, y, per_sample_loss):
        """The selector's input for rows `X` with labels `y` (see ``selector_input``)."""
        parts = [X]
        if self.selector_input != "features":
            parts.append(torch.nn.functional.one_hot(y, self.n_classes).to(X.dtype))
        if self.selector_input == "features+label+loss":
            parts.append(torch.log1p(per_sample_loss).unsqueeze(1).to(X.dtype))
        return torch.cat(parts, dim=1)

    def train_step(self, batch, **fit_params):
        Xi, y = unpack_data(batch)
        inputs = _named_inputs(Xi)
        inputs = {key: to_tensor(value, device=self.device) for key, value in inputs.items()}
        y = to_tensor(y, device=self.device).long()
        for module in (self.module_, self.selector_):
            if not module.training:  # train() walks every submodule: a cost per step
                module.train()
        if self.in_warmup:
            return self._warmup_step(inputs["X"], y, inputs.get("counts"))
        step = self._game_step(inputs, y)
        self.game_steps_done_ += 1
        return step

    def _warmup_step(self, X, y, counts):
        self.optimizer_.zero_grad()
        logits = self.module_(X)
        per_sample_loss = per_sample_cross_entropy(logits, y)
        loss = row_mean(per_sample_loss, counts)
        loss.backward()
        self.optimizer_.step()
        self._record(task_loss=loss.item())
        if len(self.history[-1, "batches"]) == 1:
            # the selector does not train in the warm-up: one batch an epoch estimates its mean p
            with torch.no_grad():
                features = self.selector_features(X, y, per_sample_loss)
                p = torch.sigmoid(self.selector_(features))
            self._record(mean_p=row_mean(p, counts).item())
        return {"loss": loss.detach(), "y_pred": logits.detach()}

    def _game_step(self, inputs, y):
        """One step of the game: the task network's, then the selector's.

        With the output-layer look-ahead, one forward pass of the task network
        on the batch serves both, as in learning-to-reweight: its per-row loss
        is what the selector sees, one draw of ``z~`` weights the task
        network's step, and the selector is judged from the parameters before
        that step. Otherwise (the full look-ahead, the paper objective) the
        task network steps first on a draw of its own and the selector is
        judged from the stepped network on a fresh pass and draw: with the full
        look-ahead, one pass retained 0.26-0.49 points less under label noise
        on the six panel tables (the user guide's parameters page). Off the
        selector's steps (``selector_interval``) only the task network steps.
        """
        X, counts = inputs["X"], inputs.get("counts")
        selector_steps = self._selector_steps()
        if self.objective == "bilevel" and self.lookahead == "output_layer" and selector_steps:
            logits, features = self.logits_and_features(X)
            per_sample_loss = per_sample_cross_entropy(logits, y)
            batch = _Batch(
                X, y, counts, logits.detach(), features.detach(), per_sample_loss.detach()
            )
            weights = self._step_selector(batch, inputs).detach()
            self._step_task(per_sample_loss, weights, counts)
        else:
            logits = self.module_(X)
            per_sample_loss = per_sample_cross_entropy(logits, y)
            with torch.no_grad():
                _, weights = self._relaxed_selections(X, y, per_sample_loss)
            self._step_task(per_sample_loss, weights, counts)
            if selector_steps:
                with torch.no_grad():
                    stepped = self.module_(X)
                losses = per_sample_cross_entropy(stepped, y)
                self._step_selector(_Batch(X, y, counts, stepped, None, losses), inputs)
        return {
            "loss": weighted_task_loss(per_sample_loss.detach(), weights, counts),
            "y_pred": logits.detach(),
        }

    def _relaxed_selections(self, X, y, per_sample_loss):
        """The selector's logits for the rows and ``z~`` of equation (2) drawn from them."""
        logits = self.selector_(self.selector_features(X, y, per_sample_loss))
        return logits, relaxed_bernoulli(logits, self.temperature, self.noise_generator_)

    def _step_task(self, per_sample_loss, weights, counts):
        self.optimizer_.zero_grad()
        normalised = weights / row_mean(weights, counts).clamp_min(1e-12)
        row_mean(normalised * per_sample_loss, counts).backward()
        self.optimizer_.step()

    def _step_selector(self, batch, inputs):
        """The selector's update on a fresh draw of ``z~`` from `batch`'s pass; returns ``z~``."""
        logits, weights = self._relaxed_selections(batch.X, batch.y, batch.losses)
        p = torch.sigmoid(logits)
        if self.objective == "paper":
            fidelity = weighted_task_loss(batch.losses, weights, batch.counts)
            loss = paper_selector_loss(
                fidelity,
                p,
                sparsity_weight=self.sparsity_weight,
                entropy_weight=self.entropy_weight,
                baseline=self._update_baseline(fidelity.item()),
                counts=batch.counts,
            )
            surrogate = loss
        else:
            fidelity, grad = self._lookahead_loss_and_gradient(batch, inputs, weights)
            regularisation = self.sparsity_weight * budget_penalty(
                p, self.keep_ratio, batch.counts
            ) - self.entropy_weight * mean_binary_entropy(p, counts=batch.counts)
            loss = fidelity + regularisation
            surrogate = standardised_surrogate(grad, weights, batch.counts) + regularisation
        parameters = list(self.selector_.parameters())
        grads = torch.autograd.grad(surrogate, parameters)
        for parameter, grad in zip(parameters, grads):
            parameter.grad = grad
        torch.nn.utils.clip_grad_norm_(parameters, self.selector_clip)
        self.selector_optimizer_.step()
        self._record(
            task_loss=fidelity.item(),
            selector_loss=loss.item(),
            mean_p=row_mean(p, batch.counts).item(),
            tau=self.temperature,
        )
        return weights

    def _lookahead_loss_and_gradient(self, batch, inputs, weights):
        """The judging batch's expected error after the look-ahead step (``lookahead``), and
        its gradient with respect to the relaxed selections `weights`."""
        # a distinct row weighs in the look-ahead step as all its copies together
        counts = batch.counts
        step_weights = weights if counts is None else weights * counts
        y_val, val_counts = inputs["meta_y"].long(), inputs.get("meta_counts")
        if self.lookahead == "full":
            loss = lookahead_validation_loss(
                self.module_, batch.X, batch.y, step_weights, inputs["meta_X"], y_val,
                lookahead_lr=self.lr, val_counts=val_counts,
            )  # fmt: skip
            (grad,) = torch.autograd.grad(loss, weights)
            return loss.detach(), grad
        with torch.no_grad():
            val_logits, val_features = self.logits_and_features(inputs["meta_X"])
        loss, grad = output_layer_lookahead(
            batch.logits, batch.features, batch.y, step_weights, val_logits, val_features,
            y_val, lookahead_lr=self.lr, bias=self.output_layer_.bias is not None,
            val_counts=val_counts,
        )  # fmt: skip
        return loss, grad if counts is None else grad * counts

    def logits_and_features(self, X):
        """C's logits for `X` and the input of its output layer (``lookahead="output_layer"``)."""
        captured = {}

        def capture(layer, layer_inputs, output):
            captured["features"], captured["output"] = layer_inputs[0], output

        handle = self.output_layer_.register_forward_hook(capture)
        try:
            logits = self.module_(X)
        finally:
            handle.remove()
        if captured.get("output") is not logits:
            raise ValueError(
                'lookahead="output_layer" needs a task network whose output is the output '
                "of its last torch.nn.Linear layer; this one's is not. Use "
                'lookahead="full".'
            )
        return logits, captured["features"]

    def _update_baseline(self, value):
        previous = self.loss_baseline_
        if previous is None:
            previous = value
        self.loss_baseline_ = (
            self.baseline_momentum * previous + (1 - self.baseline_momentum) * value
        )
        return previous

    def _record(self, **values):
        for key, value in values.items():
            self.history.record_batch(key, value)

    def on_epoch_end(self, net, **kwargs):
        batches = self.history[-1, "batches"]
        self.history.record("phase", "warmup" if self.in_warmup else "game")
        for key in _EPOCH_KEYS:
            values = [batch[key] for batch in batches if key in batch]
            self.history.record(key, float(np.mean(values)) if values else float("nan"))

    # ------------------------------------------------------------ scoring
    def selection_probabilities(self, X, y, batch_size=INFERENCE_BATCH_SIZE):
        """``p = sigmoid(G(x, y, loss))`` for float tensor `X` and long tensor `y`."""
        return self.probabilities_and_losses(X, y, batch_size)[0]

    def probabilities_and_losses(
        self, X, y, batch_size=INFERENCE_BATCH_SIZE, class_probabilities=False
    ):
        """``p`` and C's per-row cross-entropy (the loss G sees), as float64 arrays.

        With `class_probabilities`, also C's softmax output, shape (n_rows, n_classes).
        """
        probabilities, losses, softmax = [], [], []
        with eval_no_grad(self.module_, self.selector_):
            for _, Xb, yb in inference_batches(
                X, y, device=self.device, batch_size=batch_size
            ):
                yb = yb.long()
                logits = self.module_(Xb)
                loss = per_sample_cross_entropy(logits, yb)
                features = self.selector_features(Xb, yb, loss)
                probabilities.append(torch.sigmoid(self.selector_(features)))
                losses.append(loss)
                if class_probabilities:
                    softmax.append(torch.softmax(logits, dim=1))
        outputs = _as_numpy(probabilities), _as_numpy(losses)
        return (*outputs, _as_numpy(softmax)) if class_probabilities else outputs

    def check_collapse(self, threshold):
        """Warn when the game ended with ``mean(p)`` below `threshold`."""
        mean_p = self.history[-1, "mean_p"]
        if mean_p < threshold:
            warnings.warn(
                f"The selector collapsed: mean selection probability {mean_p:.2e} at "
                "the end of training. The subset is then ranked by what is left of p, "
                "which favours the easiest rows. Lower sparsity_weight, raise "
                "entropy_weight, or use objective='bilevel'.",
                SelectionCollapseWarning,
                stacklevel=2,
            )


class _Batch(NamedTuple):
    """A game batch and the task network's pass on it (detached); ``features``, the output
    layer's input, only for the output-layer look-ahead."""

    X: torch.Tensor
    y: torch.Tensor
    counts: Optional[torch.Tensor]
    logits: torch.Tensor
    features: Optional[torch.Tensor]
    losses: torch.Tensor


def _named_inputs(data):
    """A batch's inputs as a dict: a dict as it is, a tensor of rows as ``{"X": rows}``."""
    return data if isinstance(data, dict) else {"X": data}


def _output_layer(module):
    """The last ``torch.nn.Linear`` of `module` (its output layer, in a feed-forward net)."""
    linears = [layer for layer in module.modules() if isinstance(layer, torch.nn.Linear)]
    if not linears:
        raise ValueError(
            'lookahead="output_layer" needs a task network with a torch.nn.Linear output '
            'layer; this one has none. Use lookahead="full".'
        )
    return linears[-1]


def _as_numpy(batches):
    return torch.cat(batches).cpu().numpy().astype(np.float64)


def _lower_learning_rates(net):
    return (
        f"Lower the task network's learning rate (lr={net.lr:g}; task_lr of ASSSSampler) "
        f"or the selector's (selector_lr={net.selector_lr:g})."
    )
