"""Load drills against the session's sandbox, short and compressed: 10-30 s of load, 6 s windows, 2 s intervals."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator

import pytest
from certificates import CertificateAuthority
from https_front import HttpsFront
from interrupted_runs import InterruptibleRun


@pytest.fixture
def registry(tmp_path, monkeypatch) -> Path:
    """A registry of running locust groups for this test alone; drills started here record into it."""
    path = tmp_path / "registry"
    monkeypatch.setenv("DRILLBOOK_LOAD_REGISTRY", str(path))
    return path


@pytest.fixture
def start_drill(run_drill, sandbox, tmp_path, registry):
    """``start_drill(*args)``: the load drill as a running pytest process whose lines the test can wait for."""
    started: list[InterruptibleRun] = []

    def start(*args: str) -> InterruptibleRun:
        argv = [sys.executable, "-m", "pytest", f"--rootdir={run_drill.repo}", "-c", str(run_drill.repo / "pyproject.toml"),
                "-p", "no:cacheprovider", f"--basetemp={tmp_path / 'basetemp'}", f"--alluredir={tmp_path / 'results'}",
                *args, str(run_drill.repo / "load")]
        env = {**os.environ, "DRILLBOOK_SANDBOX_URL": sandbox.url, "CASTIEL_ADMIN_TOKEN": sandbox.admin_token,
               "NO_PROXY": "127.0.0.1,localhost", "PY_COLORS": "0", "DRILLBOOK_LOAD_REGISTRY": str(registry)}
        started.append(InterruptibleRun(argv, tmp_path, env))
        return started[-1]

    yield start
    for run in started:  # a test that failed half-way must not leave its drill running
        if run.process.poll() is None:
            run.process.kill()
            run.finish(timeout=30)


@pytest.fixture(scope="module")
def front(sandbox, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """The sandbox behind HTTPS on loopback, its certificate signed by a private CA: its URL and the CA's bundle."""
    authority = CertificateAuthority.create(tmp_path_factory.mktemp("ca"))
    leaf = authority.issue(tmp_path_factory.mktemp("leaf"), valid_days=3)
    with HttpsFront(sandbox.url, leaf.server_context()) as server:
        yield server.url, str(authority.bundle)
