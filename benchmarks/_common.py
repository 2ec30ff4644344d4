"""Shared helpers for the benchmark scripts: a running sandbox, timing whole pytest runs, and figures that are real.

A benchmark reports only what it measured: a latency below zero, a ratio over nothing, a median of no runs or
NaN is refused (``refuse``: one line on stderr, exit status 3), never printed as a result or judged against a goal.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, NoReturn

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
    middle = median(samples, name)
    shown = ", ".join(f"{s:.2f}" for s in samples)
    print(f"{name}: median {middle:.2f}{f' {unit}' if unit else ''} over {len(samples)} runs ({shown})")


# Exit status of a benchmark that has no figure to give: 1 means a figure missed its goal, 2 is argparse's usage error.
UNMEASURED = 3


class Unmeasured(SystemExit):
    """A figure the benchmark could not have measured; exits with ``UNMEASURED``, the reason in ``message``."""

    def __init__(self, message: str):
        super().__init__(UNMEASURED)
        self.message = message


def refuse(what: str, why: str) -> NoReturn:
    """Stop the benchmark: ``benchmark: no figure for <what>: <why>`` on stderr, exit status 3."""
    message = f"no figure for {what}: {why}"
    print(f"benchmark: {message}", file=sys.stderr, flush=True)
    raise Unmeasured(message)


def measured(value: float, what: str, *, positive: bool = False) -> float:
    """``value`` if it is a figure a run can produce: finite and not below zero (above zero if ``positive``)."""
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        refuse(what, f"{value!r} is not a number a run can measure")
    if value < 0 or (positive and value == 0):
        refuse(what, f"{value:.3f} is below zero, which no run can measure" if value < 0 else "0: nothing was measured")
    return value


def ratio(numerator: float, denominator: float, what: str) -> float:
    """``numerator / denominator``, both measured above zero: a ratio of nothing is no figure."""
    return measured(numerator, f"{what} (numerator)", positive=True) / measured(
        denominator, f"{what} (denominator)", positive=True)


def median(samples: Iterable[float], what: str, *, positive: bool = False) -> float:
    """The median of measured samples; no samples (zero runs) is refused, as is any sample ``measured`` refuses."""
    values = [measured(sample, what, positive=positive) for sample in samples]
    if not values:
        refuse(what, "no runs: a median of nothing")
    return statistics.median(values)


def runs_wanted(text: str) -> int:
    """The run count from the command line: at least 1, since zero runs measure nothing."""
    try:
        runs = int(text)
    except ValueError:
        refuse(f"{text!r} runs", "not a whole number of runs")
    if runs < 1:
        refuse(f"{runs} runs", "a median needs at least 1 run")
    return runs


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
