"""The backup/restore drill: export the live container (read only), restore it into a scratch container,
verify counts and checksums, prove the check catches a corruption, and measure RTO and RPO.

The scratch container goes through ``faults.applied``: it is deleted after a pass, a failure, an interrupt,
or by the next run after a kill. The live container is only ever read.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from drillbook.chaos.context import Finding
from drillbook.config.sections import DrSection
from drillbook.dr.backup import Export, compare, export_container
from drillbook.faults import UndoJournal, applied, create_fault

SCRATCH_PREFIX = "drillbook_dr_"
SECTION = "backup-restore"


@dataclass
class RestoreRecord:
    container: str
    scratch: str
    backed_up: int = 0
    restored: int = 0
    rto_objective_s: float = 0.0  # [dr] rto_s
    rpo_objective_s: float = 0.0  # [dr] rpo_s
    time_to_recover_s: float | None = None  # measured: restore started -> verified
    data_loss_s: float | None = None  # measured: newest live write - newest restored write
    findings: list[Finding] = field(default_factory=list)

    def failures(self) -> list[Finding]:
        return [f for f in self.findings if not f.ok]

    def figures(self) -> dict:
        return {"container": self.container, "scratch": self.scratch, "backed_up": self.backed_up,
                "restored": self.restored, **self.recovery_figures(),
                "findings": [{"check": f.check, "ok": f.ok, "measured": f.detail} for f in self.findings]}

    def recovery_figures(self) -> dict:
        """Measured against objective, named as every recovery record names them."""
        return {"time_to_recover_s": self.time_to_recover_s, "rto_objective_s": self.rto_objective_s,
                "data_loss_s": self.data_loss_s, "rpo_objective_s": self.rpo_objective_s}


@dataclass
class DrPlan:
    """Where and how: the sandbox's restore service, a Cosmos database client, the targets, the journal."""

    url: str
    database: object  # azure.cosmos DatabaseProxy
    source: str  # where the findings say they were measured
    settings: DrSection
    journal: UndoJournal
    log: Callable[[str], None] = lambda line: None


def run_restore_drill(plan: DrPlan) -> RestoreRecord:
    container, limit = plan.settings.container, plan.settings.max_documents
    record = RestoreRecord(container, f"{SCRATCH_PREFIX}{uuid.uuid4().hex[:10]}",
                           rto_objective_s=plan.settings.rto_s, rpo_objective_s=plan.settings.rpo_s)
    reference = export_container(plan.database.get_container_client(container), limit)
    record.backed_up = reference.count
    record.findings.append(_backup_finding(plan, record, reference))
    if not reference.count:
        return record
    fault = create_fault("scratch-restore", url=plan.url, source=container, target=record.scratch)
    started = time.monotonic()  # applied() runs the restore (the "injection") before its body
    with applied(fault, plan.journal, log=lambda line: plan.log(f"dr: {line}")):
        scratch = plan.database.get_container_client(record.scratch)
        restored = export_container(scratch, limit)
        record.restored = restored.count
        record.time_to_recover_s = round(time.monotonic() - started, 3)
        record.findings += _restore_findings(plan, record, reference, restored)
        record.findings.append(_corruption_caught(plan, scratch, restored, limit))
    plan.log(f"dr: restore verified in {record.time_to_recover_s:.2f} s (RTO {record.rto_objective_s:g} s), "
             f"data loss {record.data_loss_s} s (RPO {record.rpo_objective_s:g} s)")
    return record


def _backup_finding(plan: DrPlan, record: RestoreRecord, reference: Export) -> Finding:
    detail = f"{reference.count} documents with checksums" + (" (truncated at max_documents)" if reference.truncated
                                                               else "")
    return Finding(f"backup of {record.container} has documents", reference.count > 0,
                   detail if reference.count else "the container holds no documents: nothing to back up (no data)",
                   SECTION, plan.source)


def _restore_findings(plan: DrPlan, record: RestoreRecord, reference: Export, restored: Export) -> list[Finding]:
    comparison = compare(reference, restored)
    intact = [i for i in reference.checksums if i not in comparison.missing and i not in comparison.changed]
    newest_restored = max((reference.written_at[i] for i in intact), default=None)
    if newest_restored is not None and reference.newest_write is not None:
        record.data_loss_s = round(reference.newest_write - newest_restored, 3)
    rto, rpo = record.rto_objective_s, record.rpo_objective_s
    where = f"{plan.source} {record.scratch}"
    return [
        Finding("restore holds every backed-up document unchanged (counts and checksums)", comparison.intact,
                comparison.describe(reference, restored), SECTION, where),
        Finding(f"restore verified within the RTO of {rto:g} s", record.time_to_recover_s <= rto,
                f"{record.time_to_recover_s:.2f} s from restore start to verified restore", SECTION, where),
        Finding(f"data loss within the RPO of {rpo:g} s", record.data_loss_s is not None and record.data_loss_s <= rpo,
                "no backed-up document was restored" if record.data_loss_s is None
                else f"newest restored write is {record.data_loss_s:.1f} s older than the newest live write",
                SECTION, where),
    ]


def _corruption_caught(plan: DrPlan, scratch, restored: Export, limit: int) -> Finding:
    """Delete one document and change another in the scratch copy: the comparison must name exactly those."""
    ids = sorted(restored.checksums)
    if len(ids) < 2:
        return Finding("the integrity check catches a corruption", True, "skipped: fewer than 2 documents",
                       SECTION, plan.source)
    deleted, changed = ids[0], ids[1]
    item = next(iter(scratch.query_items("SELECT * FROM c WHERE c.id = @id", parameters=[{"name": "@id",
                                         "value": changed}], enable_cross_partition_query=True)))
    scratch.upsert_item({**item, "drillbookCorrupted": True})
    doomed = next(iter(scratch.query_items("SELECT * FROM c WHERE c.id = @id", parameters=[{"name": "@id",
                                           "value": deleted}], enable_cross_partition_query=True)))
    # by id, not by the item: the SDK then parses its _self link, and the Cosmos server's ids may hold a "/"
    scratch.delete_item(doomed["id"], partition_key=_partition_value(scratch, doomed))
    seen = compare(restored, export_container(scratch, limit))
    caught = seen.missing == (deleted,) and seen.changed == (changed,)
    return Finding("the integrity check catches a corruption of the scratch copy", caught,
                   f"deleted {deleted}, changed {changed}; the check saw missing {list(seen.missing)}, "
                   f"changed {list(seen.changed)}", SECTION, plan.source)


def _partition_value(container, item: dict):
    """The item's partition key value, from the container's own partition key path (e.g. /tenantId)."""
    value = item
    for part in container.read()["partitionKey"]["paths"][0].strip("/").split("/"):
        value = value.get(part) if isinstance(value, dict) else None
    return value
