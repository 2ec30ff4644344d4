"""What a drill on Azure leaves for the people watching: its alerts' notifications held, its phases on the charts.

>>> with drill_marks(ctx, "chaos redis-outage", journal, planned_s=600, on_azure=True) as marks:
...     run_experiment(ctx, drill, journal)        # marks "fault" and "revert" through ctx.on_phase
>>> marks.summary()                                # start and end were marked by the block: for the record

On an Azure tier, before anything else, an alert processing rule (``faults.alert_hold``) holds the notifications
of the alerts on the drill's resources; it goes through the undo journal like a fault, so it is deleted however
the drill ends and replayed after a kill, and its schedule ends on its own. A hold that cannot be created stops
the drill before its fault. ``[alerts] hold_notifications = false`` lets the notifications go out, and the drill
says so. On the local tier there is no Azure Monitor: nothing is held or marked, and the drill says so once.
"""

from __future__ import annotations

import re
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Callable, Iterator

from drillbook.chaos.azure import azure_resource
from drillbook.chaos.context import DrillContext
from drillbook.chaos.settings import ChaosSettings
from drillbook.errors import FaultError
from drillbook.faults import UndoJournal, applied, create_fault
from drillbook.faults.arm import AzureResource
from drillbook.record.annotations import Annotations
from drillbook.record.runs import run_id

# past the planned end: a revert that waits its longest, then the evaluation of Azure Monitor's last window
HOLD_MARGIN_S = 900.0
DOCS = "docs/chaos-and-dr.md, Notifications during a drill"
LOCAL = ("local tier: the sandbox has no Azure Monitor, so no notifications are held and the drill is not marked on "
         "any dashboard")
NOT_HELD = ("notifications NOT held ([alerts] hold_notifications = false): the alerts this drill raises notify "
            "their action groups (pages, mails) as in a real incident")
# [azure] key -> resource type: the resources whose alerts a drill can raise (App Insights: error rate and p95)
SCOPES = {"app_service": "Microsoft.Web/sites", "app_service_plan": "Microsoft.Web/serverfarms",
          "cosmos_account": "Microsoft.DocumentDB/databaseAccounts", "redis_name": "Microsoft.Cache/redis",
          "servicebus_namespace": "Microsoft.ServiceBus/namespaces", "app_insights": "Microsoft.Insights/components"}


@dataclass
class DrillMarks:
    """The drill's id, what became of its notifications, and its annotations (None: not marked)."""

    drill: str
    log: Callable[[str], None]
    notifications: str = ""
    annotations: Annotations | None = None
    unmarked: str = ""  # why the drill is not marked on the charts

    def phase(self, name: str, detail: str = "") -> None:
        """Mark a phase; an annotation that could not be written is said once, and the drill goes on."""
        if self.annotations is not None and not self.annotations.mark(name, detail):
            self.log(f"annotation not written (the drill goes on): {self.annotations.failures[-1]}")

    def summary(self) -> dict:
        notes = self.annotations
        return {"drill_id": self.drill, "notifications": self.notifications,
                "annotations": notes.written if notes else [], "annotation_failures": notes.failures if notes else [],
                **({"not_marked": self.unmarked} if self.unmarked else {})}


def planned_s(settings: ChaosSettings) -> float:
    """The longest a chaos drill runs: steady state before and after, the fault, its revert and the recovery."""
    return 2 * settings.steady_window_s + settings.observe_s + 2 * settings.rto_s


@contextmanager
def drill_marks(ctx: DrillContext, drill: str, journal: UndoJournal, *, planned_s: float,
                on_azure: bool) -> Iterator[DrillMarks]:
    """Hold the notifications and mark start and end (fault and revert through ``ctx.on_phase``) on Azure tiers."""
    marks = DrillMarks(f"{drill} {run_id() or uuid.uuid4().hex[:8]}", ctx.log)
    if not on_azure:
        marks.notifications = LOCAL
        ctx.log(LOCAL)
        yield marks
        return
    marks.annotations, marks.unmarked = _annotations(ctx, marks.drill)
    if marks.unmarked:
        ctx.log(f"not marked on the dashboards: {marks.unmarked}")
    ctx.on_phase = marks.phase
    with _held(ctx, marks, journal, planned_s):
        ctx.on_phase("start", drill)
        try:
            yield marks
        finally:
            ctx.on_phase("end", drill)


@contextmanager
def _held(ctx: DrillContext, marks: DrillMarks, journal: UndoJournal, planned_s: float) -> Iterator[None]:
    if not ctx.env.config.alerts.hold_notifications:
        marks.notifications = NOT_HELD
        ctx.log(NOT_HELD)
        yield
        return
    hold = _hold(ctx, marks.drill, planned_s)
    entered = False
    try:
        with applied(hold, journal, log=lambda line: ctx.log(f"notifications: {line}")):
            entered = True
            marks.notifications = f"held by {hold.describe()}"
            yield
    except FaultError as exc:
        if entered:
            raise
        raise FaultError(f"notifications could not be held, so no fault was applied: {exc}; or set [alerts] "
                         f"hold_notifications = false in {ctx.env.path.name} to let this drill page the on-call "
                         f"(see {DOCS})") from None


def _hold(ctx: DrillContext, drill_id: str, planned_s: float):
    group = azure_resource(ctx.env, "resource_group")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=planned_s + HOLD_MARGIN_S)
    return create_fault("alert-hold", resource=replace(group, name=rule_name(drill_id)), scopes=scopes(ctx, group),
                        until=until, drill=f"drillbook {drill_id}", **ctx.arm_options)


def scopes(ctx: DrillContext, group: AzureResource) -> tuple[str, ...]:
    """The resource ids of the drill's resources that ``[azure]`` names."""
    azure = ctx.env.config.azure
    base = f"/subscriptions/{group.subscription}/resourceGroups/{group.resource_group}/providers"
    ids = [f"{base}/{kind}/{getattr(azure, key)}" for key, kind in SCOPES.items() if getattr(azure, key)]
    if azure.app_insights_resource_id:  # the component lives elsewhere: its own id, not one in the group
        ids = [i for i in ids if "/Microsoft.Insights/components/" not in i] + [azure.app_insights_resource_id]
    return tuple(ids)


def rule_name(drill_id: str) -> str:
    """``drillbook-hold-chaos-redis-outage-1a2b3c4d``: what an ARM resource name may hold."""
    return "drillbook-hold-" + re.sub(r"[^a-z0-9]+", "-", drill_id.lower()).strip("-")


def _annotations(ctx: DrillContext, drill_id: str) -> tuple[Annotations | None, str]:
    azure = ctx.env.config.azure
    group = azure_resource(ctx.env, "resource_group")
    if azure.app_insights_resource_id:
        component = _from_id(azure.app_insights_resource_id)
    elif azure.app_insights:
        component = replace(group, name=azure.app_insights)
    else:
        return None, f"{ctx.env.path.name}: [azure] names no app_insights -> name the Application Insights component"
    return Annotations(component, drill_id, **ctx.arm_options), ""


def _from_id(resource_id: str) -> AzureResource:
    parts = resource_id.strip("/").split("/")
    return AzureResource(parts[1], parts[3], parts[-1])

