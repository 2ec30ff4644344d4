"""Azure Resource Manager clients for the Azure faults and the point-in-time restore: bounded, imported on use.

>>> client = management_client("web", subscription, credential=credential)   # WebSiteManagementClient
>>> with arm_errors("restarting app-castiel-api-staging", FaultError):
...     client.web_apps.restart("rg-castiel-staging", "app-castiel-api-staging")

Plain settings in, no Environment: the client layer does not import upward.
"""

from __future__ import annotations

import importlib
from contextlib import contextmanager
from typing import Any, Iterator

from drillbook.errors import ConfigError

CLIENTS = {
    "web": ("azure.mgmt.web", "WebSiteManagementClient", "azure-mgmt-web"),
    "redis": ("azure.mgmt.redis", "RedisManagementClient", "azure-mgmt-redis"),
    "chaos": ("azure.mgmt.chaos", "ChaosManagementClient", "azure-mgmt-chaos"),
    "cosmosdb": ("azure.mgmt.cosmosdb", "CosmosDBManagementClient", "azure-mgmt-cosmosdb"),
}
# every management call ends: connect, read, and one retry at most
ARM_BOUNDS = {"connection_timeout": 10, "read_timeout": 30, "retry_total": 1}
FIXES = {
    401: "sign in again (az login) or check the identity's credentials",
    403: "grant the drill's identity a role that allows this on the resource (e.g. Contributor on the resource "
         "group, or the Chaos Studio experiment's operator role)",
    404: "check the names in the environment file's [azure] section against the subscription",
}


def management_client(kind: str, subscription: str, **options: Any) -> Any:
    """``management_client("redis", sub)``: the SDK's client with drillbook's bounds (options override them)."""
    module_name, class_name, package = CLIENTS[kind]
    try:
        client_class = getattr(importlib.import_module(module_name), class_name)
    except ImportError:
        raise ConfigError(f"Azure faults on {kind} need {package} -> pip install {package}") from None
    credential = options.pop("credential", None)
    if credential is None:
        from drillbook.config.secrets import _default_credential

        credential = _default_credential()
    return client_class(credential, subscription, **{**ARM_BOUNDS, **options})


@contextmanager
def arm_errors(doing: str, error: type[Exception]) -> Iterator[None]:
    """An Azure failure as ``error``: one line with what was done, what Azure said, and the fix."""
    from azure.core.exceptions import AzureError, HttpResponseError, ServiceRequestError

    try:
        yield
    except HttpResponseError as exc:
        raise error(f"{doing}: {exc.status_code} {_said(exc)} -> {FIXES.get(exc.status_code, 'see what Azure said')}"
                    ) from None
    except ServiceRequestError as exc:
        raise error(f"{doing}: Azure Resource Manager unreachable ({_said(exc)}) -> check the network path and "
                    "proxy to management.azure.com, then run again") from None
    except AzureError as exc:
        raise error(f"{doing}: {type(exc).__name__}: {_said(exc)}") from None


def _said(exc: Exception) -> str:
    text = (getattr(exc, "message", None) or str(exc)).strip()
    return (text.splitlines() or [""])[0][:200]
