"""The SDK clients for one source: a credential, bounded retries and a timeout on every call.

>>> options = CallOptions(retry_total=0)
>>> logs, metrics = build_clients(settings, credential, options)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from azure.monitor.query import LogsQueryClient
from azure.monitor.querymetrics import MetricsClient

from drillbook.clients.azure import Bounds, data_client


@dataclass(frozen=True)
class CallOptions:
    """Limits for every call; a read never waits longer than about ``total_timeout``."""

    retry_total: int = 2
    connection_timeout: float = 5.0
    read_timeout: float = 30.0
    server_timeout: int = 25  # Log Analytics gives up before our read timeout does
    total_timeout: float = 60.0
    max_retry_wait: float = 10.0  # a longer Retry-After is reported, not slept through

    def per_call(self) -> dict[str, Any]:
        return {"connection_timeout": self.connection_timeout, "read_timeout": self.read_timeout}

    def bounds(self) -> Bounds:
        return Bounds(self.connection_timeout, self.read_timeout, self.retry_total, total_s=self.total_timeout,
                      backoff_max_s=self.max_retry_wait, max_retry_wait_s=self.max_retry_wait)


def build_clients(settings: Any, credential: Any, options: CallOptions, transport: Any = None) -> tuple:
    """A LogsQueryClient and a MetricsClient sharing the credential (and the transport, if given)."""
    logs = data_client(LogsQueryClient, credential, endpoint=settings.logs_endpoint, bounds=options.bounds(),
                       transport=transport)
    metrics = data_client(MetricsClient, settings.metrics_endpoint, credential, bounds=options.bounds(),
                          transport=transport)
    return logs, metrics
