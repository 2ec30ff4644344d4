"""Fired alerts as Azure Resource Manager answers them, stamped with the times a test needs.

The shape is recordings/alerts_one_fired.json (GET /subscriptions/{s}/providers/Microsoft.AlertsManagement/alerts);
``page(fired("castiel-api-error-rate", at=t0 + 2))`` is an answer for ``RecordedArm.answer``.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path

RECORDING = json.loads((Path(__file__).parent / "recordings" / "alerts_one_fired.json").read_text())
ALERTS_PATH = "/providers/Microsoft.AlertsManagement/alerts"


def fired(rule: str, *, at: float, resolved_at: float | None = None, target: str = "app-castiel-api-staging") -> dict:
    alert = copy.deepcopy(RECORDING["body"]["value"][0])
    essentials = alert["properties"]["essentials"]
    alert["name"] = rule
    essentials["alertRule"] = essentials["alertRule"].rsplit("/", 1)[0] + f"/{rule}"
    essentials["targetResourceName"] = target
    essentials["startDateTime"] = essentials["lastModifiedDateTime"] = _iso(at)
    if resolved_at is not None:
        essentials["monitorCondition"] = "Resolved"
        essentials["monitorConditionResolvedDateTime"] = essentials["lastModifiedDateTime"] = _iso(resolved_at)
    return alert


def page(*alerts: dict) -> dict:
    return {**RECORDING, "body": {"value": list(alerts)}}


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
