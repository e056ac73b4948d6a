"""The test harness itself: a missing data set skips locally and fails in CI."""

import pytest


def test_a_missing_data_set_skips_locally_with_the_reason(data_dir, monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-file.gz not found.*SKLEARN_ASSS_DATA"):
        data_dir("no-such-file.gz")


def test_a_missing_data_set_fails_in_ci(data_dir, monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no-such-file.gz not found.*CI is set"):
        data_dir("no-such-file.gz")
