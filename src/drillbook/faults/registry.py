"""The registry of faults: kind -> the injector's dotted path, imported only when chosen.

>>> create_fault("dependency", url=sandbox_url, dependency="redis", action="stop")
>>> revert_undo("dependency", undo)          # a replay needs nothing but the undo record
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol

from drillbook.errors import FaultError

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
    # not a fault but undone like one: an alert processing rule that holds notifications during a drill
    "alert-hold": "drillbook.faults.alert_hold:AlertHold",
}


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


def revert_undo(kind: str, undo: dict[str, Any], **client_options: Any) -> str:
    """Undo a fault from its record alone; returns what was done.

    ``client_options`` (a credential, a transport) reach the Azure faults' reverts only; the sandbox's take none.
    """
    injector = fault_class(kind)
    return injector.revert(undo, **(client_options if getattr(injector, "client_kind", "") else {}))
