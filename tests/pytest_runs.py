"""One pytest subprocess as pytest's RunResult, and a scratch copy of the repository to run it in: helpers drill
tests share (importable, unlike a conftest)."""

import subprocess
import sys
import time
from pathlib import Path

import pytest


def run_pytest(argv: list[str], cwd: Path, env: dict[str, str], timeout: float) -> pytest.RunResult:
    """One pytest subprocess, as pytest's RunResult; its output is printed, so a failing test shows it.

    Not pytester's runner: pytester restores sys.modules after each test, which unloads what an
    in-process fixture imported lazily (httpx loads httpcore on first use) and splits its classes.
    """
    for outer in ("DRILLBOOK_RUN_DIR", "PYTEST_ADDOPTS"):  # an outer run's bookkeeping and options are not this run's
        env.pop(outer, None)
    started = time.monotonic()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    print("running:", *argv, "\n", done.stdout)
    print(done.stderr, file=sys.stderr)
    return pytest.RunResult(done.returncode, done.stdout.splitlines(), done.stderr.splitlines(),
                            time.monotonic() - started)


def scratch_repository(repo: Path, directory: Path) -> Path:
    """``repo``'s files linked into ``directory``, with a reports/ of its own: a run there prints repo-relative paths."""
    for entry in repo.iterdir():
        if entry.name != "reports" and not entry.name.startswith("."):
            (directory / entry.name).symlink_to(entry)
    return directory
