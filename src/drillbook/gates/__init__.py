"""The deploy pipeline's gates and the rollback drill: the release manifest, its evidence, the slots.

    pytest -m gate --env staging --release release.toml       # the pre-deploy checklist, item by item
    pytest -m rollback --env staging --approve CHG-123         # swap and swap back, a setting changed and reverted

>>> release = load_release(Path("release.toml"))
>>> junit_finding(release.junit_files[0])            # None: every case passed
"""

from drillbook.gates._alerts import alert_rule_findings, read_alert_rules
from drillbook.gates._config import DRILL_SETTING, pending_undo, wait_healthy, write_undo
from drillbook.gates._evidence import junit_finding, migration_finding, notice_finding, review_finding
from drillbook.gates._manifest import Release, load_release
from drillbook.gates._options import refuse_missing_release, refuse_slot_misuse, release_for_run
from drillbook.gates._rollback import Flip, RollbackRecord, health_url, live_version, read_health, swap_and_watch
from drillbook.gates._rollback_drill import run_config_drill, run_swap_drill
from drillbook.gates._slots import aim_at_slot, open_slots, slot_url

__all__ = [
    "DRILL_SETTING",
    "Flip",
    "Release",
    "RollbackRecord",
    "aim_at_slot",
    "alert_rule_findings",
    "health_url",
    "junit_finding",
    "live_version",
    "load_release",
    "migration_finding",
    "notice_finding",
    "open_slots",
    "pending_undo",
    "read_alert_rules",
    "read_health",
    "refuse_missing_release",
    "refuse_slot_misuse",
    "release_for_run",
    "review_finding",
    "run_config_drill",
    "run_swap_drill",
    "slot_url",
    "swap_and_watch",
    "wait_healthy",
    "write_undo",
]
