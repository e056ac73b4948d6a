"""Run every gallery example (examples/**/plot_*.py), so that none can rot.

The documentation build executes them as well (sphinx-gallery); this test
catches a broken example without building the site. Each example runs in
seconds on data bundled with scikit-learn.
"""

import runpy
import warnings
from pathlib import Path

import pytest

matplotlib = pytest.importorskip("matplotlib")

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("**/plot_*.py"))


def test_examples_are_found():
    # a gallery with no examples (a moved folder, a renamed pattern) must not pass silently
    assert len(EXAMPLES) >= 6
    for folder in {path.parent for path in EXAMPLES}:
        assert (folder / "GALLERY_HEADER.rst").exists(), folder


@pytest.mark.slow
@pytest.mark.parametrize(
    "path", EXAMPLES, ids=[str(p.relative_to(EXAMPLES_DIR)) for p in EXAMPLES]
)
def test_example_runs(path, tmp_path, monkeypatch):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)  # anything an example writes stays out of the repo
    monkeypatch.setattr(plt, "show", lambda *args, **kwargs: None)
    try:
        with warnings.catch_warnings():
            # examples may show the package's own warnings (e.g. a collapse warning)
            warnings.simplefilter("default")
            runpy.run_path(str(path), run_name="__main__")
        assert plt.get_fignums(), f"{path.name} drew no figure"
    finally:
        plt.close("all")
