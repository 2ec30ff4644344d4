"""Locust's processes as one group that always dies: on finally, on Ctrl-C or SIGTERM, and after a SIGKILL.

Three layers, because a drill killed with SIGKILL runs no cleanup of its own:
the master and its workers share one process group that ``close()`` kills whole;
each child asks the kernel to SIGKILL it when the drill process dies
(PR_SET_PDEATHSIG); and the group is recorded in a registry that the next drill
reads to reap anything still alive (checked by pid *and* start time, so a
recycled pid is never killed).
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from drillbook.errors import Terminated
from drillbook.runtime.pids import process_started, same_process

PR_SET_PDEATHSIG = 1
REGISTRY_VAR = "DRILLBOOK_LOAD_REGISTRY"


def registry_dir() -> Path:
    """Where running groups are recorded: ``$DRILLBOOK_LOAD_REGISTRY`` or a per-user temp folder."""
    default = Path(tempfile.gettempdir()) / f"drillbook-load-{os.getuid()}"
    return Path(os.environ.get(REGISTRY_VAR) or default)


@dataclass
class Child:
    name: str
    proc: subprocess.Popen

    @property
    def exit_code(self) -> int | None:
        return self.proc.poll()

    @property
    def label(self) -> str:
        """``worker-2 (pid 1234)``: how messages name it."""
        return f"{self.name} (pid {self.proc.pid})"


class ProcessGroup:
    """Start children in one new process group; ``close()`` kills the group and forgets it."""

    def __init__(self, log_dir: Path, env: dict[str, str]) -> None:
        self.log_dir, self.env = log_dir, env
        self.children: list[Child] = []
        self.record: Path | None = None

    @property
    def pgid(self) -> int | None:
        return self.children[0].proc.pid if self.children else None

    def start(self, name: str, argv: list[str]) -> Child:
        """The first child leads a new group (out of the terminal's, so Ctrl-C reaches the drill only); later ones join it."""
        group = self.pgid if self.children else 0
        with open(self.log_dir / f"{name}.log", "ab") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=self.env, preexec_fn=_die_with(os.getpid()), process_group=group)
        self.children.append(Child(name, proc))
        self._write_record()
        return self.children[-1]

    def terminate(self, grace_s: float) -> None:
        """Ask the leader to stop and write its stats, then kill the rest after ``grace_s``."""
        leader = self.children[0].proc if self.children else None
        if leader is not None and leader.poll() is None:
            # SIGINT, not SIGTERM: a headless shape run installs locust's SIGTERM handler only once the shape has
            # ended, so SIGTERM would kill it without its JSON; Ctrl-C stops the shape and writes everything.
            leader.send_signal(signal.SIGINT)
            _wait(leader, grace_s)
        self.close()

    def close(self) -> None:
        """SIGKILL whatever is left of the group, wait for every child, and drop the record."""
        if self.pgid is not None:
            _kill_group(self.pgid)
        for child in self.children:
            _wait(child.proc, 5.0)
        if self.record is not None:
            self.record.unlink(missing_ok=True)

    def _write_record(self) -> None:
        directory = registry_dir()
        directory.mkdir(parents=True, exist_ok=True)
        self.record = directory / f"group-{self.pgid}.json"
        pids = {str(c.proc.pid): process_started(c.proc.pid) for c in self.children}
        drill = [os.getpid(), process_started(os.getpid())]
        # written whole, then renamed: a drill starting at this moment reaps leftovers and must never read half a record
        partial = self.record.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps({"pgid": self.pgid, "pids": pids, "drill": drill}))
        partial.replace(self.record)


def reap_leftovers() -> list[int]:
    """Kill the groups that a killed drill left behind; returns the pids that were still alive."""
    directory, reaped = registry_dir(), []
    for record in sorted(directory.glob("group-*.json")) if directory.is_dir() else []:
        try:
            data = json.loads(record.read_text())
        except (OSError, ValueError):
            record.unlink(missing_ok=True)
            continue
        drill_pid, drill_started = data.get("drill", (None, None))
        if drill_pid and same_process(drill_pid, drill_started):  # a drill that still runs: its group is its own
            continue
        alive = [int(pid) for pid, started in data["pids"].items() if same_process(int(pid), started)]
        for pid in alive:
            _kill(pid)
        reaped += alive
        record.unlink(missing_ok=True)
    return reaped


@contextmanager
def terminate_on_signals() -> Iterator[None]:
    """SIGTERM becomes KeyboardInterrupt while the load runs, so ``finally`` stops the group (main thread only)."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    except ValueError:  # not the main thread: the death signal and the registry still cover it
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    # Terminated, not a plain KeyboardInterrupt: CPython ends ``python -m`` with SIGINT (-2) once one of that
    # exact class has passed through exec'd code, whatever pytest returned (see errors.CtrlC)
    raise Terminated(f"{signal.Signals(signum).name} while the load ran")


def _die_with(parent_pid: int):
    """A preexec_fn: the kernel SIGKILLs the child when the drill dies, even by SIGKILL."""
    def preexec() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a drill started in the background has SIGINT ignored
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:  # the drill died before prctl took effect
            os._exit(1)
    return preexec


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _wait(proc: subprocess.Popen, timeout_s: float) -> None:
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        pass
