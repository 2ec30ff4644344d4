"""App Service faults through azure-mgmt-web: a restart (nothing to undo, the revert waits for healthy),
and a stop (the undo starts it again, then waits for healthy).

>>> fault = AppServiceStopFault(AzureResource(sub, "rg-castiel-staging", "app-castiel-api-staging"),
...                             health_url="https://api-staging.castiel.com/health")
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from drillbook.errors import FaultError
from drillbook.faults.arm import ArmFault, AzureResource, arm_step, client_for
from drillbook.runtime.waiting import wait_until

HEALTH_TIMEOUT_S = 10.0


class AppServiceRestartFault(ArmFault):
    """``web_apps.restart``: the app restarts; it comes back by itself, and the revert waits until it answers."""

    kind = "app-service-restart"
    client_kind = "web"

    def __init__(self, resource: AzureResource, *, health_url: str, tls_verify: bool | str = True,
                 **options: Any) -> None:
        super().__init__(resource, **options)
        self.health_url = health_url
        self.tls_verify = tls_verify  # True, False, or a CA bundle's path: never a secret

    def describe(self) -> str:
        return f"App Service {self.resource.name} restart"

    def plan(self) -> dict:
        return {**super().plan(), "health_url": self.health_url, "tls_verify": self.tls_verify}

    def inject(self) -> None:
        with self.step(f"restarting App Service {self.resource.name}"):
            self.client().web_apps.restart(self.resource.resource_group, self.resource.name)

    @staticmethod
    def revert(undo: dict, **client_options: Any) -> str:
        took = wait_healthy(undo)
        return f"nothing to undo: App Service {undo['name']} answered {_path(undo)} 200 {took:.1f} s later"


class AppServiceStopFault(AppServiceRestartFault):
    """``web_apps.stop``: the app is down until the revert's ``web_apps.start``."""

    kind = "app-service-stop"

    def describe(self) -> str:
        return f"App Service {self.resource.name} stop"

    def inject(self) -> None:
        with self.step(f"stopping App Service {self.resource.name}"):
            self.client().web_apps.stop(self.resource.resource_group, self.resource.name)

    @staticmethod
    def revert(undo: dict, **client_options: Any) -> str:
        resource = AzureResource.from_undo(undo)
        with arm_step("web", resource, f"starting App Service {resource.name}"):
            client_for("web", resource, client_options).web_apps.start(resource.resource_group, resource.name)
        took = wait_healthy(undo)
        return f"App Service {resource.name} started, {_path(undo)} answered 200 {took:.1f} s later"


def wait_healthy(undo: dict) -> float:
    """Seconds until the app's health URL answers 200; a FaultError past ``wait_s`` (the next run checks again)."""
    health = wait_until(lambda: _health(undo["health_url"], undo.get("tls_verify", True)), lambda answer: answer[0],
                        timeout_s=undo["wait_s"], poll_s=undo["poll_s"])
    if not health.held:
        raise FaultError(f"App Service {undo['name']} not healthy {health.took_s:.0f} s after the fault: "
                         f"{health.last[1]} -> check its log stream and restart it by hand (az webapp restart -n "
                         f"{undo['name']} -g {undo['resource_group']})")
    return health.took_s


def _health(url: str, tls_verify: bool | str) -> tuple[bool, str]:
    verify = ssl.create_default_context(cafile=tls_verify) if isinstance(tls_verify, str) else tls_verify
    try:
        status = httpx.get(url, timeout=HEALTH_TIMEOUT_S, verify=verify).status_code
    except httpx.HTTPError as exc:
        return False, f"GET {url} gave no answer ({type(exc).__name__})"
    return status == 200, f"GET {url} answered {status}"


def _path(undo: dict) -> str:
    return "GET " + httpx.URL(undo["health_url"]).path
