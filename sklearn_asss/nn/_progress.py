"""Progress of a long fit in skorch's epoch table."""

from skorch.callbacks import Callback


class TimeLeft(Callback):
    """Record ``left_s``, the estimated seconds left in the fit, after each epoch.

    skorch's :class:`~skorch.callbacks.PrintLog` then shows it as a column of
    the epoch table. The estimate is the remaining epochs times the duration
    of the last epoch, which is the best guess once the warm-up is over (a
    game epoch costs several warm-up epochs).
    """

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.total_epochs_ = len(net.history) + self._epochs_of(net)

    def on_epoch_end(self, net, **kwargs):
        epochs_left = max(self.total_epochs_ - len(net.history), 0)
        net.history.record("left_s", epochs_left * net.history[-1, "dur"])

    @staticmethod
    def _epochs_of(net):
        return getattr(net, "warmup_epochs", 0) + net.max_epochs
