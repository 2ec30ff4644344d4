"""Helpers for the load drill tests (tests/load): the short drill's options, and the locust group's pids."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

# 8 users at about one action a second: ~8 rps on the sandbox, enough for a 6 s window of >= 5 requests per route.
LOAD = ("-m", "load", "--load-users", "8", "--load-interval", "2s", "--load-window", "6s",
        "--load-min-requests", "5", "-s")
PATHS = ("load",)
# A progress line with users running: the load is under way, not only its processes started.
LOAD_UNDER_WAY = re.compile(r"load \d\d:\d\d/\d\d:\d\d \| [1-9]\d* users \|")
# Both workers running users, as locust's master sees them: a test that stops or kills one waits for this.
WORKERS_RUNNING = re.compile(r"worker-1 running cpu \d+ %.*, worker-2 running cpu \d+ %")


def wait_for_group(registry: Path, processes: int, timeout_s: float = 120.0) -> dict:
    """The recorded locust group once it has ``processes`` processes (started, not yet running users)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for record in registry.glob("group-*.json"):
            try:
                data = json.loads(record.read_text())
            except (OSError, ValueError):  # written in place: a busy machine lets us read it half-written
                continue
            if len(data["pids"]) >= processes:
                return data
        time.sleep(0.2)
    raise AssertionError(f"no locust group of {processes} processes was recorded in {registry} within {timeout_s} s")


def alive(pid: int) -> bool:
    """Whether the pid runs (a zombie waiting for its reaper counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_gone(pids: list[int], timeout_s: float = 15.0) -> list[int]:
    """The pids still alive after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if alive(p)]
