"""Detection latency of the watch: (verdict time - breach start) / (window + interval), median of N runs.

    .venv/bin/python benchmarks/watch_detection_latency.py [runs]

Each run starts a 60 s watch (window 10 s, interval 2 s, probe 30 rps) on a
healthy sandbox, injects 10 % errors on GET /api/shards a few seconds in, and
reads the verdict time the watch prints (ISO-8601 UTC). Target: <= 1.1.
A verdict time it cannot read, or one before the breach, is refused (exit 3), never judged.
"""

import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime

from _common import REPO, drill_env, measured, median, refuse, report, runs_wanted, running_sandbox

WATCH_S, WINDOW_S, INTERVAL_S, WARM_S = 60.0, 10.0, 2.0, 4.0
VERDICT = re.compile(r"watch: verdict (\w+) at (\S+)")


def one_run(sandbox, faults, results: str) -> float:
    faults.reset()
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "watch", f"--alluredir={results}",
            "--watch", f"{WATCH_S:g}s", "--watch-window", f"{WINDOW_S:g}s", "--watch-interval", f"{INTERVAL_S:g}s",
            "--watch-probe-rps", "30", "--watch-min-requests", "10"]
    process = subprocess.Popen(args, cwd=REPO, env=drill_env(sandbox), stdout=subprocess.PIPE, text=True)
    breach_at = None
    for line in process.stdout:
        if breach_at is None and line.startswith("watch 00:0") and _elapsed(line) >= WARM_S:
            faults.inject("/api/shards", error_rate=0.10, status=500)
            breach_at = time.time()
        if (verdict := verdict_of(line)) and breach_at:
            process.wait(timeout=60)
            if verdict[0] != "fail":
                raise SystemExit(f"expected a fail, got {verdict[0]}")
            return latency_ratio(verdict[1], breach_at)
    process.wait(timeout=60)
    refuse("detection latency", "the watch printed no verdict after the breach")


def verdict_of(line: str) -> tuple[str, float] | None:
    """``("fail", epoch s)`` from ``watch: verdict fail at 2026-11-30T16:44:02.735Z after 9 s``; None for other lines."""
    match = VERDICT.search(line)
    return (match.group(1), iso_epoch(match.group(2))) if match else None


def iso_epoch(text: str) -> float:
    """Epoch seconds of the ISO-8601 UTC time the watch prints; anything else is refused, not read as a number."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        refuse("the verdict time", f"{text!r} is not the ISO-8601 UTC time the watch prints")
    if at.tzinfo is None:  # a local time would shift the latency by the machine's offset from UTC
        refuse("the verdict time", f"{text!r} names no offset from UTC; the watch prints UTC (...Z)")
    return at.timestamp()


def latency_ratio(verdict_at: float, breach_at: float) -> float:
    """(verdict time - breach start) / (window + interval); a verdict before the breach or after the watch is none."""
    latency = measured(verdict_at - breach_at, "detection latency (verdict time - breach start, s)")
    if latency > WATCH_S:
        refuse("detection latency", f"{latency:.1f} s is longer than the {WATCH_S:g} s watch: a time misread")
    return latency / (WINDOW_S + INTERVAL_S)


def _elapsed(line: str) -> float:
    minutes, seconds = line.split()[1].split("/")[0].split(":")
    return int(minutes) * 60 + int(seconds)


def main(runs: int) -> int:
    from sandbox.runner import FaultControl

    with running_sandbox() as sandbox, tempfile.TemporaryDirectory() as results:
        faults = FaultControl(sandbox.url, sandbox.fault_token)
        ratios = [one_run(sandbox, faults, results) for _ in range(runs)]
        faults.reset()
    report("detection latency / (window + interval)", ratios, unit="")
    return 0 if median(ratios, "detection latency") <= 1.1 else 1


if __name__ == "__main__":
    sys.exit(main(runs_wanted(sys.argv[1]) if len(sys.argv) > 1 else 5))
