"""The experiment layer: data-set and method registries, one runner, one report writer.

``python -m sklearn_asss.benchmark --config benchmarks/configs/<study>.toml``
runs a study and writes its page; from Python::

    from sklearn_asss.benchmark import Study, run_study, write_report
    study = Study(datasets=["digits"], methods=["random", "kmeans"], keep_ratios=[0.1, 0.3])
    rows, notes = run_study(study)
    write_report(rows, study, notes=notes)

The estimators of the package never import this module.
"""

from ._cli import main
from ._config import Study, config_parts, load_study
from ._datasets import DATASETS, Dataset, flip_labels, load_dataset, register_dataset
from ._methods import DEFAULT_METHODS, METHODS, Method
from ._report import made_by, markdown_tables, paired_differences, plot_against_keep_ratio, \
    summarize, write_report
from ._runner import COLUMNS, FOREST_TREES, PROVENANCE, fit_downstream, read_rows, run_study

__all__ = [
    "COLUMNS",
    "DATASETS",
    "DEFAULT_METHODS",
    "Dataset",
    "FOREST_TREES",
    "METHODS",
    "Method",
    "PROVENANCE",
    "Study",
    "config_parts",
    "fit_downstream",
    "flip_labels",
    "load_dataset",
    "load_study",
    "made_by",
    "main",
    "markdown_tables",
    "paired_differences",
    "plot_against_keep_ratio",
    "read_rows",
    "register_dataset",
    "run_study",
    "summarize",
    "write_report",
]
