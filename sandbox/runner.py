"""Start the sandbox as a subprocess, and drive its fault control.

    with start_sandbox() as sandbox:
        faults = FaultControl(sandbox.url, sandbox.fault_token)
        faults.inject("/health", status=503)
        ...
        faults.reset()

This module imports only httpx, so a process that merely launches or steers
the sandbox never loads Starlette, Redis or Azure.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import httpx

REPO_ROOT = Path(__file__).resolve().parent.parent
TOKEN_ENVS = ("CASTIEL_ADMIN_TOKEN", "SANDBOX_FAULT_TOKEN")
LOG_TAIL_LINES = 15


class SandboxError(RuntimeError):
    """The sandbox did not start, or its fault control refused a request."""


class SandboxProcess:
    """A running sandbox started by start_sandbox(); stop() it, or use it as a context manager."""

    def __init__(self, proc: subprocess.Popen, record: dict, workdir: Path):
        self._proc, self._workdir = proc, workdir
        self.url: str = record["url"]
        self.admin_token: str = record["admin_token"]
        self.fault_token: str = record["fault_token"]
        self.redis_url: str = record["redis_url"]
        self.cosmos_url: str = record["cosmos_url"]
        self.cosmos_key: str = record["cosmos_key"]
        self.version: str = record["version"]
        self.pid: int = proc.pid
        self.log_path = workdir / "sandbox.log"

    def __repr__(self) -> str:  # tokens stay out of reprs, and so out of tracebacks
        return f"SandboxProcess(url={self.url!r}, pid={self.pid})"

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL to the whole group after timeout; returns the exit code."""
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout)
            except subprocess.TimeoutExpired:
                _kill_group(self._proc)
        shutil.rmtree(self._workdir, ignore_errors=True)
        return self._proc.returncode

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_sandbox(*, version: str = "1.4.2", env: dict | None = None, timeout: float = 30.0,
                  exit_with_pid: int | None = None,
                  args: tuple[str, ...] = ()) -> SandboxProcess:
    """Launch `python -m sandbox` and wait until it is ready; args go to its command line.

    The sandbox exits on its own once ``exit_with_pid`` (default: this process) is gone.

    >>> with start_sandbox(version="1.4.3", args=("--redis-maxmemory", "8mb")) as sandbox:
    ...     httpx.get(f"{sandbox.url}/health").json()["version"]
    '1.4.3'
    """
    with _sigint_deferred() as interrupted:  # Ctrl-C inside Popen would orphan a started sandbox
        workdir = Path(tempfile.mkdtemp(prefix="drillbook-sandbox-"))
        ready_file, log_path = workdir / "ready.json", workdir / "sandbox.log"
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "sandbox", "--ready-file", str(ready_file), "--workdir", str(workdir),
                 "--version", version, "--exit-with-pid", str(exit_with_pid or os.getpid()), *args],
                cwd=REPO_ROOT, env=_child_env(env), stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)  # own group: stop() can reap it whole
    try:
        if interrupted:
            raise KeyboardInterrupt
        record = _wait_for_record(proc, ready_file, timeout)
    except SandboxError as err:
        _kill_group(proc)
        tail = _tail(log_path)
        shutil.rmtree(workdir, ignore_errors=True)
        raise SandboxError(f"{err}; last log lines:\n{tail}") from None
    except BaseException:  # Ctrl-C while it starts: nobody else knows its pid, so it goes now
        _kill_group(proc)
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return SandboxProcess(proc, record, workdir)


@contextmanager
def _sigint_deferred() -> Iterator[list]:
    """Ctrl-C only noted (the list gets an entry) until the block ends; the caller raises it where it can clean up."""
    noted: list = []
    if threading.current_thread() is not threading.main_thread():
        yield noted
        return
    previous = signal.signal(signal.SIGINT, lambda *_: noted.append(True))
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, previous)


def _child_env(extra: dict | None) -> dict:
    """The caller's environment, with tokens made up here if absent.

    Passing tokens in keeps the sandbox from printing them into its log.
    """
    env = {**os.environ, **(extra or {})}
    for name in TOKEN_ENVS:
        if not env.get(name):
            env[name] = secrets.token_urlsafe(24)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def _wait_for_record(proc: subprocess.Popen, ready_file: Path, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready_file.exists():
            record = json.loads(ready_file.read_text())
            ready_file.unlink()  # it holds the tokens; the caller now has them in memory
            return record
        if proc.poll() is not None:
            raise SandboxError(f"sandbox exited with code {proc.returncode} before it was ready")
        time.sleep(0.02)
    raise SandboxError(f"sandbox was not ready within {timeout:.0f} s")


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _tail(log_path: Path) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:])
    except OSError:
        return "(no log)"


class FaultControl:
    """A client for /_sandbox/*: every call has a timeout (a restart may take seconds) and raises SandboxError on refusal.

    >>> faults = FaultControl(sandbox.url, sandbox.fault_token)
    >>> faults.inject("/api/shards/{id}", latency_ms=1500, ttl_s=60)
    {'id': '3f2a9c0b1d4e', 'expires_at': 1764172800.0}
    """

    def __init__(self, url: str, token: str, timeout: float = 30.0):
        self.url, self.timeout = url.rstrip("/"), timeout
        self._headers = {"X-Fault-Token": token}

    def __repr__(self) -> str:
        return f"FaultControl(url={self.url!r})"

    def inject(self, route: str, **fault) -> dict:
        """Add a fault: latency_ms, error_rate, status, body, hang, ttl_s (see /_sandbox/faults)."""
        return self._call("POST", "/_sandbox/faults", {"route": route, **fault})

    def faults(self) -> list[dict]:
        return self._call("GET", "/_sandbox/faults")["faults"]

    def remove(self, fault_id: str) -> dict:
        return self._call("DELETE", f"/_sandbox/faults/{fault_id}")

    def clear(self) -> int:
        return self._call("DELETE", "/_sandbox/faults")["cleared"]

    def reset(self) -> dict:
        """Clear faults, restart or resume dependencies, resume the worker."""
        return self._call("POST", "/_sandbox/reset")

    def dependency(self, name: str, action: str) -> dict:
        """name: redis|cosmos; action: stop|start|pause|resume."""
        return self._call("POST", f"/_sandbox/dependencies/{name}/{action}")

    def stall_worker(self) -> dict:
        return self._call("POST", "/_sandbox/worker/stall")

    def resume_worker(self) -> dict:
        return self._call("POST", "/_sandbox/worker/resume")

    def poison_worker(self, jobs: int = 1) -> dict:
        """Queue jobs that crash the embedding worker; its supervisor logs and restarts it."""
        return self._call("POST", "/_sandbox/worker/poison", {"jobs": jobs})

    def hide_dependency(self, name: str, ttl_s: float | None = None) -> dict:
        """Leave redis|cosmos|embedding_queue out of /health/ready's map until reset (or ttl_s)."""
        return self._call("POST", "/_sandbox/ready/hide", {"dependency": name, **({"ttl_s": ttl_s} if ttl_s else {})})

    def metrics_shape(self, **shape) -> dict:
        """Reshape /metrics: buckets ("sandbox", "prometheus", "fastapi") or bucket_bounds [s, ...],
        split_by_status, status_classes, count_scrapes; reset() restores the sandbox's own."""
        return self._call("POST", "/_sandbox/metrics-shape", shape)

    def embedding_failure_rate(self, rate: float) -> dict:
        return self._call("POST", "/_sandbox/embeddings/failure-rate", {"rate": rate})

    def slot_fault(self, **fault) -> dict:
        """Slot faults: stuck, delay_ms, after_swaps, unhealthy (see sandbox/deployment.py); reset() clears them."""
        return self._call("POST", "/_sandbox/slots/fault", fault)

    def hide_setting(self, name: str) -> dict:
        return self._call("DELETE", f"/_sandbox/settings/{name}")

    def restart(self, down_s: float) -> dict:
        """Restart the API in-process: connections refused for down_s, then a fresh app (faults and metrics reset)."""
        return self._call("POST", "/_sandbox/restart", {"down_s": down_s})

    def restore(self, source: str, target: str) -> dict:
        """Copy a live container into a new scratch container (drillbook_dr_*): the stand-in for a PITR."""
        return self._call("POST", "/_sandbox/backup/restore", {"source": source, "target": target})

    def delete_scratch(self, name: str) -> dict:
        return self._call("DELETE", f"/_sandbox/backup/containers/{name}")

    def restore_loss_rate(self, rate: float) -> dict:
        """Make restores drop this share of documents (counted, not random)."""
        return self._call("POST", "/_sandbox/backup/loss-rate", {"rate": rate})

    def info(self) -> dict:
        return self._call("GET", "/_sandbox/info")

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        try:
            response = httpx.request(method, self.url + path, json=body, headers=self._headers,
                                     timeout=self.timeout)
        except httpx.HTTPError as err:
            raise SandboxError(f"sandbox: {method} {path} failed: {type(err).__name__} "
                               f"-> is the sandbox running at {self.url}?") from None
        if response.status_code >= 400:
            raise SandboxError(f"sandbox: {method} {path} returned {response.status_code}: "
                               f"{response.text[:300]}")
        return response.json()
