"""Child processes that always die: launch, wait ready, stop, pause and resume.

Every child gets PR_SET_PDEATHSIG=SIGKILL, so it dies with the sandbox even
after a SIGKILL. Linux sends that signal when the *thread* that forked the
child exits, not the process, so every launch goes through one long-lived
launcher thread instead of whichever request thread happens to ask.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PR_SET_PDEATHSIG = 1
LOOPBACK = "127.0.0.1"

# One thread for the whole process: children launched from it outlive any
# short-lived worker thread (see the module docstring).
_launcher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-launcher")


class LaunchError(RuntimeError):
    """A child process could not be started or never became ready."""


def free_ports(count: int) -> list[int]:
    """Distinct loopback ports that were free a moment ago (all held at once, then released)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((LOOPBACK, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def die_with(parent_pid: int) -> Callable[[], None]:
    """A preexec_fn asking the kernel to SIGKILL the child when its parent dies."""
    def preexec() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
    return preexec


def spawn(argv: list[str], log_path: Path, env: dict | None = None) -> subprocess.Popen:
    """Start argv from the launcher thread, output appended to log_path."""
    return _launcher.submit(_popen, argv, log_path, env).result()


def _popen(argv: list[str], log_path: Path, env: dict | None) -> subprocess.Popen:
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=die_with(os.getpid()),
        )


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.01) -> bool:
    """Poll check() until it returns True or timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval)
    return check()


def port_accepts(port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on the loopback port."""
    try:
        socket.create_connection((LOOPBACK, port), timeout=timeout).close()
        return True
    except OSError:
        return False


def log_tail(log_path: Path, lines: int = 3) -> str:
    """The last lines of a log, joined with ' | ', for one-line errors."""
    try:
        text = log_path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:])


class ChildProcess:
    """One dependency process on a fixed loopback port, restartable on that port.

    >>> redis = ChildProcess("redis", ["redis-server", "--port", "6390"], 6390, log)
    >>> redis.start(); redis.pause(); redis.resume(); redis.stop()
    """

    def __init__(self, name: str, argv: list[str], port: int, log_path: Path,
                 ready: Callable[[], bool] | None = None):
        self.name = name
        self.argv = argv
        self.port = port
        self.log_path = log_path
        self._ready = ready or (lambda: port_accepts(port))
        self._proc: subprocess.Popen | None = None
        self._paused = False
        self._stopped_on_purpose = False

    @property
    def state(self) -> str:
        """'running', 'paused' or 'stopped'."""
        if self._proc is None or self._proc.poll() is not None:
            return "stopped"
        return "paused" if self._paused else "running"

    @property
    def pid(self) -> int | None:
        """The running process's id (for process-level faults), None when stopped."""
        return None if self.state == "stopped" else self._proc.pid

    def launch(self) -> None:
        """Start the process without waiting; wait_ready() finishes the start."""
        if self.state != "stopped":
            return
        try:
            self._proc = spawn(self.argv, self.log_path)
        except OSError as err:
            raise LaunchError(f"{self.argv[0]}: {err.strerror}") from err
        self._paused = False
        self._stopped_on_purpose = False

    def wait_ready(self, timeout: float) -> None:
        """Block until the ready check passes; raise LaunchError otherwise."""
        ready = wait_until(lambda: self._exited() or self._ready(), timeout)
        if self._exited():
            code = self._proc.returncode
            raise LaunchError(f"exited with code {code}: {log_tail(self.log_path)}")
        if not ready:
            raise LaunchError(f"not ready on port {self.port} after {timeout:.0f} s")

    def start(self, timeout: float = 10.0) -> None:
        """Launch (if stopped) and wait until ready."""
        self.launch()
        self.resume()
        self.wait_ready(timeout)

    def stop(self, timeout: float = 3.0) -> None:
        """SIGTERM, then SIGKILL after timeout; a paused child is woken first."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        self._stopped_on_purpose = True
        proc.terminate()
        self.resume()  # a stopped (SIGSTOP) process cannot act on SIGTERM
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def kill(self) -> None:
        """SIGKILL without waiting: the last resort when stop() itself failed."""
        if self._proc is not None and self._proc.poll() is None:
            self._stopped_on_purpose = True
            self._proc.kill()

    def died(self) -> str | None:
        """Why the process is gone when nobody stopped it (a crash, the OOM killer), else None."""
        if self._proc is None or self._stopped_on_purpose or self._proc.poll() is None:
            return None
        return f"{self.name} exited on its own with code {self._proc.returncode} ({log_tail(self.log_path, 1)})"

    def pause(self) -> None:
        """SIGSTOP: the port stays open but nothing answers, so calls hang."""
        if self.state == "running":
            self._proc.send_signal(signal.SIGSTOP)
            self._paused = True

    def resume(self) -> None:
        """SIGCONT after pause()."""
        if self.state == "paused":
            self._proc.send_signal(signal.SIGCONT)
        self._paused = False

    def _exited(self) -> bool:
        return self._proc is None or self._proc.poll() is not None


def terminate_all(children: list[ChildProcess], timeout: float = 3.0) -> None:
    """Stop every child, continuing past errors so none is left behind."""
    for child in children:
        try:
            child.stop(timeout)
        except Exception:  # noqa: BLE001 - cleanup must reach every child
            child.kill()
