"""One run, one record: each run's Allure results go to their own folder under ``reports/runs/``.

>>> results = choose_results_dir(env_name="staging")   # reports/runs/20261130T163000Z-staging-1a2b3c4d

The folder is named by UTC start time, environment and a run id, so runs never
mix; ``reports/runs/latest`` points at the newest run that ran drills (a run of
drillbook's own tests does not move it). An explicit ``--alluredir`` wins. The
controller chooses and exports the folder; xdist workers inherit it.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

from drillbook.record.folders import writable_dir

RUNS_DIR = Path("reports/runs")
LATEST = "latest"
RESULTS_VAR = "DRILLBOOK_RESULTS_DIR"  # the controller's choice, for its xdist workers
RUN_ID_VAR = "DRILLBOOK_RUN_ID"


def begin_run() -> str:
    """A fresh id for this run (controller only; xdist workers inherit it, a nested run makes its own)."""
    os.environ[RUN_ID_VAR] = uuid.uuid4().hex[:8]
    os.environ.pop(RESULTS_VAR, None)
    return os.environ[RUN_ID_VAR]


def choose_results_dir(env_name: str, *, base: Path = RUNS_DIR, is_worker: bool = False) -> Path:
    """This run's results folder: the controller makes and exports it, a worker takes the exported one."""
    if is_worker and os.environ.get(RESULTS_VAR):
        return Path(os.environ[RESULTS_VAR])
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    folder = writable_dir(base / f"{stamp}-{_safe(env_name)}-{run_id() or begin_run()}", "--alluredir", given=False)
    os.environ[RESULTS_VAR] = str(folder.resolve())
    return folder


def mark_latest(results: Path) -> None:
    """Point ``latest`` at this run's folder, when drillbook named it (an explicit --alluredir is left alone)."""
    if os.environ.get(RESULTS_VAR) == str(results.resolve()):
        point_latest(results)


def run_id() -> str | None:
    """This run's id, as the controller made it."""
    return os.environ.get(RUN_ID_VAR)


def point_latest(folder: Path) -> None:
    """Make ``latest`` beside ``folder`` name it: a relative symlink, or a file with its name where links fail."""
    pointer = folder.parent / LATEST
    staged = folder.parent / f".{LATEST}-{os.getpid()}"
    try:
        staged.unlink(missing_ok=True)
        staged.symlink_to(folder.name, target_is_directory=True)
    except OSError:  # no symlinks here (some Windows shares): a plain file says the name
        staged.write_text(folder.name + "\n")
    if pointer.is_dir() and not pointer.is_symlink():
        staged.unlink()
        return
    os.replace(staged, pointer)  # atomic: a concurrent reader sees the old or the new run, never none


def latest(base: Path = RUNS_DIR) -> Path | None:
    """The newest run's results folder, through the ``latest`` pointer."""
    pointer = base / LATEST
    if pointer.is_symlink() or pointer.is_dir():
        return pointer.resolve() if pointer.exists() else None
    if pointer.is_file():
        folder = base / pointer.read_text().strip()
        return folder if folder.is_dir() else None
    return None


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "env"
