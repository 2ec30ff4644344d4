"""The test suite on a busy machine: CPU hogs keep every core busy while pytest runs.

    .venv/bin/python benchmarks/loaded_suite.py                      # tests/ with 2 hogs, once
    .venv/bin/python benchmarks/loaded_suite.py --hogs 0 --runs 3    # three quiet runs in a row
    .venv/bin/python benchmarks/loaded_suite.py tests/sandbox -- -x  # a subset; after -- goes to pytest

Each hog is a process that spins until its own deadline (--max-s), so none can
outlive a killed script; the script also kills them in `finally`, Ctrl-C
included. Prints pass/fail counts and wall time per run; exits 1 if any run
had a failure or an error.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from _common import refuse, runs_wanted

REPO = Path(__file__).resolve().parents[1]
SPIN = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"
OUTCOME = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected)")


def parse_args(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra = argv[argv.index("--") + 1:] if "--" in argv else []
    mine = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["tests"], help="test paths (default: tests)")
    parser.add_argument("--hogs", type=int, default=2, help="CPU-burning processes (default 2, one per core here)")
    parser.add_argument("--runs", type=runs_wanted, default=1, help="consecutive runs, at least 1 (default 1)")
    parser.add_argument("--max-s", type=float, default=3600.0,
                        help="each hog ends on its own after this many seconds (default 3600)")
    return parser.parse_args(mine), extra


def start_hogs(count: int, max_s: float) -> list[subprocess.Popen]:
    code = SPIN.format(seconds=max_s)
    return [subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL) for _ in range(count)]


def stop_hogs(hogs: list[subprocess.Popen]) -> None:
    for hog in hogs:
        if hog.poll() is None:
            hog.kill()
    for hog in hogs:
        hog.wait()


def stop_pytest(proc: subprocess.Popen, grace_s: float = 30.0) -> None:
    """Let pytest finish; if we are leaving early (Ctrl-C), interrupt it so it cleans up its sandbox."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait()


def run_suite(paths: list[str], extra: list[str]) -> tuple[int, dict[str, int], float]:
    """One pytest run in a fresh interpreter, its output passed through; (exit code, counts, seconds)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO / "src"), str(REPO),
                                                                      os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:cacheprovider", *extra]
    started = time.perf_counter()
    last = ""
    with subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True) as proc:
        try:
            for line in proc.stdout:
                sys.stdout.write(line)
                if OUTCOME.search(line):
                    last = line
        finally:
            stop_pytest(proc)
    counts = {kind.rstrip("s") if kind.startswith("error") else kind: int(n) for n, kind in OUTCOME.findall(last)}
    return proc.returncode, counts, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    options, extra = parse_args(argv)
    hogs = start_hogs(options.hogs, options.max_s)
    lines, worst = [], 0
    try:
        for run in range(1, options.runs + 1):
            code, counts, seconds = run_suite(options.paths, extra)
            ran_tests(counts, code, f"run {run}/{options.runs}")
            bad = counts.get("failed", 0) + counts.get("error", 0)
            worst = max(worst, 1 if bad or code != 0 else 0)
            shown = ", ".join(f"{n} {kind}" for kind, n in counts.items())
            lines.append(f"run {run}/{options.runs} with {options.hogs} CPU hogs: {shown} in {seconds:.1f} s")
    finally:
        stop_hogs(hogs)
        print("\n".join(lines))
    return worst


def ran_tests(counts: dict[str, int], code: int, what: str) -> None:
    """A run that reported no test passing, failing or erring measured nothing: refused, never counted as green."""
    if not sum(counts.get(kind, 0) for kind in ("passed", "failed", "error")):
        shown = ", ".join(f"{n} {kind}" for kind, n in counts.items()) or "no summary line"
        refuse(f"{what} of the suite", f"no test ran ({shown}, pytest exit code {code})")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("loaded_suite: interrupted; the hogs and pytest are stopped", file=sys.stderr)
        sys.exit(130)
