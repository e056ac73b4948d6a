"""The return value shared by the loaders."""

import pandas as pd
from sklearn.utils import Bunch


def _loader_output(data, target, *, return_X_y, frame=None, **fields):
    """``(data, target)`` when `return_X_y`, else a Bunch of them and `fields`.

    `frame` (the data and target side by side, given with ``as_frame=True``)
    is added to the Bunch only when it is not None, as scikit-learn's loaders do.
    """
    if return_X_y:
        return data, target
    bunch = Bunch(data=data, target=target, **fields)
    if frame is not None:
        bunch.frame = frame
    return bunch


def _numeric_output(data, target, *, as_frame, return_X_y, **fields):
    """A numeric table (DataFrame `data`, Series `target`) as the loaders return it.

    With `as_frame` the frames are kept and ``frame`` joins them; otherwise
    both become NumPy arrays.
    """
    frame = None
    if as_frame:
        frame = pd.concat([data, target], axis=1)
    else:
        data, target = data.to_numpy(), target.to_numpy()
    return _loader_output(data, target, return_X_y=return_X_y, frame=frame, **fields)
