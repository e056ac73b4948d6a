"""The return value shared by the loaders."""

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
