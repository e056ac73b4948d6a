"""Training faults turned into clear errors: divergence and interrupts.

skorch keeps training on a NaN loss and stops quietly on a KeyboardInterrupt;
both leave a net that looks fitted. The estimators of the package use the
callback and the mixin below so that such a fit ends in an exception instead.
"""

import math

from skorch.callbacks import Callback, EarlyStopping


class TrainingDivergedError(FloatingPointError):
    """A loss or a selection probability became NaN or infinite during training."""


class FiniteTrainingCheck(Callback):
    """Stop training with :class:`TrainingDivergedError` at the first non-finite value.

    After every batch, each value the batch recorded in the net's history
    under one of `watched` is checked; the error lists every non-finite one
    (which network it belongs to), the epoch and what to change.

    Parameters
    ----------
    watched : dict of str to str, default=None
        History key to a description of what it measures, e.g.
        ``{"train_loss": "the task network's training loss"}``. None watches
        skorch's ``train_loss`` and ``valid_loss``.
    advice : callable, default=None
        ``advice(net)`` returns the sentence saying what to change; None
        suggests a lower ``lr``.
    """

    def __init__(self, watched=None, advice=None):
        self.watched = watched
        self.advice = advice

    def on_batch_end(self, net, **kwargs):
        watched = self.watched or {
            "train_loss": "the training loss",
            "valid_loss": "the validation loss",
        }
        record = net.history[-1, "batches"][-1]
        diverged = [
            f"{description} ({key}) is {record[key]}"
            for key, description in watched.items()
            if key in record and not math.isfinite(record[key])
        ]
        if diverged:
            raise TrainingDivergedError(
                f"{type(net).__name__}: the training diverged in epoch {len(net.history)}: "
                f"{', '.join(diverged)}. {self._advice(net)}"
            )

    def _advice(self, net):
        if self.advice is not None:
            return self.advice(net)
        return (
            f"Lower the learning rate (lr={net.lr:g}) or scale the features "
            "(e.g. StandardScaler)."
        )


class RaiseOnInterruptMixin:
    """A skorch net whose ``fit``/``partial_fit`` re-raise a KeyboardInterrupt.

    skorch catches a KeyboardInterrupt in ``partial_fit`` and returns a net
    trained for as many epochs as ran, which is right for a net trained by
    hand in a notebook but wrong inside a sampler: the sampler would go on
    and select rows with a half-trained network. This mixin lets skorch
    finish as usual (``on_train_end`` callbacks run) and then raises the
    interrupt again; the interrupt by which skorch's ``EarlyStopping`` ends a
    training is not re-raised. (``interrupted_`` ends with an underscore so
    that skorch does not take it for a parameter.)
    """

    def fit_loop(self, X, y=None, **fit_params):
        try:
            return super().fit_loop(X, y, **fit_params)
        except KeyboardInterrupt:
            # skorch's EarlyStopping ends a training by a KeyboardInterrupt too
            self.interrupted_ = not self._stopped_early()
            raise

    def _stopped_early(self):
        """Whether an ``EarlyStopping`` callback ended the training."""
        return any(
            isinstance(callback, EarlyStopping) and callback.misses_ >= callback.patience
            for _, callback in self.callbacks_
        )

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        self.interrupted_ = False
        super().partial_fit(X, y, classes, **fit_params)
        if self.interrupted_:
            raise KeyboardInterrupt(
                f"{type(self).__name__} was interrupted in epoch {len(self.history)}."
            )
        return self
