"""Faults with an undo: one module per injector, chosen through a registry.

Every fault plans its undo first (plain JSON, no secrets), the undo goes to
disk, and only then is the fault applied; ``revert_undo`` needs nothing but
that record, so a later run can replay it after a crash.

>>> fault = create_fault("dependency", url=sandbox_url, dependency="redis", action="stop")
>>> with applied(fault, UndoJournal(Path("reports/journal"))):
...     observe()                                    # reverted here, on error, SIGINT and SIGTERM

The sandbox's faults go through its fault control (``sandbox``, ``process``);
the Azure faults through the management SDKs (``app_service``, ``azure_redis``,
``chaos_studio``, ``cosmos_restore``, sharing ``arm``), imported only when chosen.
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

from drillbook.errors import DrillbookError

FAULTS = {
    "route": "drillbook.faults.sandbox:RouteFault",
    "dependency": "drillbook.faults.sandbox:DependencyFault",
    "worker-stall": "drillbook.faults.sandbox:WorkerStallFault",
    "api-restart": "drillbook.faults.sandbox:ApiRestartFault",
    "scratch-restore": "drillbook.faults.sandbox:ScratchRestoreFault",
    "process-signal": "drillbook.faults.process:ProcessSignalFault",
    # Azure tier: through the management SDKs (azure-mgmt-web, -redis, -chaos, -cosmosdb), imported on choice
    "app-service-restart": "drillbook.faults.app_service:AppServiceRestartFault",
    "app-service-stop": "drillbook.faults.app_service:AppServiceStopFault",
    "redis-reboot": "drillbook.faults.azure_redis:RedisRebootFault",
    "chaos-experiment": "drillbook.faults.chaos_studio:ChaosExperimentFault",
    "cosmos-restore": "drillbook.faults.cosmos_restore:CosmosRestoreFault",
}


class FaultError(DrillbookError):
    """A fault could not be planned, applied or reverted; the message says what to do."""


class Fault(Protocol):
    kind: str

    def describe(self) -> str: ...

    def plan(self) -> dict[str, Any]: ...

    def inject(self) -> None: ...

    @staticmethod
    def revert(undo: dict[str, Any]) -> str: ...  # Azure faults also take their client options (credential, ...)


def fault_class(kind: str) -> type:
    """Import the injector registered under ``kind``."""
    if kind not in FAULTS:
        raise FaultError(f"unknown fault kind {kind!r} -> choose one of: {', '.join(FAULTS)}")
    module_name, _, class_name = FAULTS[kind].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def create_fault(kind: str, **params: Any) -> Fault:
    return fault_class(kind)(**params)


def revert_undo(kind: str, undo: dict[str, Any]) -> str:
    """Undo a fault from its record alone; returns what was done."""
    return fault_class(kind).revert(undo)


from drillbook.faults.apply import applied  # noqa: E402 - applied() uses the registry above
from drillbook.faults.undo import UNDO_FILE, UndoJournal, replay_pending  # noqa: E402

__all__ = ["FAULTS", "UNDO_FILE", "Fault", "FaultError", "UndoJournal", "applied", "create_fault", "fault_class",
           "replay_pending", "revert_undo"]
