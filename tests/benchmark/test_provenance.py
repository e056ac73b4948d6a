"""What made a study's rows: the commit of the package's checkout, else its version."""

from pathlib import Path

import pytest

from sklearn_asss import __version__
from sklearn_asss.benchmark import _provenance

PACKAGE_ROOT = Path(_provenance.__file__).resolve().parents[2]


def fake_git(monkeypatch, toplevel, head="0123456789ab", status=""):
    answers = {"--show-toplevel": toplevel, "--short=12": head, "--porcelain": status}

    def git(*args):
        return next(answer for flag, answer in answers.items() if flag in args)

    monkeypatch.setattr(_provenance, "_git", git)


@pytest.mark.parametrize("status, code", [
    ("", "0123456789ab"),
    (" M sklearn_asss/_asss.py", "0123456789ab with uncommitted changes"),
])  # fmt: skip
def test_a_checkout_gives_its_commit_marked_when_the_code_differs(monkeypatch, status, code):
    fake_git(monkeypatch, str(PACKAGE_ROOT), status=status)
    assert _provenance.code_version() == code


@pytest.mark.parametrize("toplevel", [None, "/elsewhere"])
def test_an_installed_copy_gives_the_package_version(monkeypatch, toplevel):
    # no repository, or one the package was not imported from (a site-packages inside it)
    fake_git(monkeypatch, toplevel)
    assert _provenance.code_version() == f"sklearn-asss {__version__}"


def test_a_missing_git_is_no_error(monkeypatch):
    def no_git(*args, **kwargs):
        raise FileNotFoundError("git")

    monkeypatch.setattr(_provenance.subprocess, "run", no_git)
    assert _provenance.code_version() == f"sklearn-asss {__version__}"
