"""What a drill on Azure leaves for the people watching: its alerts' notifications held, its phases on the charts.

>>> with drill_marks(env, "chaos redis-outage", journal, planned_s=600, on_azure=True, log=ctx.log) as marks:
...     ctx.on_phase = marks.phase                 # run_experiment marks "fault" and "revert"
...     run_experiment(ctx, drill, journal)
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
from typing import Any, Callable, Iterator

from drillbook.chaos.azure import azure_resource
from drillbook.chaos.settings import ChaosSettings
from drillbook.config.environments import Environment
from drillbook.errors import FaultError
from drillbook.faults import UndoJournal, applied, create_fault
from drillbook.faults.arm import AzureResource
from drillbook.record.annotations import Annotations
from drillbook.record.runs import run_id

# past the planned end: a revert that waits its longest, then the evaluation of Azure Monitor's last window
HOLD_MARGIN_S = 900.0
DOCS = 'docs/chaos-and-dr.md "Notifications during a drill"'
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
def drill_marks(env: Environment, drill: str, journal: UndoJournal, *, planned_s: float, on_azure: bool,
                log: Callable[[str], None], arm_options: dict[str, Any] | None = None) -> Iterator[DrillMarks]:
    """On Azure tiers, hold the notifications and mark start and end; the caller marks the phases between.

    ``arm_options`` (a credential, a transport) reach the Resource Manager clients; none: the signed-in identity.
    """
    marks, options = DrillMarks(f"{drill} {run_id() or uuid.uuid4().hex[:8]}", log), arm_options or {}
    if not on_azure:
        marks.notifications = LOCAL
        log(LOCAL)
        yield marks
        return
    marks.annotations, marks.unmarked = _annotations(env, marks.drill, options)
    if marks.unmarked:
        log(f"not marked on the dashboards: {marks.unmarked}")
    with _held(env, marks, journal, planned_s, options):
        marks.phase("start", drill)
        try:
            yield marks
        finally:
            marks.phase("end", drill)


@contextmanager
def _held(env: Environment, marks: DrillMarks, journal: UndoJournal, planned_s: float,
          options: dict[str, Any]) -> Iterator[None]:
    if not env.config.alerts.hold_notifications:
        marks.notifications = NOT_HELD
        marks.log(NOT_HELD)
        yield
        return
    hold = _hold(env, marks.drill, planned_s, options)
    entered = False
    try:
        with applied(hold, journal, log=lambda line: marks.log(f"notifications: {line}")):
            entered = True
            marks.notifications = f"held by {hold.describe()}"
            yield
    except FaultError as exc:
        if entered:
            raise
        raise FaultError(f"notifications could not be held, so the drill stopped before its fault: {exc}; or set "
                         f"[alerts] hold_notifications = false in {env.path.name} to let this drill page the "
                         f"on-call (see {DOCS})") from None


def _hold(env: Environment, drill_id: str, planned_s: float, options: dict[str, Any]):
    group = azure_resource(env, "resource_group")
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=planned_s + HOLD_MARGIN_S)
    return create_fault("alert-hold", resource=replace(group, name=rule_name(drill_id)), scopes=scopes(env, group),
                        until=until, drill=f"drillbook {drill_id}", **options)


def scopes(env: Environment, group: AzureResource) -> tuple[str, ...]:
    """The resource ids of the drill's resources that ``[azure]`` names."""
    azure = env.config.azure
    base = f"/subscriptions/{group.subscription}/resourceGroups/{group.resource_group}/providers"
    ids = [f"{base}/{kind}/{getattr(azure, key)}" for key, kind in SCOPES.items() if getattr(azure, key)]
    if azure.app_insights_resource_id:  # the component lives elsewhere: its own id, not one in the group
        ids = [i for i in ids if "/Microsoft.Insights/components/" not in i] + [azure.app_insights_resource_id]
    return tuple(ids)


def rule_name(drill_id: str) -> str:
    """``drillbook-hold-chaos-redis-outage-1a2b3c4d``: what an ARM resource name may hold."""
    return "drillbook-hold-" + re.sub(r"[^a-z0-9]+", "-", drill_id.lower()).strip("-")


def _annotations(env: Environment, drill_id: str, options: dict[str, Any]) -> tuple[Annotations | None, str]:
    azure = env.config.azure
    group = azure_resource(env, "resource_group")
    if azure.app_insights_resource_id:
        component = _from_id(azure.app_insights_resource_id)
    elif azure.app_insights:
        component = replace(group, name=azure.app_insights)
    else:
        return None, f"{env.path.name}: [azure] names no app_insights -> name the Application Insights component"
    return Annotations(component, drill_id, **options), ""


def _from_id(resource_id: str) -> AzureResource:
    parts = resource_id.strip("/").split("/")
    return AzureResource(parts[1], parts[3], parts[-1])

