"""Helpers for the chaos drill tests (tests/chaos): compressed environments, and drill runs a test interrupts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import waiting

WAIT_S = 90  # generous: two cores shared by many workers
COMPRESSED = """
[thresholds]
servicebus_queue = {queue_limit}
{thresholds}
[chaos]
steady_window_s = 2
observe_s = {observe_s}
min_requests = 5
probe_rps = 10
rto_s = 20
backlog_jobs = 10
restart_down_s = {down_s}
"""


def chaos_env(env_file, observe_s: float = 3, extra: str = "", down_s: float = 2, queue_limit: float = 5,
              thresholds: str = "") -> str:
    """A drill environment with compressed windows; the queue limit sits below the drill's 10 jobs."""
    compressed = COMPRESSED.format(observe_s=observe_s, down_s=down_s, queue_limit=queue_limit, thresholds=thresholds)
    return f"--env-file={env_file(compressed + extra)}"


def wait_for(check, timeout: float = WAIT_S) -> bool:
    return waiting.wait_for(check, timeout)


def start_drill(run_drill, env_file, drill: str, *args: str) -> subprocess.Popen:
    """A drill run that holds its fault for a minute, so a test can interrupt it mid-fault."""
    argv, env = run_drill.command("-m", "chaos", "-k", drill, chaos_env(env_file, observe_s=60), *args,
                                  paths=("chaos",))
    for outer in ("DRILLBOOK_RUN_DIR", "PYTEST_ADDOPTS"):
        env.pop(outer, None)
    return subprocess.Popen(argv, cwd=run_drill.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def process_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"
