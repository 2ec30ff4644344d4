"""What the azure-monitor source asks of Azure, for the one-line failure ``clients.azure`` writes; partial results.

Messages carry the HTTP status and the service's error code, never headers, tokens
or the service's free text (a partial result's reason excepted, truncated and
redacted): nothing a response echoes can leak into a report.
"""

from __future__ import annotations

from typing import Any

from drillbook.clients.azure import AzureCall, one_line
from drillbook.errors import MetricsError


def monitor_call(api: str, target: str, role: str, timeout_s: float) -> AzureCall:
    """``querying Log Analytics for app-castiel-api-prod``, which ``role`` allows (``Monitoring Reader on rg``)."""
    return AzureCall("azure-monitor", f"querying {api} for {target}", role, timeout_s,
                     network="the runner's egress to Azure Monitor, or raise read_timeout",
                     slower="lower the watch frequency")


def partial_error(error: Any, where: str) -> MetricsError:
    """A partial Logs result: the rows are incomplete, so the interval is an error, not data."""
    code, reason = _innermost(error)
    return MetricsError(one_line(
        f"azure-monitor: partial result from {where} ({code}: {reason[:120]}) -> the interval is incomplete "
        "and counts as no data; shorten the interval or retry"))


def _innermost(error: Any) -> tuple[str, str]:
    """(code of the first detail, message of its innermost error): the most specific reason given."""
    if error is None:
        return "PartialError", "no reason given"
    detail = (error.details or [{}])[0] or {}
    node = detail
    while isinstance(node.get("innererror"), dict):
        node = node["innererror"]
    return str(detail.get("code") or error.code or "PartialError"), str(node.get("message") or error.message or "")
