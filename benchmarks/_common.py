"""Shared helpers for the benchmark scripts: a running sandbox, and timing whole pytest runs."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]


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
