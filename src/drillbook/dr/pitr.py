"""The DR drill on Azure: the Cosmos account's backup policy against the targets, then a point-in-time restore
into a new account, polled to the end within the RTO, and the restored account deleted whatever happens.

>>> record = run_pitr_drill(AzurePlan(account, settings, journal, log=print))
>>> record.failures()          # findings with the measured values and the runbook's remedy

The restore goes through ``faults.applied`` (kind ``cosmos-restore``): the undo,
deleting the restored account, is on disk before the restore is asked for.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from drillbook.chaos.context import Finding
from drillbook.config.sections import DrSection
from drillbook.clients.azure import management_client
from drillbook.errors import TargetError
from drillbook.faults import UndoJournal, applied
from drillbook.faults.arm import AzureResource, arm_step
from drillbook.faults.cosmos_restore import CosmosRestoreFault
from drillbook.runtime.waiting import Waited, wait_until

SECTION = "backup-restore"
TIER_HOURS = {"continuous7days": 168.0, "continuous30days": 720.0}  # Cosmos DB's continuous backup tiers
RESTORED_SUFFIX = "-dr-"
MAX_NAME = 44  # a Cosmos DB account name: 3 to 44 lowercase letters, digits and hyphens


@dataclass(frozen=True)
class BackupPolicy:
    mode: str  # "continuous" or "periodic"
    retention_h: float | None
    detail: str


@dataclass
class AzurePlan:
    """The live account (read, and restored from), the ``[dr]`` targets, the undo journal, and client options."""

    account: AzureResource
    location: str
    settings: DrSection
    journal: UndoJournal
    log: Callable[[str], None] = lambda line: None
    client_options: dict = field(default_factory=dict)

    @property
    def source(self) -> str:
        return f"Cosmos DB account {self.account.name} ({self.account.resource_group})"


@dataclass
class PitrRecord:
    account: str
    restored: str
    restore_to: str = ""  # the point in time restored to, ISO 8601 UTC
    duration_s: float | None = None  # restore asked for -> the restored account provisioned
    rto_objective_s: float | None = None  # [dr] rto_s
    findings: list[Finding] = field(default_factory=list)

    def failures(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def journal_figures(self) -> dict:
        """What the drill journal keeps: the restored account, the point in time, and how long it took."""
        return {"drill": "backup-restore", "fault": f"point-in-time restore into {self.restored}",
                "restored_account": self.restored, "restored_to": self.restore_to,
                "restore_duration_s": self.duration_s, "time_to_recover_s": self.duration_s,
                "rto_objective_s": self.rto_objective_s}

    def figures(self) -> dict:
        return {"account": self.account, "restored_account": self.restored, "restored_to": self.restore_to,
                "restore_duration_s": self.duration_s,
                "findings": [{"check": f.check, "ok": f.ok, "measured": f.detail} for f in self.findings]}


def run_pitr_drill(plan: AzurePlan) -> PitrRecord:
    record = PitrRecord(plan.account.name, restored_name(plan.account.name), rto_objective_s=plan.settings.rto_s)
    client = management_client("cosmosdb", plan.account.subscription, **dict(plan.client_options))
    policy = read_backup_policy(client, plan.account)
    record.findings += policy_findings(plan, policy)
    if policy.mode != "continuous":
        return record  # a point-in-time restore needs continuous backup: nothing to restore from
    restore_to = datetime.now(timezone.utc) - timedelta(seconds=plan.settings.restore_point_age_s)
    record.restore_to = restore_to.isoformat(timespec="seconds")
    fault = CosmosRestoreFault(AzureResource(plan.account.subscription, plan.account.resource_group, record.restored),
                               source=plan.account.name, location=plan.location, restore_to=restore_to,
                               wait_s=plan.settings.rto_s, poll_s=plan.settings.poll_interval_s,
                               **plan.client_options)
    started = time.monotonic()  # applied() asks for the restore before its body
    with applied(fault, plan.journal, log=lambda line: plan.log(f"dr: {line}")):
        record.findings.append(wait_restored(plan, client, record, started))
    return record


def restored_name(account: str) -> str:
    """``cosmos-castiel-staging-dr-1a2b3c``: a new name per drill, never the live account's."""
    tail = f"{RESTORED_SUFFIX}{uuid.uuid4().hex[:6]}"
    return account[:MAX_NAME - len(tail)].rstrip("-") + tail


def read_backup_policy(client, account: AzureResource) -> BackupPolicy:
    with arm_step("cosmosdb", account, f"reading the backup policy of {account.name}", TargetError):
        policy = client.database_accounts.get(account.resource_group, account.name).properties.backup_policy
    mode = _text(getattr(policy, "type", None)).lower() or "none"
    if mode == "continuous":
        tier = _text(getattr(policy.continuous_mode_properties, "tier", None)) or "Continuous30Days"
        return BackupPolicy(mode, TIER_HOURS.get(tier.lower()), f"continuous ({tier})")
    periodic = getattr(policy, "periodic_mode_properties", None)
    every = getattr(periodic, "backup_interval_in_minutes", None)
    kept = getattr(periodic, "backup_retention_interval_in_hours", None)
    return BackupPolicy(mode, float(kept) if kept is not None else None,
                        f"{mode} (every {every} min, kept {kept} h)")


def policy_findings(plan: AzurePlan, policy: BackupPolicy) -> list[Finding]:
    wanted, minimum = plan.settings.backup_policy, plan.settings.min_retention_h
    kept = "unknown" if policy.retention_h is None else f"{policy.retention_h:g} h"
    return [
        Finding(f"backup policy is {wanted}", policy.mode == wanted,
                f"{plan.account.name} has {policy.detail}; [dr] backup_policy wants {wanted}", SECTION, plan.source),
        Finding(f"backups kept at least {minimum:g} h",
                policy.retention_h is not None and policy.retention_h >= minimum,
                f"retention {kept} (limit: at least {minimum:g} h, [dr] min_retention_h)", SECTION, plan.source),
    ]


def wait_restored(plan: AzurePlan, client, record: PitrRecord, started: float) -> Finding:
    """Poll the restored account's provisioning state, with a progress line per look, until done or the RTO."""
    rto, poll = plan.settings.rto_s, plan.settings.poll_interval_s
    where = f"Cosmos DB account {record.restored} ({plan.account.resource_group})"

    def provisioning_state() -> str:
        with arm_step("cosmosdb", plan.account, f"reading the restored account {record.restored}", TargetError):
            return _text(client.database_accounts.get(plan.account.resource_group, record.restored)
                         .properties.provisioning_state) or "unknown"

    def tell(look: Waited[str]) -> None:
        plan.log(f"dr: restore of {record.account} into {record.restored}: {look.last} after {look.took_s:.0f} s")

    restore = wait_until(provisioning_state, lambda state: state.lower() in ("succeeded", "failed"), timeout_s=rto,
                         poll_s=poll, since=started, on_look=tell)
    state, took = restore.last, restore.took_s
    done = state.lower() == "succeeded"
    if done:
        record.duration_s = round(took, 3)
    detail = (f"restored to {record.restore_to} in {took:.1f} s" if done and took <= rto else
              f"provisioning state {state} after {took:.1f} s (objective {rto:g} s, [dr] rto_s)")
    return Finding(f"point-in-time restore into a new account finishes within the RTO of {rto:g} s",
                   done and took <= rto, detail, SECTION, where, window=f"{took:.1f} s since the restore was asked")


def _text(value: Any) -> str:
    return "" if value is None else str(getattr(value, "value", value))
