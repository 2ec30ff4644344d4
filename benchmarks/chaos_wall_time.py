"""Wall time of `pytest -m "chaos or dr"` on the sandbox, per drill profile (median of N runs).

    .venv/bin/python benchmarks/chaos_wall_time.py [runs] [profile ...]     # default: 3 runs, default and short

Every run is a fresh interpreter against one sandbox started for the whole
benchmark, so the sandbox's own start-up is not counted. A run counts only
when each selected drill passed: a run that failed, was cut at the timeout or
passed no drill measured nothing, and the benchmark says so and exits 1
without a median. Goal: the default profile in at most half of the 424 s
the drills took before the profiles (30 s windows on the sandbox; that run
started its own sandbox, a few seconds of it).
"""

import re
import statistics
import subprocess
import sys
import tempfile
import time

from _common import REPO, drill_env, report, running_sandbox

PROFILES = ("default", "short")
TIMEOUT_S = 900.0
BEFORE_S = 424.0  # pytest -m "chaos or dr" on the sandbox with the 30 s windows it had (issue 18)
SUMMARY = re.compile(r"=* ?(.*\d+ passed.*) in [\d.]+s")


class NotMeasured(Exception):
    """A run whose time says nothing about the drills: it failed, was cut, or ran none."""


def one_run(env: dict[str, str], profile: str) -> float:
    with tempfile.TemporaryDirectory() as scratch:
        args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "chaos or dr",
                f"--drill-profile={profile}", f"--alluredir={scratch}/results", f"--journal-dir={scratch}/journal"]
        started = time.perf_counter()
        try:
            done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise NotMeasured(f"cut after {TIMEOUT_S:g} s") from None
        seconds = time.perf_counter() - started
    summary = next((m.group(1) for m in map(SUMMARY.search, reversed(done.stdout.splitlines())) if m), None)
    if done.returncode != 0 or summary is None or re.search(r"failed|error", summary):
        tail = "\n".join(done.stdout.splitlines()[-15:] + done.stderr.splitlines()[-5:])
        raise NotMeasured(f"exit code {done.returncode}, summary {summary!r}:\n{tail}")
    if seconds <= 0:
        raise NotMeasured(f"a wall time of {seconds:g} s")
    return seconds


def main(runs: int, profiles: list[str]) -> int:
    medians = {}
    with running_sandbox() as sandbox:
        env = drill_env(sandbox)
        for profile in profiles:
            try:
                samples = [one_run(env, profile) for _ in range(runs)]
            except NotMeasured as exc:
                print(f"--drill-profile {profile}: not measured: {exc}")
                return 1
            report(f'pytest -m "chaos or dr" --drill-profile {profile} (sandbox already running)', samples)
            medians[profile] = statistics.median(samples)
    if "default" in medians:
        ratio = medians["default"] / BEFORE_S
        print(f"default profile / before the profiles ({BEFORE_S:g} s): {ratio:.2f} (goal <= 0.5)")
        return 0 if ratio <= 0.5 else 1
    return 0


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    chosen = sys.argv[2:] or list(PROFILES)
    unknown = [p for p in chosen if p not in PROFILES]
    if count < 1 or unknown:
        print(f"usage: chaos_wall_time.py [runs >= 1] [{' '.join(PROFILES)}]", file=sys.stderr)
        sys.exit(4)
    sys.exit(main(count, chosen))
