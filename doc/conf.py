"""Sphinx configuration of the sklearn-asss documentation.

Build (from the repository root; warnings are errors, the gallery is executed)::

    sphinx-build -W -b html doc doc/_build/html

``SKLEARN_ASSS_DOC_PLOT=0`` in the environment skips running the examples
(their pages are built without figures), for a quick check of the text.
"""

import os
import sys
import warnings
from pathlib import Path

# the package is imported from the checkout, installed or not
DOC_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DOC_DIR.parent))

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import sklearn_asss  # noqa: E402

# -- Project -----------------------------------------------------------------

project = "sklearn-asss"
author = "The sklearn-asss developers"
copyright = "2026, The sklearn-asss developers"
release = sklearn_asss.__version__
version = release

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
# the committed benchmark tables (doc/benchmarks/*.md) are Markdown
try:
    import myst_parser  # noqa: F401
except ImportError:  # the benchmark pages are then skipped
    HAVE_MYST = False
else:
    extensions.append("myst_parser")
    HAVE_MYST = True

source_suffix = {".rst": "restructuredtext"}
if HAVE_MYST:
    source_suffix[".md"] = "markdown"
    myst_enable_extensions = ["dollarmath"]
    myst_heading_anchors = 3

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "_templates",
    "auto_examples/**/*.ipynb",
    "auto_examples/**/*.py",
    "auto_examples/**/*.zip",
    "**/*.json",
    "user_guide/_*.rst",  # fragments included by other pages
]
if not HAVE_MYST:
    exclude_patterns.append("benchmarks/**")

default_role = "literal"
nitpicky = False
# no network during the build: intersphinx is off on purpose
suppress_warnings = ["myst.header"]

# -- autodoc / autosummary / numpydoc ---------------------------------------

autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True}
autodoc_typehints = "none"
autoclass_content = "class"

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = False
numpydoc_xref_param_type = False

# -- sphinx-gallery ----------------------------------------------------------

RUN_EXAMPLES = os.environ.get("SKLEARN_ASSS_DOC_PLOT", "1") != "0"

sphinx_gallery_conf = {
    "examples_dirs": ["../examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"/plot_",
    "plot_gallery": "True" if RUN_EXAMPLES else "False",
    "abort_on_example_error": True,
    "only_warn_on_example_error": False,
    "backreferences_dir": "gen_modules/backreferences",
    "doc_module": ("sklearn_asss",),
    "reference_url": {"sklearn_asss": None},
    "subsection_order": [
        "../examples/quickstart",
        "../examples/selection",
        "../examples/model_selection",
        "../examples/adversarial",
        "../examples/large_data",
    ],
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "show_memory": False,
    "write_computation_times": True,
}

# examples print torch / skorch user warnings that are expected in a tutorial
warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently")

# -- HTML --------------------------------------------------------------------

try:
    import pydata_sphinx_theme  # noqa: F401
except ImportError:
    html_theme = "alabaster"
    html_theme_options = {}
else:
    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
        "secondary_sidebar_items": ["page-toc"],
    }
html_title = f"sklearn-asss {release}"
html_static_path = []
html_show_sourcelink = False


# -- the committed benchmark results -------------------------------------------
# The benchmark writes one Markdown page per run under doc/benchmarks/ (for
# instance benchmarks/clean/shuttle/results.md). The user guide's comparison
# page lists whatever is there: the comment below is replaced, when that page
# is read, by a toctree of every benchmark page, titled by its path.

BENCHMARK_MARKER = ".. benchmark-results-toctree"


def benchmark_toctree():
    """reST for the list of benchmark pages (or a sentence when there are none)."""
    root = DOC_DIR / "benchmarks"
    pages = list(root.rglob("*.md")) if HAVE_MYST and root.is_dir() else []
    if not pages:
        return "No benchmark results are committed yet."
    # the summaries directly under benchmarks/ first, then the runs by folder
    pages.sort(key=lambda page: (len(page.relative_to(root).parts), str(page)))
    lines = [".. toctree::", "   :maxdepth: 1", ""]
    for page in pages:
        parts = list(page.relative_to(root).with_suffix("").parts)
        if len(parts) == 1:
            label = _first_heading(page) or parts[0]
        else:
            if parts[-1] in ("results", "README", "index"):
                parts = parts[:-1]
            label = " / ".join(parts) + (" (summary)" if len(parts) == 1 else "")
        target = page.relative_to(DOC_DIR).with_suffix("").as_posix()
        lines.append(f"   {label} </{target}>")
    return "\n".join(lines)


def _first_heading(page):
    """The text of the first Markdown heading of `page`, or None."""
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip().replace("<", "").replace(">", "") or None
    return None


def insert_benchmark_toctree(app, docname, source):
    if BENCHMARK_MARKER in source[0]:
        text = source[0].splitlines()
        source[0] = "\n".join(
            benchmark_toctree() if line.startswith(BENCHMARK_MARKER) else line
            for line in text
        ) + "\n"


def reread_benchmark_page(app, env, added, changed, removed):
    # the list of benchmark pages may have changed since the last build
    return ["user_guide/comparison"]


def setup(app):
    app.connect("source-read", insert_benchmark_toctree)
    app.connect("env-get-outdated", reread_benchmark_page)
