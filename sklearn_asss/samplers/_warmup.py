"""The shared base of the samplers that score rows with a briefly trained network."""

from abc import abstractmethod
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval

from .._base import BaseSubsampler
from .._selection import select_top
from .._utils import draw_seed
from ..nn import fit_task_classifier
from ..nn._utils import (
    DEVICE_CONSTRAINT,
    INFERENCE_BATCH_SIZE,
    check_device,
    eval_no_grad,
    inference_batches,
)

_network_parameters = """hidden_layer_sizes : tuple of int, default=(128, 64)
        Hidden layers of the scoring network
        (:class:`~sklearn_asss.nn.TaskMLP`, the task network of ASSS).

    batch_size : int, default=256
        Mini-batch size of its training.

    lr : float, default=1e-3
        Learning rate of its training (Adam).

    device : str or torch.device, default="cpu"
        Torch device of the network, e.g. ``"cuda"``. A device this machine
        does not have is a ValueError at the start of ``fit``."""

_warmup_docstring = {
    "network_parameters": _network_parameters,
    "warmup_parameters": """warmup_epochs : int, default=2
        Epochs of the warm-up training of the scoring network on all rows.

    """
    + _network_parameters,
    "verbose": """verbose : int, default=0
        If positive, print the warm-up epochs (skorch's table) and the
        scoring progress.""",
    "scores": """selection_scores_ : ndarray of shape (n_samples,)
        The score of every training row; higher means more likely kept (the
        kept rows are the highest-scoring ``class_budgets_[c]`` rows of each
        class ``c``).""",
}


def _check_hidden_layer_sizes(hidden_layer_sizes):
    sizes = tuple(hidden_layer_sizes)
    if not sizes or not all(
        isinstance(size, Integral) and not isinstance(size, bool) and size > 0
        for size in sizes
    ):
        raise ValueError(
            "hidden_layer_sizes must be a non-empty tuple of positive ints; "
            f"got {hidden_layer_sizes!r}."
        )
    return sizes


class WarmupScoringSampler(BaseSubsampler):
    """Warm a :class:`~sklearn_asss.nn.TaskMLP` up on all rows, score rows, keep the top per class.

    Subclasses implement :meth:`_score`, which receives the penultimate
    activations and the logits of the warmed-up network.

    Warning: This class should not be used directly. Use the derived classes
    instead.
    """

    _parameter_constraints: dict = {
        **BaseSubsampler._parameter_constraints,
        "warmup_epochs": [Interval(Integral, 1, None, closed="left")],
        "hidden_layer_sizes": [tuple, list],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "device": DEVICE_CONSTRAINT,
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        keep_ratio=0.3,
        min_samples_per_class=1,
        warmup_epochs=2,
        hidden_layer_sizes=(128, 64),
        batch_size=256,
        lr=1e-3,
        device="cpu",
        verbose=0,
        random_state=None,
    ):
        super().__init__(
            keep_ratio=keep_ratio,
            min_samples_per_class=min_samples_per_class,
            random_state=random_state,
        )
        self.warmup_epochs = warmup_epochs
        self.hidden_layer_sizes = hidden_layer_sizes
        self.batch_size = batch_size
        self.lr = lr
        self.device = device
        self.verbose = verbose

    def _select(self, X, y_encoded, budgets, random_state):
        n_classes = len(budgets)
        net = self._warm_up(X, y_encoded, n_classes, random_state)
        if self.verbose:
            print(f"[{type(self).__name__}] scoring {len(y_encoded)} rows")
        self.selection_scores_ = self._score(
            _Activations(net.module_, X, self.device),
            y_encoded,
            n_classes,
        )
        return select_top(self.selection_scores_, y_encoded, budgets)

    def _warm_up(self, X, y_encoded, n_classes, random_state, callbacks=None):
        """The scoring network, trained ``warmup_epochs`` epochs on all rows."""
        check_device(self.device)
        hidden_layer_sizes = _check_hidden_layer_sizes(self.hidden_layer_sizes)
        return fit_task_classifier(
            X,
            y_encoded,
            n_classes,
            seed=draw_seed(random_state),
            max_epochs=self.warmup_epochs,
            hidden_layer_sizes=hidden_layer_sizes,
            batch_size=self.batch_size,
            lr=self.lr,
            device=self.device,
            verbose=self.verbose,
            callbacks=callbacks,
        )

    @abstractmethod
    def _score(self, activations, y_encoded, n_classes):
        """Return one score per row (higher = keep) from the warmed-up network."""


class _Activations:
    """Batched forward passes of a TaskMLP: (row slice, penultimate, logits) per batch."""

    def __init__(self, module, X, device, batch_size=INFERENCE_BATCH_SIZE):
        self.module = module
        self.X = X
        self.device = device
        self.batch_size = batch_size

    def __iter__(self):
        layers = self.module.net
        body, head = layers[:-1], layers[-1]
        with eval_no_grad(self.module):
            for rows, inputs in inference_batches(
                self.X, device=self.device, batch_size=self.batch_size
            ):
                hidden = body(inputs)
                yield rows, hidden, head(hidden)
