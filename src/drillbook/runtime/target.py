"""The embedded sandbox as a target: started on first use, shared by xdist workers, stopped by the controller.

The controller makes a run directory and exports it; the first process that
needs the sandbox starts it under a file lock and records its URL and pid
there, the others read them. ``DRILLBOOK_SANDBOX_URL`` reuses a sandbox that is
already running (``python -m sandbox``) and then nothing is started or stopped.

The run directory is named after the controller's pid (``drillbook-run-<pid>-*``):
Ctrl-C cannot interrupt its removal, and the next run removes the directory of
a controller that was killed.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from drillbook.errors import ConfigError, TargetError
from drillbook.runtime.pids import command_line, process_alive
from drillbook.runtime.waiting import wait_until

SANDBOX_URL_VAR = "DRILLBOOK_SANDBOX_URL"
RUN_DIR_VAR = "DRILLBOOK_RUN_DIR"
CONTROLLER_PID_VAR = "DRILLBOOK_CONTROLLER_PID"
TOKEN_VARS = ("CASTIEL_ADMIN_TOKEN", "SANDBOX_FAULT_TOKEN")
RUN_DIR_PREFIX = "drillbook-run-"


def prepare_run_dir() -> Path:
    """Create the run directory and generate sandbox tokens; workers inherit both."""
    sweep_stale_run_dirs()
    run_dir = Path(tempfile.mkdtemp(prefix=f"{RUN_DIR_PREFIX}{os.getpid()}-"))
    os.environ[RUN_DIR_VAR] = str(run_dir)
    os.environ[CONTROLLER_PID_VAR] = str(os.getpid())
    if not os.environ.get(SANDBOX_URL_VAR):
        for name in TOKEN_VARS:
            os.environ.setdefault(name, secrets.token_urlsafe(24))
    return run_dir


def sandbox_url(version: str | None = None) -> str:
    """The URL of this run's sandbox, starting it if nobody has yet."""
    if os.environ.get(SANDBOX_URL_VAR):
        return _answering(os.environ[SANDBOX_URL_VAR])
    run_dir = Path(os.environ[RUN_DIR_VAR])
    with _locked(run_dir / "sandbox.lock"):
        state = run_dir / "sandbox.json"
        if not state.exists():
            state.write_text(json.dumps(_start(version)))
        url = json.loads(state.read_text())["url"]
    os.environ[SANDBOX_URL_VAR] = url
    return url


def check_reused_sandbox() -> None:
    """Refuse, before anything runs, a ``DRILLBOOK_SANDBOX_URL`` that nothing answers at (a usage error)."""
    if os.environ.get(SANDBOX_URL_VAR):
        _answering(os.environ[SANDBOX_URL_VAR])


def _answering(url: str, timeout_s: float = 2.0) -> str:
    """The reused sandbox's URL, if something listens there; a stale variable is named, not nine failures."""
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=timeout_s).close()
    except OSError as exc:
        raise ConfigError(f"{SANDBOX_URL_VAR}={url}: nothing answers there ({exc.strerror or exc}) -> unset "
                          f"{SANDBOX_URL_VAR} to start a fresh sandbox, or start one with python -m sandbox") from None
    return url


def finish_run_dir(run_dir: Path) -> None:
    """Stop the sandbox this run started (if any) and remove the run directory; Ctrl-C waits for it."""
    with _sigint_ignored():  # a second Ctrl-C here used to print a traceback and leave both behind
        try:
            _stop_recorded_sandbox(run_dir)
        finally:
            shutil.rmtree(run_dir, ignore_errors=True)


def sweep_stale_run_dirs(parent: Path | None = None) -> list[Path]:
    """Remove the run directories of controllers that are gone (SIGKILL), and any sandbox still in them."""
    swept = []
    for run_dir in Path(parent or tempfile.gettempdir()).glob(f"{RUN_DIR_PREFIX}*"):
        owner = _owner_pid(run_dir)
        if owner is None or process_alive(owner):
            continue
        _stop_recorded_sandbox(run_dir, only_if_sandbox=True)
        shutil.rmtree(run_dir, ignore_errors=True)
        swept.append(run_dir)
    return swept


def _stop_recorded_sandbox(run_dir: Path, *, only_if_sandbox: bool = False) -> None:
    try:
        pid = int(json.loads((run_dir / "sandbox.json").read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return  # no sandbox was started, or its start was interrupted before it was recorded
    if not only_if_sandbox or _is_sandbox(pid):  # a stale pid may belong to someone else by now
        _terminate(pid)


def _owner_pid(run_dir: Path) -> int | None:
    """The controller pid in ``drillbook-run-<pid>-xxxx``; None for a directory that is not ours."""
    pid = run_dir.name[len(RUN_DIR_PREFIX):].split("-", 1)[0]
    if not pid.isdigit() or not run_dir.is_dir() or run_dir.stat().st_uid != os.getuid():
        return None
    return int(pid)


def _is_sandbox(pid: int) -> bool:
    return any("sandbox" in argument for argument in command_line(pid))


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _start(version: str | None) -> dict:
    from sandbox.runner import SandboxError, start_sandbox  # imported on use: checks/ needs no sandbox code

    try:
        # It outlives the xdist worker that started it, but never the controller.
        controller = int(os.environ.get(CONTROLLER_PID_VAR, os.getpid()))
        process = start_sandbox(exit_with_pid=controller, **({"version": version} if version else {}))
    except SandboxError as exc:
        raise TargetError(f"the local sandbox did not start: {exc}") from None
    return {"url": process.url, "pid": process.pid}


def _terminate(pid: int, timeout_s: float = 5.0) -> None:
    for sig, wait in ((signal.SIGTERM, timeout_s), (signal.SIGKILL, 1.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        if _wait_gone(pid, wait):
            return


def _wait_gone(pid: int, timeout_s: float) -> bool:
    return wait_until(lambda: _gone(pid), timeout_s=timeout_s, poll_s=0.05).held


def _gone(pid: int) -> bool:
    try:
        finished, _ = os.waitpid(pid, os.WNOHANG)
        return bool(finished)
    except ChildProcessError:  # started by a worker: not our child, poll instead
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
    return False


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
