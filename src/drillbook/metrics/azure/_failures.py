"""SDK exceptions -> one-line MetricsError that says what failed and what to do.

Messages carry the HTTP status and the service's error code, never headers, tokens
or the service's free text (a partial result's reason excepted, truncated and
redacted): nothing a response echoes can leak into a report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from drillbook.errors import MetricsError
from drillbook.redaction import redact_text

SIGN_IN = "az login, a managed identity, or AZURE_CLIENT_ID + AZURE_TENANT_ID"


@dataclass(frozen=True)
class Call:
    """What was being read, for the message: ``querying Log Analytics for app-castiel-api-prod``."""

    api: str  # "Log Analytics" or "Azure Monitor metrics"
    target: str  # a resource name or "Microsoft.Cache/redis metrics of redis-castiel-prod"
    role: str  # the role that grants the read, e.g. "Monitoring Reader on rg-castiel-prod"
    timeout_s: float

    @property
    def doing(self) -> str:
        return f"querying {self.api} for {self.target}"


def explain(exc: AzureError, call: Call) -> MetricsError:
    """The MetricsError for an exception raised by the SDK (or its credential)."""
    credential_failure = _credential_failure(exc)
    if credential_failure:
        message = (f"azure-monitor: no Azure token for {call.api} ({credential_failure}) -> sign in with {SIGN_IN}; "
                   f"the identity needs {call.role}")
    elif isinstance(exc, HttpResponseError) and exc.status_code is not None:
        message = _http_message(exc, call)
    elif isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        message = (f"azure-monitor: no answer {call.doing} within {call.timeout_s:g} s ({type(exc).__name__}) "
                   "-> check the runner's egress to Azure Monitor, or raise read_timeout")
    else:
        message = (f"azure-monitor: {type(exc).__name__} {call.doing} "
                   "-> retry; if it persists, check the Azure status page")
    return MetricsError(_one_line(message))


def partial_error(error: Any, where: str) -> MetricsError:
    """A partial Logs result: the rows are incomplete, so the interval is an error, not data."""
    code, reason = _innermost(error)
    return MetricsError(_one_line(
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


def _credential_failure(exc: BaseException | None) -> str:
    """The credential's exception class when no token was obtained (the Logs client re-wraps it)."""
    while exc is not None:
        if isinstance(exc, ClientAuthenticationError) and exc.response is None:
            return type(exc).__name__
        exc = exc.__cause__ or exc.__context__
    return ""


def _http_message(exc: HttpResponseError, call: Call) -> str:
    status, code = exc.status_code, _error_code(exc)
    shown = f"{status} {code}".strip()
    if status == 429:
        wait = _retry_after(exc)
        return (f"azure-monitor: throttled (429) {call.doing} -> retry after {wait} s "
                "or lower the watch frequency")
    if status == 401:
        return (f"azure-monitor: token refused ({shown}) {call.doing} -> sign in to the subscription's tenant "
                f"with {SIGN_IN}")
    if status == 403:
        return (f"azure-monitor: permission denied ({shown}) {call.doing} -> grant {call.role} to the identity "
                f"drillbook signs in as ({SIGN_IN})")
    if status == 404:
        return (f"azure-monitor: not found ({shown}) {call.doing} -> check the names and subscription_id "
                "in [azure] of the environment file")
    return f"azure-monitor: {call.api} answered {shown} {call.doing} -> see Reading.query for the request; retry later"


def _error_code(exc: HttpResponseError) -> str:
    """The service's error code (``InsufficientAccessError``), or '' when the body has none."""
    try:
        body = json.loads(exc.response.text()) if exc.response is not None else {}
    except (ValueError, TypeError, AttributeError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return str(code)[:60] if code else ""


def _retry_after(exc: HttpResponseError) -> str:
    value = exc.response.headers.get("Retry-After") if exc.response is not None else None
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return "60"  # absent or an HTTP date: a minute is the metric alert's own evaluation step


def _one_line(text: str) -> str:
    return redact_text(" ".join(text.split()))
