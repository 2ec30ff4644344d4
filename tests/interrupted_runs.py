"""A pytest run in its own session that the test interrupts (Ctrl-C) or kills at a chosen moment.

    run = InterruptibleRun(argv, cwd, env)
    run.wait_for_line("checks/test_contract.py::")   # the drill has started (a fragment, or a compiled pattern)
    run.signal(signal.SIGINT)                        # what a terminal's Ctrl-C sends: the whole process group
    rc, output = run.finish()
    assert run.children() == []                       # nothing of the run's session is left

The run gets its own session (so the signal reaches only it) and SIGINT at its default (a shell's background
job would otherwise start it ignored, and the test would prove nothing).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path


class InterruptibleRun:
    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]):
        env = {**env, "PYTHONUNBUFFERED": "1"}
        for outer in ("DRILLBOOK_RUN_DIR", "PYTEST_ADDOPTS"):  # an outer run's bookkeeping is not this run's
            env.pop(outer, None)
        self.process = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True, preexec_fn=_default_sigint)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for_line(self, fragment: str | re.Pattern, timeout: float = 120) -> str:
        """The first line holding ``fragment`` (or matching it, a compiled pattern), once the run has printed it."""
        # a fragment is looked for in the line (fragment.__contains__ would ask the reverse: "" matched at once)
        found = fragment.search if isinstance(fragment, re.Pattern) else lambda line: fragment in line
        deadline = time.monotonic() + timeout
        while (seen := next((line for line in list(self.lines) if found(line)), None)) is None:
            assert self.process.poll() is None, f"the run ended before {fragment!r}:\n" + self.output
            assert time.monotonic() < deadline, f"no {fragment!r} within {timeout} s:\n" + self.output
            time.sleep(0.02)
        return seen

    def wait_for_path(self, pattern: str, directory: Path, timeout: float = 120) -> Path:
        deadline = time.monotonic() + timeout
        while not (found := sorted(directory.glob(pattern))):
            assert self.process.poll() is None, f"the run ended before {pattern} appeared:\n" + self.output
            assert time.monotonic() < deadline, f"no {pattern} within {timeout} s:\n" + self.output
            time.sleep(0.02)
        return found[0]

    def signal(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def finish(self, timeout: float = 120) -> tuple[int, str]:
        try:
            self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.signal(signal.SIGKILL)
                self.process.wait()
        self._reader.join(timeout=10)
        print(self.output)
        return self.process.returncode, self.output

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def children(self, settle_s: float = 10) -> list[str]:
        """Processes still in the run's session (its children), after giving them settle_s to exit."""
        deadline = time.monotonic() + settle_s
        while (left := session_members(self.process.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return left


def session_members(sid: int) -> list[str]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) ": state ppid pgrp session ...
        if int(fields[3]) == sid and fields[0] != "Z":
            members.append(f"{stat.parent.name} {text[text.index('(') + 1:text.rindex(')')]}")
    return members


def sandboxes_launched_by(pid: int) -> list[str]:
    """Sandbox processes started by run ``pid`` (they run in their own session, so look them up by argv)."""
    found = subprocess.run(["pgrep", "-f", f"exit-with-pid {pid}"], capture_output=True, text=True)
    return found.stdout.split()


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
