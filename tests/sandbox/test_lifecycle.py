"""The sandbox and its Redis and Cosmos children always go away: stop(), SIGINT, SIGKILL, failed start.

Each test notes the sandbox's process tree while it runs (from /proc), then
checks that every one of those processes is gone.
"""

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sandbox.runner import REPO_ROOT, FaultControl, SandboxError, start_sandbox


def family(pid: int) -> set[int]:
    """pid and all its descendants, read from /proc/<pid>/task/*/children."""
    found = {pid}
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            kids = children.read_text().split()
        except OSError:
            continue
        for kid in kids:
            found |= family(int(kid))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def gone(pids: set[int], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while any(alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(alive(p) for p in pids)


def launch_by_hand(tmp_path, env_overrides=None):
    env = {k: v for k, v in os.environ.items() if k not in ("CASTIEL_ADMIN_TOKEN", "SANDBOX_FAULT_TOKEN")}
    env.update(env_overrides or {})
    command = [sys.executable, "-m", "sandbox", "--ready-file", str(tmp_path / "ready.json"),
               "--workdir", str(tmp_path / "work")]
    return subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def wait_file(path: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert path.exists(), f"no {path.name} within {timeout} s"


def test_stop_removes_the_sandbox_and_its_children():
    running = start_sandbox()
    tree = family(running.pid)
    assert len(tree) == 3  # sandbox, redis-server, node
    assert running.stop() == 0
    assert gone(tree)


def test_sigint_to_the_sandbox_exits_cleanly_with_its_children():
    running = start_sandbox()
    tree = family(running.pid)
    os.kill(running.pid, signal.SIGINT)
    assert gone(tree)
    assert running.stop() == 0


def test_sigkill_to_the_sandbox_still_takes_the_children_down():
    running = start_sandbox()
    tree = family(running.pid)
    os.kill(running.pid, signal.SIGKILL)
    assert gone(tree)
    running.stop()


def test_python_m_sandbox_prints_where_and_exits_0_on_sigint(tmp_path):
    proc = launch_by_hand(tmp_path)
    ready_file = tmp_path / "ready.json"
    wait_file(ready_file)
    tree = family(proc.pid)
    record = json.loads(ready_file.read_text())
    assert stat.S_IMODE(ready_file.stat().st_mode) == 0o600
    assert httpx.get(f"{record['url']}/health", timeout=5).json()["status"] == "healthy"
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    lines = stdout.splitlines()
    assert lines[0].startswith(f"sandbox: ready at {record['url']} (redis 127.0.0.1:")
    assert lines[1:] == [f"export CASTIEL_ADMIN_TOKEN={record['admin_token']}",
                         f"export SANDBOX_FAULT_TOKEN={record['fault_token']}"]
    assert gone(tree) and not (tmp_path / "work").exists()


def test_a_dependency_that_cannot_start_is_one_line_and_exit_2(tmp_path):
    broken = tmp_path / "bin"
    broken.mkdir()
    # A node that boots slowly and then fails: long enough to see redis already running.
    (broken / "node").write_text("#!/bin/sh\nsleep 0.5\necho 'node: cannot boot' >&2\nexit 1\n")
    (broken / "node").chmod(0o755)
    proc = launch_by_hand(tmp_path, {"PATH": f"{broken}{os.pathsep}{os.environ['PATH']}"})
    tree = set()
    while proc.poll() is None:
        tree |= family(proc.pid)
        time.sleep(0.02)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2
    first = stderr.splitlines()[0]
    log = tmp_path / "work" / "cosmos.log"
    assert first == f"sandbox: cannot start cosmos: exited with code 1: node: cannot boot (fix: see {log})"
    assert log.exists()  # kept: it explains the failure
    assert len(tree) >= 3 and gone(tree)  # redis had started; it must not outlive the failure


def test_options_reach_the_sandbox_and_a_bad_one_fails_fast_with_the_log():
    with start_sandbox(version="2.0.0", args=("--redis-maxmemory", "8mb")) as running:
        info = httpx.get(f"{running.url}/health", timeout=5).json()
        assert info["version"] == "2.0.0"
        stats = httpx.get(f"{running.url}/api/admin/cache/stats", timeout=5,
                          headers={"Authorization": f"Bearer {running.admin_token}"}).json()
        assert stats["maxmemory_bytes"] == 8 * 1024 * 1024
    with pytest.raises(SandboxError, match="(?s)exited with code 2.*unrecognized arguments: --no-such-option"):
        start_sandbox(args=("--no-such-option",))


def test_sigterm_by_pid_alone_leaves_no_files_behind():
    running = start_sandbox()
    workdir = running.log_path.parent
    os.kill(running.pid, signal.SIGTERM)  # what a launcher holding only the pid does
    deadline = time.monotonic() + 20
    while workdir.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not workdir.exists()
    running.stop()


def test_restart_refuses_connections_then_serves_a_fresh_app_with_the_same_children():
    running = start_sandbox()
    try:
        control = FaultControl(running.url, running.fault_token)
        pids = control.info()["pids"]
        control.inject("/health", status=503, ttl_s=60)
        assert control.restart(1.5) == {"restarting": True, "down_s": 1.5}
        assert wait_refused(running.url)
        deadline = time.monotonic() + 30
        while not answers(running.url) and time.monotonic() < deadline:
            time.sleep(0.05)
        health = httpx.get(f"{running.url}/health", timeout=5)
        assert health.status_code == 200 and health.json()["uptime_s"] < 5  # a fresh app: the fault went with it
        assert control.info()["pids"] == pids  # Redis and Cosmos kept running
    finally:
        running.stop()


@pytest.mark.parametrize("settle_s", [0, 3])  # while the old server drains, and while the API is down
def test_sigterm_while_restarting_stops_the_sandbox(settle_s):
    running = start_sandbox()
    tree = family(running.pid)
    FaultControl(running.url, running.fault_token).restart(20)
    assert wait_refused(running.url)
    time.sleep(settle_s)
    os.kill(running.pid, signal.SIGTERM)
    assert gone(tree, timeout=10)
    assert running.stop() == 0


def answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health/live", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def wait_refused(url: str, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while answers(url) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not answers(url)
