"""Drive whole drill runs (pytester, in a subprocess) against one real sandbox per test session.

    def test_x(run_drill, faults):
        faults.inject("/health", status=503)
        result = run_drill("-m", "smoke")
        result.assert_outcomes(failed=...)

Faults are cleared after every test, so tests stay independent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sandbox.runner import FaultControl, start_sandbox

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sandbox():
    with start_sandbox() as running:
        yield running


@pytest.fixture
def faults(sandbox):
    control = FaultControl(sandbox.url, sandbox.fault_token)
    control.reset()
    yield control
    control.reset()


@pytest.fixture
def drill_environ(sandbox) -> dict[str, str]:
    """The environment a drill run needs to reuse the session's sandbox."""
    return {"DRILLBOOK_SANDBOX_URL": sandbox.url, "CASTIEL_ADMIN_TOKEN": sandbox.admin_token,
            "SANDBOX_FAULT_TOKEN": sandbox.fault_token}


@pytest.fixture
def run_drill(pytester, monkeypatch, drill_environ, tmp_path):
    """Run the repo's drills in a fresh interpreter; results go to tmp_path/allure-results."""
    for name, value in drill_environ.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("DRILLBOOK_RUN_DIR", raising=False)
    results = tmp_path / "allure-results"

    def run(*args: str, paths: tuple[str, ...] = ("checks", "smoke")):
        targets = [str(REPO / p) for p in paths]
        return pytester.runpytest_subprocess(
            f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"), "-p", "no:cacheprovider",
            f"--alluredir={results}", "-rfEs", *args, *targets, timeout=240)

    run.results, run.repo = results, REPO
    return run
