"""Fault injection shared by the tests of training faults."""

from skorch.callbacks import Callback

from sklearn_asss.nn import TaskMLP


class InterruptAtEpoch(Callback):
    """Raises KeyboardInterrupt at the start of epoch `epoch` (1-based), as Ctrl-C would."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:  # skorch has added the epoch's row
            raise KeyboardInterrupt


class NaNTaskMLP(TaskMLP):
    """A TaskMLP whose logits turn NaN from the `from_call`-th forward pass on."""

    def __init__(self, n_features, n_classes, hidden_layer_sizes=(8,), from_call=1):
        super().__init__(n_features, n_classes, hidden_layer_sizes)
        self.from_call = from_call
        self.calls = 0

    def forward(self, X):
        self.calls += 1
        out = super().forward(X)
        return out * float("nan") if self.calls >= self.from_call else out
