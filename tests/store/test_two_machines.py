"""Two clones of the project in two folders ("two machines") sharing one Azurite as their store, drilling the
session's sandbox: undo and environment ownership hold across them, and a store that dies mid-fault is one line."""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import uuid
from pathlib import Path

import pytest

from chaos_runs import chaos_env, process_state, wait_for
from interrupted_runs import InterruptibleRun
from pytest_runs import run_pytest, scratch_repository
from stores import CONNECTION_VAR, open_test_store

from drillbook.faults import UNDO_FILE

REPO = Path(__file__).resolve().parents[2]
RECORD = ('\n[record]\nstore = "blob"\ncontainer = "{container}"\n'
          'connection_string = {{ env = "' + CONNECTION_VAR + '" }}\n')
HEALTH = ("-k", "test_live_returns_200", "checks/test_health.py")


class Machine:
    """One clone: its own folder and reports/, the shared store and sandbox; runs drills there."""

    def __init__(self, directory: Path, env_file: str, environ: dict[str, str]) -> None:
        directory.mkdir()
        self.path, self.env_file, self.environ = scratch_repository(REPO, directory), env_file, environ

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rfEs", f"--basetemp={self.path}/.tmp",
                self.env_file, *args]

    def run(self, *args: str) -> pytest.RunResult:
        return run_pytest(self.argv(*args), self.path, dict(self.environ), timeout=240)

    def start(self, *args: str) -> InterruptibleRun:
        return InterruptibleRun(self.argv(*args), self.path, self.environ)


@pytest.fixture
def machines(azurite, run_drill, env_file, tmp_path, monkeypatch):
    """``machines(observe_s)``: two clones whose environment file names one container of the shared Azurite."""
    container = f"m-{uuid.uuid4().hex[:12]}"
    monkeypatch.setenv(CONNECTION_VAR, azurite.connection_string)
    store = open_test_store("blob", container)
    store.create_container()
    _, environ = run_drill.command()  # the session's sandbox and its tokens
    environ = {**environ, CONNECTION_VAR: azurite.connection_string}

    def make(observe_s: float = 60) -> tuple[Machine, Machine]:
        path = chaos_env(env_file, observe_s=observe_s, extra=RECORD.format(container=container))
        return Machine(tmp_path / "a", path, environ), Machine(tmp_path / "b", path, environ)

    make.store = store
    return make


def planned(store) -> dict | None:
    lines = (store.read(UNDO_FILE) or b"").decode().splitlines()
    return next((json.loads(line) for line in lines if '"planned"' in line), None)


def test_a_killed_drills_undo_is_left_to_it_while_it_lives_then_replayed_from_the_other_machine(machines, faults):
    a, b = machines()
    drill = a.start("-m", "chaos", "-k", "redis_hang", "chaos")
    stopped = None
    try:
        assert wait_for(lambda: (entry := planned(machines.store)) and process_state(entry["undo"]["pid"]) == "T")
        entry = planned(machines.store)
        stopped = entry["undo"]["pid"]
        alive = b.run(*HEALTH)  # the drill on a renews its lease: b names it and leaves its fault alone
        assert alive.ret == 0 and process_state(stopped) == "T"
        assert "environment's lease" not in alive.stdout.str()  # a read-only drill is never blocked by a's lease
        alive.stdout.fnmatch_lines(["drillbook: fault SIGSTOP to the sandbox's redis process * is applied by a live "
                                    "drill (* (run *, drill chaos redis-hang) since *), which renews its lease: not "
                                    "replayed here"])
        drill.signal(signal.SIGKILL)  # a runner cancelled mid-fault: no finally, no revert
        drill.finish()
        assert process_state(stopped) == "T"
        assert wait_for(lambda: not machines.store.inspect_lease(entry["owner"]).held, timeout=30)  # 15 s lease
        replay = b.run(*HEALTH)
        resumed = wait_for(lambda: process_state(stopped) in "SR")
    finally:
        drill.signal(signal.SIGKILL)
        if stopped:
            os.kill(stopped, signal.SIGCONT)  # never leave the session's Redis stopped, whatever failed above
    assert replay.ret == 0 and resumed
    replay.stdout.fnmatch_lines([f"drillbook: reverted leftover fault SIGSTOP to the sandbox's redis process (pid "
                                 f"{stopped}) left by * (run *, drill chaos redis-hang) since * (its lease expired, "
                                 f"nobody renews it): SIGCONT to redis pid {stopped}"])
    assert machines.store.read(UNDO_FILE).count(b'"reverted"') == 1
    assert b.run(*HEALTH).stdout.str().count("leftover") == 0  # replayed once


def test_a_destructive_drill_waits_for_the_other_machines_lease_naming_its_holder(machines, faults):
    a, b = machines(observe_s=6)
    chaos = a.start("-m", "chaos", "-k", "redis_outage", "chaos")
    try:
        chaos.wait_for_line("inject: sandbox redis stop")
        waiter = b.run("-m", "destructive", "-k", "cache_clear", "checks/test_cache.py")
        rc, _ = chaos.finish()
    finally:
        chaos.signal(signal.SIGKILL)
    assert rc == 0 and waiter.ret == 0
    waiting = [line for line in waiter.outlines if "lease: waiting for the environment's lease" in line]
    assert waiting and all(re.search(r"held by .* on .* \(run \w+, drill chaos/test_chaos.py::test_redis_outage\w*\) "
                                     r"since 20\d\d-\d\d-\d\dT", line) for line in waiting), waiting
    stamps = [_seconds(line) for line in waiter.outlines if "drillbook" in line and " lease: " in line]
    assert max(later - earlier for earlier, later in zip(stamps, stamps[1:])) <= 5  # a line at least every 5 s
    waiter.stdout.fnmatch_lines(["*lease: got the environment's lease", "*1 passed*"])


def test_a_store_gone_mid_fault_ends_the_run_in_one_line_naming_it_and_the_fault_is_reverted(
        run_drill, env_file, faults, tmp_path, monkeypatch):
    from sandbox.azurite import start_azurite

    with start_azurite(tmp_path / "azurite") as azurite:  # its own: this test stops it
        monkeypatch.setenv(CONNECTION_VAR, azurite.connection_string)
        open_test_store("blob", "gone").create_container()
        _, environ = run_drill.command()
        a = Machine(tmp_path / "a", chaos_env(env_file, observe_s=60, extra=RECORD.format(container="gone")),
                    {**environ, CONNECTION_VAR: azurite.connection_string})
        drill = a.start("-m", "chaos", "-k", "redis_outage", "chaos")
        try:
            drill.wait_for_line("inject: sandbox redis stop")
            azurite.process.stop()
            rc, output = drill.finish(timeout=60)
        finally:
            drill.signal(signal.SIGKILL)
    banner = [line for line in output.splitlines() if line.startswith("!") and "drillbook: " in line]
    assert rc == 1 and len(banner) == 1, output
    assert f"drillbook: store azure blob {azurite.account_url}, container gone: " in banner[0]
    assert "revert: sandbox redis start: running" in output
    assert re.search(r"redis-outage: the fault was reverted \(sandbox redis start: running\) but its undo could not be "
                     r"closed \(the next run closes it\): store azure blob .*, container gone: ", output), output
    assert faults.info()["dependencies"]["redis"] == "running"


def _seconds(line: str) -> float:
    clock = re.search(r"(\d\d):(\d\d):(\d\d)Z", line)
    hours, minutes, seconds = (int(part) for part in clock.groups())
    return hours * 3600 + minutes * 60 + seconds
