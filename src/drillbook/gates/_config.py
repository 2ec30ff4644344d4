"""The configuration rollback: change an app setting, restart, verify; revert, restart, verify.

The drill changes only a setting of its own (``DRILLBOOK_CONFIG_DRILL``), and
writes how to undo the change before it makes it, so an interrupted drill is
undone by the next run (or by hand, reading the file):

>>> undo = write_undo(journal_dir, target="App Service app-castiel-api-prod")
>>> pending_undo(journal_dir)        # the setting an earlier run left behind, or None
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import httpx

from drillbook.gates._rollback import read_health
from drillbook.runtime.waiting import wait_until

DRILL_SETTING = "DRILLBOOK_CONFIG_DRILL"
UNDO_FILE = "config-undo.json"


def write_undo(directory: Path, *, target: str) -> Path:
    """Record the undo (remove the drill's setting) before the change is made."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / UNDO_FILE
    record = {"written": datetime.now(timezone.utc).isoformat(timespec="seconds"), "target": target,
              "setting": DRILL_SETTING, "undo": f"remove the application setting {DRILL_SETTING}, then restart"}
    path.write_text(json.dumps(record) + "\n")
    return path


def pending_undo(directory: Path) -> dict | None:
    """The undo an interrupted run left behind, if any."""
    path = directory / UNDO_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def wait_healthy(http: httpx.Client, *, objective_s: float, poll_s: float) -> tuple[bool, float, str]:
    """Read /health until it answers healthy or the objective passes: (healthy, seconds taken, what was seen)."""
    health = wait_until(lambda: read_health(http), lambda answer: answer[0] is not None, timeout_s=objective_s,
                        poll_s=poll_s)
    return health.held, health.took_s, health.last[1]
