"""Wall times of the cockpit commands, each in a fresh interpreter (median of N runs); nothing is contacted.

    .venv/bin/python benchmarks/cockpit_wall_time.py [runs]

The issue's figure: `drillbook plan -m "chaos or dr" --env production` in under 3 s.
"""

import shutil
import subprocess
import sys
import time

from _common import REPO, report, runs_wanted

COMMANDS = {
    "drillbook list": ["list"],
    "drillbook list --env production --json": ["list", "--env", "production", "--json"],
    'drillbook plan -m "chaos or dr" --env production': ["plan", "-m", "chaos or dr", "--env", "production"],
    'unshare -n drillbook plan -m "chaos or dr" --env production': ["plan", "-m", "chaos or dr", "--env",
                                                                    "production"],
    "drillbook plan -m smoke": ["plan", "-m", "smoke"],
    "drillbook options": ["options"],
}
EXPECTED = {"plan": (0, 6)}  # 6: every selected drill refused, as the run would exit


def unshare() -> list[str] | None:
    """``unshare -n`` where this machine lets us empty the network namespace (root here), else None."""
    tool = shutil.which("unshare")
    allowed = tool and subprocess.run([tool, "-n", "true"], capture_output=True).returncode == 0
    return [tool, "-n"] if allowed else None


def time_command(prefix: list[str], args: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run([*prefix, sys.executable, "-m", "drillbook", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    return time.perf_counter() - started, done.returncode


def main(runs: int) -> int:
    for name, args in COMMANDS.items():
        prefix = unshare() if name.startswith("unshare -n ") else []
        if prefix is None:
            print(f"{name}: not measured (unshare -n is not allowed here)")
            continue
        times = []
        for _ in range(runs):
            seconds, code = time_command(prefix, args)
            if code not in EXPECTED.get(args[0], (0,)):
                print(f"{name} failed with exit code {code}")
                return 1
            times.append(seconds)
        report(name, times)
    return 0


if __name__ == "__main__":
    sys.exit(main(runs_wanted(sys.argv[1]) if len(sys.argv) > 1 else 5))
