"""No locust process outlives its drill: not after Ctrl-C or SIGTERM, not after SIGKILL; a crashed worker is inconclusive."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from load_drill import LOAD, LOAD_UNDER_WAY, WORKERS_RUNNING, alive, wait_for_group, wait_gone

from drillbook.load._processes import reap_leftovers
from drillbook.runtime.pids import process_started

LONG = (*LOAD, "--load-duration", "60s")


def test_a_sigkilled_drill_leaves_no_locust_process(start_drill, registry, faults):
    drill = start_drill(*LONG)
    group = wait_for_group(registry, processes=1)
    pids = [int(p) for p in group["pids"]]
    drill.wait_for_line(LOAD_UNDER_WAY)
    assert all(alive(p) for p in pids), "locust should be running before the drill is killed"
    drill.process.kill()
    drill.finish(timeout=30)
    assert wait_gone(pids) == [], "locust outlived the SIGKILLed drill"
    assert reap_leftovers() == [], "the next drill finds nothing left to kill"
    assert not list(registry.glob("group-*.json")), "the next drill drops the dead group's record"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_drill_stops_every_locust_process_itself(start_drill, registry, faults, signum):
    drill = start_drill(*LONG, "--load-workers", "1")
    group = wait_for_group(registry, processes=2)
    pids = [int(p) for p in group["pids"]]
    drill.wait_for_line(LOAD_UNDER_WAY)
    drill.process.send_signal(signum)  # to the drill alone: it must stop its locust processes itself
    _, output = drill.finish(timeout=60)
    assert wait_gone(pids, timeout_s=5) == [], output
    assert not list(registry.glob("group-*.json")), "the drill's finally forgets its group"


def test_leftovers_of_a_killed_drill_are_reaped_by_the_next(registry):
    """A group whose drill is gone (and had no death signal) is killed, checked by pid and start time."""
    orphan = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        started = process_started(orphan.pid)
        registry.mkdir()
        (registry / f"group-{orphan.pid}.json").write_text(json.dumps(
            {"pgid": orphan.pid, "pids": {str(orphan.pid): started}, "drill": [2 ** 22 + 1, 0.0]}))
        (registry / "group-1.json").write_text(json.dumps(  # a recycled pid: the start time differs, so spared
            {"pgid": 1, "pids": {"1": started - 3600}, "drill": [2 ** 22 + 1, 0.0]}))
        assert reap_leftovers() == [orphan.pid]
        assert orphan.wait(10) == -signal.SIGKILL
        assert not list(registry.iterdir())
    finally:
        if orphan.poll() is None:
            orphan.kill()
        orphan.wait()


def test_a_crashed_worker_makes_the_drill_inconclusive(start_drill, registry, faults):
    drill = start_drill(*LOAD, "--load-duration", "60s", "--load-workers", "2")
    group = wait_for_group(registry, processes=3)
    worker = int(list(group["pids"])[-1])
    drill.wait_for_line(WORKERS_RUNNING)
    os.kill(worker, signal.SIGKILL)
    code, output = drill.finish(timeout=120)
    assert code == 1, output
    assert "load drill inconclusive after" in output, output
    assert re.search(rf"worker-2 \(pid {worker}\) exited with signal 9 \(SIGKILL\) at \d\d:\d\d:\d\dZ, \d+ s into "
                     r"the load; 1 of 2 workers left, so the load was not what was planned", output), output
    assert re.search(r"workers \d/2 running: worker-1 \w+ cpu \d+ %, worker-2 ", output), "each worker's state"


def run_with_a_remote_worker(start_drill, env_file, sandbox, tmp_path, locustfiles: str) -> tuple[int, str]:
    """A drill with one local worker and one "remote" worker started by hand, as on another machine."""
    port = free_port()
    path = env_file(f"\n[load]\nworkers = 1\nremote_workers = 1\nmaster_port = {port}\n")
    drill = start_drill(*LOAD, "--load-duration", "14s", f"--env-file={path}")
    repo = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DRILLBOOK_LOAD_")}  # no stats directory there
    env.update(DRILLBOOK_LOAD_INTERVAL_S="2.0", CASTIEL_ADMIN_TOKEN=sandbox.admin_token)
    with open(tmp_path / "remote-worker.log", "wb") as log:
        remote = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", locustfiles, "--worker", "--master-host", "127.0.0.1",
             "--master-port", str(port), "--host", sandbox.url],
            cwd=repo, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        return drill.finish(timeout=180)
    finally:
        remote.kill()
        remote.wait()


def test_a_local_and_a_remote_worker_share_the_load_and_are_judged_as_one(start_drill, env_file, sandbox, faults,
                                                                           tmp_path):
    """The remote worker ships its intervals with its reports to the master."""
    code, output = run_with_a_remote_worker(start_drill, env_file, sandbox, tmp_path,
                                            "load/castiel.py,src/drillbook/load/_locust_hooks.py")
    assert code == 0, output
    assert "on 1 local and 1 remote locust workers" in output, output
    assert re.search(r"load 00:\d\d/00:14 \| \d+ users \| .* \| workers 1/1 running: worker-1 running cpu \d+ % \| "
                     r"master cpu \d+ % \| 2 processes reporting", output), output
    assert "verdict pass" in output and "2 locust process(es) reporting" in output, output


def test_a_worker_without_the_hooks_is_not_a_silent_pass(start_drill, env_file, sandbox, faults, tmp_path):
    """Its requests reach locust's totals but not drillbook's intervals: the drill says so and is inconclusive."""
    code, output = run_with_a_remote_worker(start_drill, env_file, sandbox, tmp_path, "load/castiel.py")
    assert code == 1, output
    assert "load drill inconclusive after" in output, output
    assert re.search(r"locust counted (\d+) requests but only (\d+) reached drillbook's intervals: a worker without "
                     r"drillbook's hooks\? -> start every worker with -f <locustfile>,_locust_hooks.py", output), output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
