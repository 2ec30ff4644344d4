"""Azure, once: every SDK client built under drillbook's bounds, and every Azure failure as one line with its fix.

>>> client = management_client("web", subscription, credential=credential)   # WebSiteManagementClient, MANAGEMENT
>>> logs = data_client(LogsQueryClient, credential, endpoint=url, bounds=Bounds(connect_s=5, retries=2))
>>> with azure_errors(arm_call("restarting App Service app-x", "Website Contributor on rg-x"), FaultError):
...     client.web_apps.restart("rg-x", "app-x")
FaultError: azure resource manager: permission denied (403 AuthorizationFailed) restarting App Service app-x
-> grant Website Contributor on rg-x to the identity drillbook signs in as (az login, ...)

A message carries the HTTP status and the service's error code, never headers, tokens or the
service's free text: nothing a response echoes can leak into a report. Plain settings in, no
Environment; the Azure SDKs are imported on use.
"""

from __future__ import annotations

import importlib
import json
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any, Callable, Iterator

from drillbook.config.secrets import default_credential  # the one DefaultAzureCredential every client signs in with
from drillbook.errors import ConfigError, TargetError
from drillbook.redaction import redact_text

SIGN_IN = "az login, a managed identity, or AZURE_CLIENT_ID + AZURE_TENANT_ID"
STATUS_PAGE = "retry; if it persists, check the Azure status page (https://azure.status.microsoft)"


@dataclass(frozen=True)
class Bounds:
    """How long one SDK call may take: to connect, to read, its retries, and all of it (``total_s``)."""

    connect_s: float = 10.0
    read_s: float = 30.0
    retries: int = 1
    total_s: float | None = None  # retries and their waits included; None: the SDK's own
    backoff_max_s: float | None = None  # the longest sleep between retries; None: the SDK's own
    max_retry_wait_s: float = 10.0  # a longer Retry-After ends the call at once: reported, not slept through

    def options(self) -> dict[str, Any]:
        """The SDK's keyword names for these bounds."""
        optional = {"timeout": self.total_s, "retry_backoff_max": self.backoff_max_s}
        return {"connection_timeout": self.connect_s, "read_timeout": self.read_s, "retry_total": self.retries,
                **{name: value for name, value in optional.items() if value is not None}}


# every management call ends: 10 s to connect, 30 s to read, one retry at most
MANAGEMENT = Bounds()

MANAGEMENT_CLIENTS = {  # kind -> (module, class, package, what needs it)
    "web": ("azure.mgmt.web", "WebSiteManagementClient", "azure-mgmt-web", "App Service faults, slots and settings"),
    "redis": ("azure.mgmt.redis", "RedisManagementClient", "azure-mgmt-redis", "Azure Cache for Redis faults"),
    "chaos": ("azure.mgmt.chaos", "ChaosManagementClient", "azure-mgmt-chaos", "Chaos Studio experiments"),
    "cosmosdb": ("azure.mgmt.cosmosdb", "CosmosDBManagementClient", "azure-mgmt-cosmosdb",
                 "Cosmos DB restores and account status"),
    "monitor": ("azure.mgmt.monitor", "MonitorManagementClient", "azure-mgmt-monitor", "alert rules"),
    "alertsmanagement": ("azure.mgmt.alertsmanagement", "AlertsManagementClient", "azure-mgmt-alertsmanagement",
                         "fired alerts and alert processing rules"),
    "applicationinsights": ("azure.mgmt.applicationinsights", "ApplicationInsightsManagementClient",
                            "azure-mgmt-applicationinsights", "drill annotations on Application Insights"),
    "storage": ("azure.mgmt.storage", "StorageManagementClient", "azure-mgmt-storage",
                "the record store's retention check"),
}


def management_client(kind: str, subscription: str, *, bounds: Bounds = MANAGEMENT, **options: Any) -> Any:
    """``management_client("redis", sub)``: the SDK's client under ``bounds`` (``options`` override them)."""
    module_name, class_name, package, needs = MANAGEMENT_CLIENTS[kind]
    try:
        client_class = getattr(importlib.import_module(module_name), class_name)
    except ImportError:
        raise ConfigError(f"{needs} need {package} -> pip install {package}") from None
    credential = options.pop("credential", None) or shared_credential()
    return data_client(client_class, credential, subscription, bounds=bounds, **options)


def data_client(client_class: Callable[..., Any], *args: Any, bounds: Bounds, **options: Any) -> Any:
    """``client_class(*args)`` with ``bounds`` (a caller's own ``retry_total``, ``transport``... win)."""
    merged = {**bounds.options(), **{name: value for name, value in options.items() if value is not None}}
    merged.setdefault("retry_policy", bounded_retry_policy(bounds.max_retry_wait_s, **merged))
    return client_class(*args, **merged)


@cache
def shared_credential() -> Any:
    """One credential per process for the management clients, which never close theirs: one sign-in per run."""
    return default_credential()


def bounded_retry_policy(max_wait: float, **options: Any) -> Any:
    """azure-core's RetryPolicy (``retry_total``, ``timeout``...), except that a Retry-After beyond ``max_wait``
    ends the call at once: a gate or a watch does not sleep through what Azure asks."""
    return _bounded_retry_class()(max_wait, **options)


@cache
def _bounded_retry_class() -> type:
    from azure.core.pipeline.policies import RetryPolicy  # on use: a run without Azure never imports it

    class BoundedRetryPolicy(RetryPolicy):
        def __init__(self, max_wait: float, **options: Any) -> None:
            super().__init__(**options)
            self._max_wait = max_wait

        def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
            wait = self.get_retry_after(response)
            if wait is not None and wait > self._max_wait:
                return False
            return super().is_retry(settings, response)

    return BoundedRetryPolicy


# --- an Azure failure as one line --------------------------------------------------------------------------


@dataclass(frozen=True)
class AzureCall:
    """What was asked of Azure, for the one line its failure becomes; each part feeds one fix."""

    service: str  # who speaks first: "azure-monitor", "azure load testing", "azure resource manager"
    doing: str  # "querying Log Analytics for Application Insights app-castiel-api-prod"
    role: str  # what allows it: "Monitoring Reader on rg-castiel-prod"
    timeout_s: float
    names: str = "check the names and subscription_id in [azure] of the environment file"  # the fix of a 404
    network: str = "the runner's egress to Azure"  # the fix of no answer: "check <network>"
    slower: str = ""  # besides waiting, how to ask less often when throttled


def arm_call(doing: str, role: str, timeout_s: float = MANAGEMENT.read_s) -> AzureCall:
    """A call to Azure Resource Manager through a management client."""
    return AzureCall("azure resource manager", doing, role, timeout_s,
                     network="the network path and proxy to management.azure.com, then run again")


@contextmanager
def azure_errors(call: AzureCall, error: Callable[[str], Exception] = TargetError) -> Iterator[None]:
    """An Azure failure inside the block as ``error``: one line, with what was done and the fix."""
    from azure.core.exceptions import AzureError

    try:
        yield
    except AzureError as exc:
        raise error(azure_failure(exc, call)) from None


def azure_failure(exc: BaseException, call: AzureCall) -> str:
    """The one line for an exception the SDK (or its credential) raised; it always ends with a fix."""
    from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError

    status = getattr(exc, "status_code", None)
    no_token = _no_token(exc)
    if no_token:
        said = f"no Azure token ({no_token}) {call.doing} -> sign in with {SIGN_IN}; the identity needs {call.role}"
    elif isinstance(exc, HttpResponseError) and status is not None:
        said = _refused(exc, status, call)
    elif isinstance(exc, ServiceRequestError):
        said = f"unreachable ({type(exc).__name__}) {call.doing} -> check {call.network}"
    elif isinstance(exc, ServiceResponseError):
        said = f"no answer {call.doing} within {call.timeout_s:g} s ({type(exc).__name__}) -> check {call.network}"
    else:
        said = f"{type(exc).__name__} {call.doing} -> {STATUS_PAGE}"
    return one_line(f"{call.service}: {said}")


def one_line(text: str) -> str:
    """Whitespace folded, secrets masked: a message that fits a report's line."""
    return redact_text(" ".join(text.split()))


def _refused(exc: Any, status: int, call: AzureCall) -> str:
    shown = f"{status} {error_code(exc)}".strip()
    if status == 401:
        return f"token refused ({shown}) {call.doing} -> sign in to the resource's tenant with {SIGN_IN}"
    if status == 403:
        return (f"permission denied ({shown}) {call.doing} -> grant {call.role} to the identity drillbook signs in "
                f"as ({SIGN_IN})")
    if status == 404:
        return f"not found ({shown}) {call.doing} -> {call.names}"
    if status == 429:
        slower = f" or {call.slower}" if call.slower else ""
        return f"throttled (429) {call.doing} -> retry after {_retry_after(exc)} s{slower}"
    if status == 400:
        return f"refused as malformed ({shown}) {call.doing} -> check the environment file's values for this call"
    return f"answered {shown} {call.doing} -> {STATUS_PAGE}"


def _no_token(exc: BaseException | None) -> str:
    """The credential's exception class when no token was obtained (a client may re-wrap it)."""
    from azure.core.exceptions import ClientAuthenticationError

    while exc is not None:
        if isinstance(exc, ClientAuthenticationError) and getattr(exc, "response", None) is None:
            return type(exc).__name__
        exc = exc.__cause__ or exc.__context__
    return ""


def error_code(exc: Any) -> str:
    """The service's error code (``AuthorizationFailed``, storage's ``ContainerNotFound``), or '' when it has none."""
    code = getattr(getattr(exc, "error", None), "code", None) or getattr(exc, "error_code", None)
    code = getattr(code, "value", code)  # the storage SDK gives an enum member or a plain string
    if not code:
        try:
            body = json.loads(exc.response.text())
            code = body.get("error", {}).get("code")
        except Exception:  # noqa: BLE001 - no body, not JSON, no response: the status says enough
            code = None
    return str(code)[:60] if code else ""


def _retry_after(exc: Any) -> str:
    value = exc.response.headers.get("Retry-After") if getattr(exc, "response", None) is not None else None
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return "60"  # absent or an HTTP date: a minute is Azure Monitor's own evaluation step
