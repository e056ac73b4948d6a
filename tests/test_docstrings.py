"""The Examples sections of the docstrings run, and print what they say they print.

Every module of the package is collected, so a new module is included without
editing this file. (The data-set loaders' examples, which need the data files,
are marked ``# doctest: +SKIP``.)
"""

import doctest
import importlib
import pkgutil

import pytest

import sklearn_asss


def _modules_with_examples():
    names = []
    for info in pkgutil.walk_packages(sklearn_asss.__path__, prefix="sklearn_asss."):
        if info.name.endswith("__main__"):
            continue  # running it would start the command-line program
        module = importlib.import_module(info.name)
        if any(test.examples for test in doctest.DocTestFinder().find(module)):
            names.append(info.name)
    return names


MODULES = _modules_with_examples()


def test_the_examples_are_found():
    assert {"sklearn_asss._asss", "sklearn_asss._selection"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=True
    )
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
