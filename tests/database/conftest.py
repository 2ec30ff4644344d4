"""One real sandbox for the database tests; drills run against it in a fresh pytest subprocess.

    def test_x(run_drill, faults):
        faults.dependency("cosmos", "stop")
        result = run_drill("-m", "database")          # a pytest.RunResult
        result.stdout.fnmatch_lines([...])

Every fault is undone after each test (``faults`` resets the sandbox), and the
helpers that change the real Cosmos server restore what they changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from sandbox.runner import FaultControl, start_sandbox

REPO = Path(__file__).resolve().parents[2]
DRILL_TIMEOUT_S = 240


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
def cosmos_db(sandbox, faults):
    """The sandbox's real Cosmos database ``castiel``, through the SDK (for setting up and verifying faults)."""
    from azure.cosmos import CosmosClient

    info = faults.info()
    client = CosmosClient(info["cosmos_url"], credential=info["cosmos_key"], enable_endpoint_discovery=False,
                          connection_timeout=5, read_timeout=5, retry_total=0)
    yield client.get_database_client("castiel")
    client.close()


@pytest.fixture
def indexing_policy(cosmos_db):
    """``indexing_policy("shards", policy)`` replaces a container's policy; the original comes back afterwards."""
    from azure.cosmos import PartitionKey

    originals = {}

    def replace(name: str, policy: dict) -> None:
        props = cosmos_db.get_container_client(name).read()
        originals.setdefault(name, props)
        cosmos_db.replace_container(name, partition_key=PartitionKey(props["partitionKey"]["paths"][0]),
                                    indexing_policy=policy)

    yield replace
    for name, props in originals.items():
        cosmos_db.replace_container(name, partition_key=PartitionKey(props["partitionKey"]["paths"][0]),
                                    indexing_policy=props["indexingPolicy"])


@pytest.fixture
def env_file(tmp_path):
    """``env_file(extra)``: local.toml with ``extra`` appended (or put in place of its [cosmos] section)."""

    def write(extra: str = "", *, replace_cosmos: bool = False) -> str:
        text = (REPO / "environments" / "local.toml").read_text()
        if replace_cosmos:
            text = text[:text.index("\n[cosmos]\n")] + "\n"
        path = tmp_path / "local-variant.toml"
        path.write_text(text + extra)
        return f"--env-file={path}"

    return write


@pytest.fixture
def run_drill(sandbox, tmp_path):
    """Run the repo's drills in a fresh interpreter against the session's sandbox."""
    environ = {k: v for k, v in os.environ.items() if k != "DRILLBOOK_RUN_DIR"}
    environ.update(DRILLBOOK_SANDBOX_URL=sandbox.url, CASTIEL_ADMIN_TOKEN=sandbox.admin_token,
                   SANDBOX_FAULT_TOKEN=sandbox.fault_token)

    def run(*args: str, paths: tuple[str, ...] = ("checks",), extra_env: dict | None = None) -> pytest.RunResult:
        argv = [sys.executable, "-m", "pytest", f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"),
                "-p", "no:cacheprovider", f"--alluredir={tmp_path / 'allure-results'}", "-rfEs",
                *args, *(str(REPO / p) for p in paths)]
        started = time.monotonic()
        done = subprocess.run(argv, cwd=tmp_path, env={**environ, **(extra_env or {})}, capture_output=True,
                              text=True, timeout=DRILL_TIMEOUT_S)
        return pytest.RunResult(done.returncode, done.stdout.splitlines(), done.stderr.splitlines(),
                                time.monotonic() - started)

    return run


@pytest.fixture
def cosmos_outage(faults):
    """``with cosmos_outage("stop"):`` (or "pause"): Cosmos is started or resumed again whatever happens."""

    @contextmanager
    def outage(action: str):
        faults.dependency("cosmos", action)
        try:
            yield
        finally:
            faults.dependency("cosmos", {"stop": "start", "pause": "resume"}[action])

    return outage
