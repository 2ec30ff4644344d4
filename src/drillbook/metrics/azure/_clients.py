"""The SDK clients for one source: a credential, bounded retries and a timeout on every call.

>>> options = CallOptions(retry_total=0)
>>> logs, metrics = build_clients(settings, credential, options)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from azure.core.pipeline.policies import RetryPolicy
from azure.monitor.query import LogsQueryClient
from azure.monitor.querymetrics import MetricsClient


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


class BoundedRetryPolicy(RetryPolicy):
    """azure-core's retry, except that a Retry-After beyond ``max_wait`` ends the call at once."""

    def __init__(self, max_wait: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._max_wait = max_wait

    def is_retry(self, settings: dict[str, Any], response: Any) -> bool:
        wait = self.get_retry_after(response)
        if wait is not None and wait > self._max_wait:
            return False
        return super().is_retry(settings, response)


def build_clients(settings: Any, credential: Any, options: CallOptions, transport: Any = None) -> tuple:
    """A LogsQueryClient and a MetricsClient sharing the credential (and the transport, if given)."""
    common: dict[str, Any] = {"connection_timeout": options.connection_timeout,
                              "read_timeout": options.read_timeout}
    if transport is not None:
        common["transport"] = transport
    logs = LogsQueryClient(credential, endpoint=settings.logs_endpoint,
                           retry_policy=_retry(options), **common)
    metrics = MetricsClient(settings.metrics_endpoint, credential, retry_policy=_retry(options), **common)
    return logs, metrics


def default_credential() -> Any:
    """DefaultAzureCredential, imported only when no credential was given."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(process_timeout=10)


def _retry(options: CallOptions) -> BoundedRetryPolicy:
    return BoundedRetryPolicy(options.max_retry_wait, retry_total=options.retry_total,
                              retry_backoff_max=options.max_retry_wait, timeout=options.total_timeout)
