"""Fault injection shared by the tests of training faults."""

from skorch.callbacks import Callback


class InterruptAtEpoch(Callback):
    """Raises KeyboardInterrupt at the start of epoch `epoch` (1-based), as Ctrl-C would."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:  # skorch has added the epoch's row
            raise KeyboardInterrupt
