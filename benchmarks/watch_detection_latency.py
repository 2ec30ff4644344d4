"""Detection latency of the watch: (verdict time - breach start) / (window + interval), median of N runs.

    .venv/bin/python benchmarks/watch_detection_latency.py [runs]

Each run starts a 60 s watch (window 10 s, interval 2 s, probe 30 rps) on a
healthy sandbox, injects 10 % errors on GET /api/shards a few seconds in, and
reads the verdict time the watch prints. Target: <= 1.1.
"""

import re
import statistics
import subprocess
import sys
import tempfile
import time

from _common import REPO, drill_env, report, running_sandbox

WINDOW_S, INTERVAL_S, WARM_S = 10.0, 2.0, 4.0
VERDICT = re.compile(r"watch: verdict (\w+) at ([\d.]+)")


def one_run(sandbox, faults, results: str) -> float:
    faults.reset()
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "watch", f"--alluredir={results}",
            "--watch", "60s", "--watch-window", f"{WINDOW_S:g}s", "--watch-interval", f"{INTERVAL_S:g}s",
            "--watch-probe-rps", "30", "--watch-min-requests", "10"]
    process = subprocess.Popen(args, cwd=REPO, env=drill_env(sandbox), stdout=subprocess.PIPE, text=True)
    breach_at = None
    for line in process.stdout:
        if breach_at is None and line.startswith("watch 00:0") and _elapsed(line) >= WARM_S:
            faults.inject("/api/shards", error_rate=0.10, status=500)
            breach_at = time.time()
        if (match := VERDICT.search(line)) and breach_at:
            process.wait(timeout=60)
            if match.group(1) != "fail":
                raise SystemExit(f"expected a fail, got {match.group(1)}")
            return (float(match.group(2)) - breach_at) / (WINDOW_S + INTERVAL_S)
    raise SystemExit("the watch printed no verdict")


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
    return 0 if statistics.median(ratios) <= 1.1 else 1


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
