"""Run the repo's drills in a fresh interpreter against one real sandbox per test session.

Imported by the conftest of tests/cache and tests/queue (pytester cannot be
enabled from a nested conftest, so this runs pytest in a subprocess itself and
returns pytest's own ``RunResult``):

    def test_x(run_drill, faults):
        faults.stall_worker()
        result = run_drill("-m", "queue", "-k", "drains")
        result.stdout.fnmatch_lines(["*did not drain*"])
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from sandbox.runner import FaultControl, start_sandbox

REPO = Path(__file__).resolve().parents[2]
DRILL_TIMEOUT_S = 240
LOCAL_ENV = """
[target]
tier = "local"
base_url = "sandbox"

[http]
timeout_s = 3.0
connect_timeout_s = 1.0

[auth]
admin_token = { env = "CASTIEL_ADMIN_TOKEN" }

[safety]
allow_destructive = true

[metrics]
source = "scrape"
"""


@pytest.fixture(scope="session")
def sandbox():
    with start_sandbox() as running:
        yield running


@pytest.fixture
def faults(sandbox):
    """Fault control, reset before and after each test, so a failed test cannot leak a fault."""
    control = FaultControl(sandbox.url, sandbox.fault_token)
    control.reset()
    yield control
    control.reset()


@pytest.fixture
def sandbox_redis(sandbox):
    """A direct client for the sandbox's real Redis, for faults the API cannot make."""
    client = redis.Redis.from_url(sandbox.redis_url, decode_responses=True, socket_timeout=5)
    yield client
    client.close()


@pytest.fixture
def drill_environ(sandbox) -> dict[str, str]:
    """What a drill run needs to reuse the session's sandbox instead of starting its own."""
    return {"DRILLBOOK_SANDBOX_URL": sandbox.url, "CASTIEL_ADMIN_TOKEN": sandbox.admin_token,
            "SANDBOX_FAULT_TOKEN": sandbox.fault_token, "NO_PROXY": "127.0.0.1,localhost"}


@pytest.fixture
def env_file(tmp_path):
    """Write a local environment file (the sandbox target plus ``extra`` sections); returns its path."""
    def write(extra: str = "", base: str = LOCAL_ENV) -> Path:
        path = tmp_path / "drill-env.toml"
        path.write_text(base + extra)
        return path
    return write


@pytest.fixture
def run_drill(drill_environ, tmp_path):
    """``run_drill(*args, paths=("checks",), environ={})``: a whole pytest run, as pytest's RunResult."""
    def run(*args: str, paths: tuple[str, ...] = ("checks",), environ: dict[str, str] | None = None):
        env = {**os.environ, **drill_environ, **(environ or {})}
        env.pop("DRILLBOOK_RUN_DIR", None)
        argv = [sys.executable, "-m", "pytest", f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"),
                "-p", "no:cacheprovider", f"--alluredir={tmp_path / 'allure-results'}", "-rfEs",
                *args, *(str(REPO / p) for p in paths)]
        started = time.monotonic()
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=DRILL_TIMEOUT_S)
        result = pytest.RunResult(done.returncode, done.stdout.splitlines(), done.stderr.splitlines(),
                                  time.monotonic() - started)
        print(done.stdout[-4000:], done.stderr[-2000:])  # shown when the test fails
        return result
    return run
