"""Helpers shared by the plotting functions: the optional matplotlib import."""


def check_matplotlib(caller_name):
    """Import and return ``matplotlib.pyplot``, or raise a clear ImportError.

    matplotlib is an optional dependency of the package: it is imported here,
    inside the plotting functions, never when :mod:`sklearn_asss` is imported.

    Parameters
    ----------
    caller_name : str
        Name of the public function or method that needs matplotlib, used in
        the error message.

    Returns
    -------
    pyplot : module
        The ``matplotlib.pyplot`` module.
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib, which is not installed. Install it "
            'with `pip install matplotlib` or `pip install "sklearn-asss[plot]"`.'
        ) from exc
    return plt
