"""Wall time of `pytest -m smoke` against a sandbox that is already running (median of N runs).

    .venv/bin/python benchmarks/smoke_wall_time.py [runs]
"""

import sys
import tempfile

from _common import drill_env, report, runs_wanted, running_sandbox, time_pytest


def main(runs: int) -> int:
    with running_sandbox() as sandbox, tempfile.TemporaryDirectory() as results:
        env = drill_env(sandbox)
        times = []
        for _ in range(runs):
            seconds, code = time_pytest(["-m", "smoke", f"--alluredir={results}"], env)
            if code != 0:
                print(f"smoke run failed with exit code {code}")
                return 1
            times.append(seconds)
    report("pytest -m smoke (sandbox already running)", times)
    return 0


if __name__ == "__main__":
    sys.exit(main(runs_wanted(sys.argv[1]) if len(sys.argv) > 1 else 5))
