"""Shared fixtures for drillbook's own tests: one real sandbox per session, and whole drill runs against it.

    def test_x(run_drill, faults):
        faults.inject("/health", status=503)
        result = run_drill("-m", "smoke")           # pytest's RunResult
        result.stdout.fnmatch_lines([...])

Faults are reset before and after every test, so tests stay independent. A test
that needs a sandbox of its own (another version, a small maxmemory) starts it
under another fixture name.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from sandbox.runner import FaultControl, start_sandbox

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DRILL_PATHS = ("checks", "smoke")
DRILL_TIMEOUT_S = 240
# A minimal local environment but for [target], which env_file() writes in front.
LOCAL_ENV = """
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

if str(TESTS) not in sys.path:  # --import-mode=importlib: shared helpers (loopback, recorded_azure) import by name
    sys.path.insert(0, str(TESTS))

from pytest_runs import run_pytest  # noqa: E402 - a helper module in tests/, importable once TESTS is on the path


@pytest.fixture
def snapshot(request):
    """Compare text to tests/<dir>/snapshots/<test name>.txt; UPDATE_SNAPSHOTS=1 rewrites it."""
    directory = Path(request.fspath).parent / "snapshots"

    def check(text: str, name: str | None = None) -> None:
        path = directory / f"{name or request.node.name}.txt"
        if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
            directory.mkdir(exist_ok=True)
            path.write_text(text + "\n")
        assert text == path.read_text().rstrip("\n"), f"snapshot {path.relative_to(REPO)} differs"

    return check


@pytest.fixture(scope="session")
def sandbox():
    with start_sandbox() as running:
        yield running


@pytest.fixture(scope="session")
def azurite(tmp_path_factory):
    """One real Azurite per test session (per xdist worker): the Blob endpoint of the store's tests."""
    from sandbox.azurite import start_azurite

    with start_azurite(tmp_path_factory.mktemp("azurite")) as running:
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
    import redis  # imported on use: most tests never touch Redis

    client = redis.Redis.from_url(sandbox.redis_url, decode_responses=True, socket_timeout=5)
    yield client
    client.close()


@pytest.fixture
def azure():
    """The recorded Azure Monitor APIs on loopback (tests/recorded_azure.py), for the azure-monitor source."""
    from recorded_azure import RecordedAzure  # imported on use: it loads azure-core

    with RecordedAzure() as server:
        yield server


@pytest.fixture
def env_file(tmp_path):
    """``env_file(extra, tier=..., base_url=...)``: a minimal environment file for the sandbox plus ``extra``."""
    def write(extra: str = "", *, tier: str = "local", base_url: str = "sandbox") -> Path:
        path = tmp_path / "drill-env.toml"
        path.write_text(f'\n[target]\ntier = "{tier}"\nbase_url = "{base_url}"\n' + LOCAL_ENV + extra)
        return path

    return write


@pytest.fixture
def run_drill(sandbox, tmp_path, tmp_path_factory):
    """``run_drill(*args, paths=..., environ={}, timeout=...)``: the repo's drills in a fresh interpreter.

    The run reuses the session's sandbox and writes its results to ``run_drill.results``.
    """
    results, workdir = tmp_path / "allure-results", tmp_path_factory.mktemp("drill-run")
    shared = {"DRILLBOOK_SANDBOX_URL": sandbox.url, "CASTIEL_ADMIN_TOKEN": sandbox.admin_token,
              "SANDBOX_FAULT_TOKEN": sandbox.fault_token, "NO_PROXY": "127.0.0.1,localhost", "PY_COLORS": "0"}

    def command(*args: str, paths: tuple[str, ...] = DRILL_PATHS,
                environ: dict[str, str] | None = None) -> tuple[list[str], dict[str, str]]:
        """The argv and environment of a drill run, for a test that starts (and interrupts) it itself."""
        argv = [sys.executable, "-m", "pytest", f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"),
                "-p", "no:cacheprovider", f"--basetemp={workdir / 'basetemp'}", f"--alluredir={results}", "-rfEs",
                *args, *(str(REPO / p) for p in paths)]
        return argv, {**os.environ, **shared, **(environ or {})}

    def run(*args: str, paths: tuple[str, ...] = DRILL_PATHS, environ: dict[str, str] | None = None,
            timeout: float = DRILL_TIMEOUT_S) -> pytest.RunResult:
        argv, env = command(*args, paths=paths, environ=environ)
        return run_pytest(argv, workdir, env, timeout)

    run.results, run.repo, run.workdir, run.command = results, REPO, workdir, command
    return run


@pytest.fixture
def drill_imports(run_drill, tmp_path):
    """``drill_imports(*args, paths=...)``: a passing drill run with tests/modules_probe.py; (result, modules)."""
    def run(*args: str, paths: tuple[str, ...] = DRILL_PATHS) -> tuple[pytest.RunResult, set[str]]:
        listing = tmp_path / "modules.txt"
        pythonpath = os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))
        result = run_drill("-p", "modules_probe", *args, paths=paths,
                           environ={"PYTHONPATH": pythonpath, "DRILLBOOK_TEST_MODULES": str(listing)})
        assert result.ret == 0, "\n".join(result.outlines[-30:])
        return result, set(listing.read_text().split())

    return run
