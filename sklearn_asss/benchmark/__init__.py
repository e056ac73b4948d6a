"""The ASSS paper's experiment as one command: ``python -m sklearn_asss.benchmark``.

:func:`run_benchmark` runs the cross-validated protocol and returns one row
per fold and method; :func:`write_report` writes the Markdown table, the CSV
files and the chart; :func:`main` is the command line.
"""

from ._cli import main
from ._protocol import DATASETS, METHODS, BenchmarkConfig, run_benchmark
from ._report import markdown_report, merge_runs, paired_tests, plot_prr, summarize, write_report

__all__ = [
    "BenchmarkConfig",
    "DATASETS",
    "METHODS",
    "main",
    "markdown_report",
    "merge_runs",
    "paired_tests",
    "plot_prr",
    "run_benchmark",
    "summarize",
    "write_report",
]
