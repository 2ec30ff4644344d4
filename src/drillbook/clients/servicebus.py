"""Service Bus queue depths through the real ``ServiceBusAdministrationClient``.

>>> admin = open_admin_client(env.config.servicebus, where="production.toml")
>>> read_queue_depths(admin, ["embedding-jobs"])
[QueueDepth(name='embedding-jobs', active=12, dead_letter=0)]

Authentication is a connection string (a secret reference) or, without one,
DefaultAzureCredential for the namespace. Every failure becomes a
:class:`ServiceBusError` whose one line says what happened and what to do.
The Azure SDK is imported on use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drillbook.clients.azure import STATUS_PAGE, default_credential
from drillbook.errors import ConfigError, ServiceBusError
from drillbook.config.secrets import resolve_secret

if TYPE_CHECKING:
    from drillbook.config.sections import ServiceBusSection

DOMAIN = ".servicebus.windows.net"
TIMEOUT_S = 10


@dataclass(frozen=True)
class QueueDepth:
    """One queue's runtime counts."""

    name: str
    active: int
    dead_letter: int


@dataclass
class AdminClient:
    """The SDK client and the namespace it talks to (for messages)."""

    client: Any
    namespace: str
    timeout_s: float = TIMEOUT_S  # connect and read, per call: it binds whatever transport the client has

    def source(self, queue: str) -> str:
        return f"sb://{self.namespace}/{queue}"

    def close(self) -> None:
        self.client.close()


def namespace_host(name: str) -> str:
    """``sb-castiel-prod`` -> ``sb-castiel-prod.servicebus.windows.net``; a full host stays as it is."""
    return name if "." in name or ":" in name else name + DOMAIN


def open_admin_client(settings: ServiceBusSection, *, where: str, credential: Any = None,
                      **options: Any) -> AdminClient:
    """A client from ``[servicebus] connection_string``, else from ``namespace`` and an Azure identity."""
    from azure.servicebus.management import ServiceBusAdministrationClient

    options = {"retry_total": 1, "retry_backoff_factor": 0.5, **options}
    if settings.connection_string:
        secret = resolve_secret(settings.connection_string, where=f"{where}: [servicebus] connection_string")
        client = _from_connection_string(ServiceBusAdministrationClient, secret or "", where, options)
        return AdminClient(client, client.fully_qualified_namespace)
    if not settings.namespace:
        raise ConfigError(f"{where}: [servicebus] needs namespace = \"sb-castiel-prod\" (signs in with the Azure "
                          "identity) or connection_string = { env = \"CASTIEL_SERVICEBUS_CONNECTION\" }")
    host = namespace_host(settings.namespace)
    client = ServiceBusAdministrationClient(host, credential or default_credential(), **options)
    return AdminClient(client, host)


def read_queue_depths(admin: AdminClient, queues: list[str]) -> list[QueueDepth]:
    """Active and dead-lettered message counts of each queue (one management call per queue)."""
    return [_read_one(admin, queue) for queue in queues]


def _read_one(admin: AdminClient, queue: str) -> QueueDepth:
    from azure.core.exceptions import AzureError

    try:
        props = admin.client.get_queue_runtime_properties(
            queue, connection_timeout=admin.timeout_s, read_timeout=admin.timeout_s)
    except AzureError as exc:
        raise ServiceBusError(explain_failure(exc, admin.namespace, queue, admin.timeout_s)) from None
    return QueueDepth(queue, int(props.active_message_count or 0), int(props.dead_letter_message_count or 0))


def explain_failure(exc: Exception, namespace: str, queue: str, timeout_s: float = TIMEOUT_S) -> str:
    """One line for a failed management call: what the namespace said, and the fix."""
    from azure.core.exceptions import (
        ClientAuthenticationError, HttpResponseError, ResourceNotFoundError, ServiceRequestError,
        ServiceResponseError,
    )

    reason = _service_detail(exc) or _first_line(exc)
    if isinstance(exc, ClientAuthenticationError):
        return (f"Service Bus {namespace} refused the credentials for queue {queue} ({reason}) -> check the SAS key "
                "in the connection string (it needs Manage rights), or the identity's role on the namespace")
    if isinstance(exc, ResourceNotFoundError):
        return f"Service Bus {namespace} has no queue {queue} -> fix [servicebus] queues"
    if isinstance(exc, ServiceRequestError):
        return f"Service Bus {namespace} is unreachable: {reason} -> check the namespace name, DNS and the firewall"
    if isinstance(exc, ServiceResponseError):
        return (f"Service Bus {namespace} gave no answer for queue {queue} within {timeout_s:g} s ({reason}) "
                "-> check Azure status for the namespace's region and the runner's egress, then run again")
    if isinstance(exc, HttpResponseError):
        return f"Service Bus {namespace} answered {exc.status_code} for queue {queue}: {reason} -> {STATUS_PAGE}"
    return f"Service Bus {namespace}: {type(exc).__name__}: {reason} -> {STATUS_PAGE}"


def _from_connection_string(client_class: Any, secret: str, where: str, options: dict) -> Any:
    try:
        return client_class.from_connection_string(secret, **options)
    except ValueError:
        # the SDK's message may quote the string; say only where it came from
        raise ConfigError(f"{where}: [servicebus] connection_string is malformed -> copy it from the namespace's "
                          "Shared access policies (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...)"
                          ) from None


def _service_detail(exc: Exception) -> str | None:
    """The ``<Detail>`` of Service Bus' XML error body, without its tracking ids."""
    response = getattr(exc, "response", None)
    try:
        body = response.text() if response is not None else ""
    except Exception:  # noqa: BLE001 - a body that cannot be read just means no detail
        return None
    found = re.search(r"<Detail>(.*?)</Detail>", body or "", re.S)
    return found.group(1).split(" TrackingId:")[0].rstrip(" .,") if found else None


def _first_line(exc: Exception) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return text.strip().splitlines()[0][:200]
