"""The deploy pipeline's gates and the rollback drill: the release manifest, its evidence, the slots.

    pytest -m gate --env staging --release release.toml       # the pre-deploy checklist, item by item
    pytest -m rollback --env staging --approve CHG-123         # swap and swap back, a setting changed and reverted

>>> release = load_release(Path("release.toml"))
>>> junit_finding(release.junit_files[0])            # None: every case passed

Importing the package loads none of its modules: each name is imported from its module on first use
(PEP 562), so a run that selects no gate or rollback drill pays only for what the plugin's guards ask for.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = {
    "drillbook.gates._alerts": ("alert_rule_findings", "read_alert_rules"),
    "drillbook.gates._config": ("DRILL_SETTING", "pending_undo", "wait_healthy", "write_undo"),
    "drillbook.gates._evidence": ("journal_source", "junit_finding", "migration_finding", "notice_finding",
                                  "review_finding"),
    "drillbook.gates._manifest": ("Release", "load_release"),
    "drillbook.gates._options": ("refuse_missing_release", "refuse_slot_misuse", "release_for_run"),
    "drillbook.gates._rollback": ("Flip", "RollbackRecord", "health_url", "live_version", "read_health",
                                  "swap_and_watch"),
    "drillbook.gates._rollback_drill": ("run_config_drill", "run_swap_drill"),
    "drillbook.gates._slots": ("aim_at_slot", "open_slots", "slot_url"),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value  # once: later lookups do not come back here
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
