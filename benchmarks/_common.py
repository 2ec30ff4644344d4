"""Shared helpers for the benchmark scripts: a running sandbox, and timing whole pytest runs."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
# The environment file every benchmark starts from: a local target at {url}, the admin token from the environment.
TARGET_ENV = """
[target]
tier = "local"
base_url = "{url}"
[auth]
admin_token = {{ env = "BENCH_ADMIN_TOKEN" }}
"""


@contextmanager
def running_sandbox() -> Iterator[object]:
    """Start one sandbox for the whole benchmark and export what drills need to reuse it."""
    sys.path.insert(0, str(REPO))
    from sandbox.runner import start_sandbox

    with start_sandbox() as sandbox:
        yield sandbox


def drill_env(sandbox: object) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DRILLBOOK_SANDBOX_URL=sandbox.url, CASTIEL_ADMIN_TOKEN=sandbox.admin_token,
               SANDBOX_FAULT_TOKEN=sandbox.fault_token)
    return env


def time_pytest(args: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time of one ``python -m pytest`` run in a fresh interpreter, and its exit code."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    return time.perf_counter() - started, done.returncode


def report(name: str, samples: list[float], unit: str = "s") -> None:
    shown = ", ".join(f"{s:.2f}" for s in samples)
    print(f"{name}: median {statistics.median(samples):.2f} {unit} over {len(samples)} runs ({shown})")


@dataclass(frozen=True)
class Measured:
    """One pytest run: wall time, exit code, the peak resident memory of its process, and whether it was cut."""

    wall_s: float
    returncode: int
    peak_rss_mib: float
    killed: bool


def measure_pytest(args: list[str], env: dict[str, str], timeout_s: float = 300) -> Measured:
    """Like ``time_pytest``, plus the run's own peak RSS (``wait4``: this child only, not earlier ones)."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                               cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - started > timeout_s and not killed:
            process.kill()  # a run past the timeout is reported as cut, with its time so far
            killed = True
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)
    return Measured(time.perf_counter() - started, process.returncode, usage.ru_maxrss / 1024, killed)
