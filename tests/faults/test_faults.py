"""The fault package against the real sandbox: each fault is applied, seen, and reverted; the undo is on disk first."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

import waiting

from drillbook.errors import FaultError
from drillbook.faults import UNDO_FILE, UndoJournal, applied, create_fault, replay_pending
from drillbook.runtime.pids import process_alive
from drillbook.store import Holder

TIMEOUT_S = 60  # generous: the machine is shared


@pytest.fixture
def token_env(sandbox, monkeypatch):
    monkeypatch.setenv("SANDBOX_FAULT_TOKEN", sandbox.fault_token)


def state_of(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


LAST_READY: list[str] = [""]  # the last /health/ready body, for the assertion message


def dependency_status(sandbox, name: str) -> str:
    """What /health/ready says of one dependency (the others are not this test's business)."""
    response = httpx.get(f"{sandbox.url}/health/ready", timeout=10)
    LAST_READY[0] = response.text
    return response.json()["dependencies"][name]["status"]


def wait_for(check, timeout: float = TIMEOUT_S) -> bool:
    return waiting.wait_for(check, timeout)


def test_route_fault_is_applied_then_removed(sandbox, faults, token_env, tmp_path):
    fault = create_fault("route", url=sandbox.url, route="/health", status=503)
    with applied(fault, UndoJournal(tmp_path)):
        assert httpx.get(f"{sandbox.url}/health", timeout=10).status_code == 503
        assert [f["route"] for f in faults.faults()] == ["/health"]
    assert faults.faults() == []
    assert httpx.get(f"{sandbox.url}/health", timeout=10).status_code == 200


def test_route_fault_revert_keeps_faults_it_did_not_make(sandbox, faults, token_env, tmp_path):
    theirs = faults.inject("/health", latency_ms=1, ttl_s=60)["id"]
    with applied(create_fault("route", url=sandbox.url, route="/health", status=503), UndoJournal(tmp_path)):
        pass
    assert [f["id"] for f in faults.faults()] == [theirs]


def test_undo_is_on_disk_before_the_fault_is_applied(sandbox, faults, token_env, tmp_path):
    journal = UndoJournal(tmp_path)
    with applied(create_fault("dependency", url=sandbox.url, dependency="redis", action="stop"), journal):
        assert [(p["kind"], p["undo"]["action"]) for p in journal.pending()] == [("dependency", "start")]
        assert faults.info()["dependencies"]["redis"] == "stopped"
        assert "token" not in undo_text(journal).lower()  # the undo names the sandbox, never its token
    assert journal.pending() == []
    assert faults.info()["dependencies"]["redis"] == "running"


def test_fault_is_reverted_when_the_drill_fails(sandbox, faults, token_env, tmp_path):
    with pytest.raises(RuntimeError), applied(create_fault("worker-stall", url=sandbox.url), UndoJournal(tmp_path)):
        assert faults.info()["worker"] == "stalled"
        raise RuntimeError("the drill failed mid-fault")
    assert faults.info()["worker"] == "running"


def test_sigstop_is_always_followed_by_sigcont(sandbox, faults, token_env, tmp_path):
    fault = create_fault("process-signal", url=sandbox.url, dependency="redis", signal_name="SIGSTOP")
    with applied(fault, UndoJournal(tmp_path)) as undo:
        pid = undo["pid"]
        assert wait_for(lambda: state_of(pid) == "T")  # signals arrive asynchronously
        assert wait_for(lambda: dependency_status(sandbox, "redis") == "down")
    assert wait_for(lambda: state_of(pid) in "SR")
    assert wait_for(lambda: dependency_status(sandbox, "redis") == "up"), LAST_READY[0]


def test_sigkill_is_reverted_by_a_restart(sandbox, faults, token_env, tmp_path):
    fault = create_fault("process-signal", url=sandbox.url, dependency="cosmos", signal_name="SIGKILL")
    with applied(fault, UndoJournal(tmp_path)) as undo:
        assert wait_for(lambda: not process_alive(undo["pid"]))
    info = faults.info()
    assert info["dependencies"]["cosmos"] == "running" and info["pids"]["cosmos"] != undo["pid"]
    assert wait_for(lambda: dependency_status(sandbox, "cosmos") == "up"), LAST_READY[0]


def test_unknown_fault_kind_is_one_clear_line():
    with pytest.raises(FaultError, match=r"unknown fault kind 'dependncy' -> choose one of: route, dependency"):
        create_fault("dependncy", url="http://127.0.0.1:1")


def test_leftover_undo_of_a_gone_sandbox_is_closed(tmp_path):
    gone = UndoJournal(tmp_path, holder=Holder("alice", host="ci-3", run_id="1a2b3c4d", since="2026-12-07T13:05:00Z"))
    gone.plan("dependency", {"url": "http://127.0.0.1:9", "dependency": "redis", "action": "start"}, "redis stop")
    gone.release()  # its drill gave up without closing the entry: nobody renews its lease now
    journal = UndoJournal(tmp_path)
    lines = replay_pending(journal)
    assert lines == ["drillbook: reverted leftover fault redis stop left by alice on ci-3 (run 1a2b3c4d, drill redis "
                     "stop) since 2026-12-07T13:05:00Z (its lease released, nobody renews it): the sandbox at "
                     "http://127.0.0.1:9 is gone, and its faults with it: nothing to revert"]
    assert journal.pending() == [] and replay_pending(journal) == []


def undo_text(journal: UndoJournal) -> str:
    return (journal.store.read(UNDO_FILE) or b"").decode()


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from drillbook.faults import UndoJournal, applied, create_fault
    fault = create_fault("process-signal", url=sys.argv[1], dependency="redis", signal_name="SIGSTOP")
    with applied(fault, UndoJournal(Path(sys.argv[2]))) as undo:
        print("applied", undo["pid"], flush=True)
        time.sleep(120)
""")


def hold_fault(sandbox, journal_dir: Path) -> tuple[subprocess.Popen, int]:
    """A process that applies SIGSTOP to Redis and waits; returns it and the stopped pid."""
    env = {**os.environ, "SANDBOX_FAULT_TOKEN": sandbox.fault_token,
           "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, sandbox.url, str(journal_dir)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    assert line.startswith("applied"), proc.stderr.read()
    return proc, int(line.split()[1])


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_reverts_the_fault(sandbox, faults, tmp_path, signum):
    proc, pid = hold_fault(sandbox, tmp_path)
    assert wait_for(lambda: state_of(pid) == "T")
    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=TIMEOUT_S)
    assert "KeyboardInterrupt" in stderr or "Terminated" in stderr
    assert wait_for(lambda: state_of(pid) in "SR")
    assert UndoJournal(tmp_path).pending() == []


def test_sigkill_leaves_an_undo_the_next_run_replays(sandbox, faults, token_env, tmp_path):
    proc, pid = hold_fault(sandbox, tmp_path)
    try:
        proc.kill()
        proc.wait(TIMEOUT_S)
        assert wait_for(lambda: state_of(pid) == "T")  # nobody reverted it
        journal = UndoJournal(tmp_path)
        assert [o["undo"]["pid"] for o in journal.orphans()] == [pid]
        lines = replay_pending(journal)
    finally:
        os.kill(pid, signal.SIGCONT)  # whatever happened above, never leave the session's Redis stopped
    [line] = lines
    assert line.startswith(f"drillbook: reverted leftover fault SIGSTOP to the sandbox's redis process (pid {pid}) "
                           f"left by {UndoJournal(tmp_path).holder.who} on ")
    assert line.endswith(f"(its lease expired, nobody renews it): SIGCONT to redis pid {pid}")
    assert journal.pending() == []


def test_the_embedding_worker_survives_repeated_redis_restarts(sandbox, faults, token_env, tmp_path):
    # A Redis restart drops pooled sockets under the worker's BRPOP (ValueError: I/O operation on closed file),
    # which used to end the worker thread for good. A race: the old code died in about 1 of 3 runs of this loop.
    for _ in range(8):
        with applied(create_fault("dependency", url=sandbox.url, dependency="redis", action="stop"),
                     UndoJournal(tmp_path)):
            time.sleep(0.3)
        time.sleep(0.3)
        assert wait_for(lambda: dependency_status(sandbox, "embedding_queue") == "up", 10), LAST_READY[0]
