"""Running the cockpit as the engineer does: ``python -m drillbook ...`` in its own interpreter, from the repository.

``no_network``: the same, in an empty network namespace (``unshare -n``, where this machine allows it) and with
a guard in the interpreter that fails on any connection that is not to loopback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GUARD = Path(__file__).resolve().parent / "guard"  # sitecustomize.py: the socket guard, loaded at start-up
ALL_DRILLS = "watch or load or chaos or dr or rollback or not (watch or load or chaos or dr or rollback)"


def run_drillbook(*args: str, no_network: bool = False, env: dict[str, str] | None = None,
                  cwd: Path = REPO, timeout: float = 60, inherit: bool = True) -> subprocess.CompletedProcess:
    """``inherit=False``: ``env`` is the whole environment (to leave variables out), not additions to this one's."""
    environ = {**(os.environ if inherit else {}), **(env or {})}
    environ.pop("PYTEST_ADDOPTS", None)
    argv = [sys.executable, "-m", "drillbook", *args]
    if no_network:
        environ["PYTHONPATH"] = os.pathsep.join([str(GUARD), environ.get("PYTHONPATH", "")])
        argv = [*unshare(), *argv]
    return subprocess.run(argv, cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout)


def unshare() -> list[str]:
    """``unshare -n`` when this machine lets us empty the network namespace (root here), else nothing."""
    tool = shutil.which("unshare")
    if tool and subprocess.run([tool, "-n", "true"], capture_output=True).returncode == 0:
        return [tool, "-n"]
    return []


def collected(*args: str) -> list[dict]:
    done = subprocess.run([sys.executable, str(Path(__file__).with_name("collected.py")), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def pytest_collect_only(*args: str, cwd: Path) -> list[str]:
    """The node ids the real plugin's ``pytest --collect-only -q`` prints."""
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "DRILLBOOK_RUN_DIR")}
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
                          cwd=cwd, env=environ, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return [line for line in done.stdout.splitlines() if "::" in line]
