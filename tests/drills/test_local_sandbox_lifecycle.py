"""`--env local` starts one sandbox per run, shares it with xdist workers, and stops it afterwards."""

import json
import os
import signal
import socket
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx
import pytest
from interrupted_runs import InterruptibleRun, sandboxes_launched_by

from sandbox.runner import FaultControl

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def url_probe(tmp_path, monkeypatch):
    probe = tmp_path / "sandbox_url_probe.py"
    probe.write_text(
        "import os, pathlib\n"
        "def pytest_sessionfinish(session):\n"
        "    out = pathlib.Path(os.environ['URL_PROBE_DIR']) / f'{os.getpid()}.url'\n"
        "    out.write_text(os.environ.get('DRILLBOOK_SANDBOX_URL', 'None'))\n")
    # in front of the caller's path, not instead of it: a worktree's PYTHONPATH names its own src/
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("URL_PROBE_DIR", str(tmp_path))
    return "sandbox_url_probe"


def test_one_sandbox_is_shared_by_workers_and_stopped_after(pytester, url_probe, tmp_path, monkeypatch):
    for name in ("DRILLBOOK_SANDBOX_URL", "DRILLBOOK_RUN_DIR", "CASTIEL_ADMIN_TOKEN", "SANDBOX_FAULT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = pytester.runpytest_subprocess(
        f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"), "-p", "no:cacheprovider", "-p", url_probe,
        f"--alluredir={tmp_path / 'results'}", "-n", "2", "-s", "-m", "smoke", str(REPO / "checks"),
        str(REPO / "smoke"), timeout=240)
    result.assert_outcomes(passed=10)
    urls = [p.read_text() for p in tmp_path.glob("*.url")]
    worker_urls = set(urls) - {"None"}
    assert len(urls) == 3 and len(worker_urls) == 1, urls  # controller + 2 workers; one sandbox
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{worker_urls.pop()}/health/live", timeout=2)  # and it is gone after the run


def test_a_killed_run_leaves_no_sandbox_behind_and_the_next_run_removes_its_directory(tmp_path, sandbox):
    """SIGKILL gives pytest no chance to clean up: the sandbox notices its launcher is gone and exits, and the
    next run removes the run directory the killed one left."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    argv = _argv(tmp_path, "-m", "watch", "--watch", "60s", "--watch-window", "10s")
    run = InterruptibleRun(argv, REPO, _environ(temp))
    try:
        run.wait_for_path(f"drillbook-run-{run.process.pid}-*/sandbox.json", temp, timeout=90)
        pids = sandboxes_launched_by(run.process.pid)
        assert pids, "the run never started its sandbox"
    finally:
        run.signal(signal.SIGKILL)
        run.finish()
    deadline = time.monotonic() + 30
    while any(os.path.exists(f"/proc/{pid}") for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in pids if os.path.exists(f"/proc/{pid}")]
    [left] = [p.name for p in temp.glob("drillbook-run-*")]

    later = InterruptibleRun(_argv(tmp_path, "-m", "health", "-k", "live"), REPO,
                             {**_environ(temp), "DRILLBOOK_SANDBOX_URL": sandbox.url,
                              "CASTIEL_ADMIN_TOKEN": sandbox.admin_token, "SANDBOX_FAULT_TOKEN": sandbox.fault_token})
    rc, output = later.finish()
    assert rc == 0, output
    assert not (temp / left).exists() and not list(temp.glob("drillbook-run-*"))


def test_ctrl_c_while_the_sandbox_starts_leaves_no_sandbox_and_no_directory(tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    run = InterruptibleRun(_argv(tmp_path, "-m", "health", "-k", "live"), REPO, _environ(temp))
    run.wait_for_path("drillbook-sandbox-*", temp, timeout=60)  # start_sandbox has launched it
    run.signal(signal.SIGINT)
    rc, output = run.finish()
    assert rc == 2, output
    assert sandboxes_launched_by(run.process.pid) == [] and run.children() == []
    assert list(temp.iterdir()) == [], "the interrupted start left files behind"


def test_ctrl_c_while_the_sandbox_stops_prints_no_traceback_and_leaves_nothing(tmp_path):
    """The sandbox waits up to 2 s for an open request when it stops; Ctrl-C arrives during that wait."""
    temp, token, gate = tmp_path / "tmp", "lifecycle-fault-token-0123456789", tmp_path / "gate"
    temp.mkdir()
    # The run holds at its end until the gate opens, so the fault is in place before it stops its sandbox,
    # however slow the machine is.
    (tmp_path / "hold_at_end.py").write_text(
        "import os, pathlib, time\n"
        "def pytest_sessionfinish(session):\n"
        "    deadline = time.monotonic() + 60\n"
        "    while not pathlib.Path(os.environ['HOLD_GATE']).exists() and time.monotonic() < deadline:\n"
        "        time.sleep(0.05)\n")
    pythonpath = os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))
    run = InterruptibleRun(_argv(tmp_path, "-p", "hold_at_end", "-m", "health", "-k", "live"), REPO,
                           {**_environ(temp), "SANDBOX_FAULT_TOKEN": token, "HOLD_GATE": str(gate),
                            "PYTHONPATH": pythonpath})
    url = _sandbox_url(run.wait_for_path("drillbook-run-*/sandbox.json", temp, timeout=60))
    FaultControl(url, token).inject("/api/embeddings/stats", hang=True, ttl_s=60)
    with _open_request(url, "/api/embeddings/stats"):  # hangs until the sandbox gives up on it at stop
        gate.touch()
        run.wait_for_line(" passed")
        _wait_until_refused(url)  # the run has told its sandbox to stop; it waits for the open request
        run.signal(signal.SIGINT)
        rc, output = run.finish()
    assert rc == 0 and "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert sandboxes_launched_by(run.process.pid) == [] and list(temp.iterdir()) == []


def _argv(tmp_path: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--alluredir={tmp_path / 'results'}",
            f"--journal-dir={tmp_path / 'journal'}", *args]


def _environ(temp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRILLBOOK_", "CASTIEL_", "SANDBOX_"))}
    return {**env, "TMPDIR": str(temp), "NO_PROXY": "127.0.0.1,localhost", "PY_COLORS": "0"}


def _sandbox_url(state: Path) -> str:
    deadline = time.monotonic() + 10
    while True:
        try:
            return json.loads(state.read_text())["url"]
        except ValueError:  # written a moment ago, not yet whole
            assert time.monotonic() < deadline
            time.sleep(0.02)


def _wait_until_refused(url: str, timeout: float = 30) -> None:
    # Plain sockets: the pytester test above unloads httpcore, and httpx then stops mapping its errors.
    address = (url.split("//")[1].split(":")[0], int(url.rsplit(":", 1)[1]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(address, timeout=0.5).close()
        except ConnectionRefusedError:
            return
        except OSError:
            pass
        time.sleep(0.02)
    raise AssertionError(f"the sandbox at {url} never stopped listening")


@contextmanager
def _open_request(url: str, path: str) -> Iterator[None]:
    address = (url.split("//")[1].split(":")[0], int(url.rsplit(":", 1)[1]))
    with socket.create_connection(address, timeout=5) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: sandbox\r\n\r\n".encode())
        yield
