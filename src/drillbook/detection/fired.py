"""The fired alerts of a resource group, read from Azure Resource Manager (azure-mgmt-alertsmanagement).

>>> read = read_fired_alerts(subscription, "rg-castiel-staging", since, until)
>>> read.alerts[0].key, read.alerts[0].fired_at      # ('api_error_rate', 1796630400.0)
>>> read.problem                                     # None, or the one line of why they could not be read

A failure is never raised: it comes back as ``problem`` (one line, with its fix),
and ``final`` says whether asking again can help (a 403 cannot).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from drillbook.clients.azure import arm_call, azure_failure, management_client
from drillbook.expected_alerts import rule_key

FINAL_STATUSES = (400, 401, 403, 404)  # asking again gets the same answer


@dataclass(frozen=True)
class FiredAlert:
    """One alert Azure Monitor raised: its rule, the runbook alert the rule belongs to, on what, and when."""

    rule: str
    key: str | None
    target: str
    fired_at: float  # epoch seconds
    resolved_at: float | None = None


@dataclass(frozen=True)
class AlertsRead:
    alerts: list[FiredAlert] = field(default_factory=list)
    problem: str | None = None
    final: bool = False


def read_fired_alerts(subscription: str, resource_group: str, since: float, until: float,
                      **client_options: Any) -> AlertsRead:
    """Alerts on ``resource_group``'s resources that started between ``since`` and ``until``."""
    from azure.core.exceptions import AzureError, ClientAuthenticationError

    call = arm_call(f"reading the fired alerts of {resource_group}", f"Monitoring Reader on {resource_group}")
    try:
        client = management_client("alertsmanagement", subscription, **client_options)
        pages = client.alerts.get_all(target_resource_group=resource_group,
                                      custom_time_range=f"{_iso(since)}/{_iso(until)}")
        return AlertsRead([_fired(alert) for alert in pages])
    except AzureError as exc:
        return AlertsRead(problem=azure_failure(exc, call),
                          final=getattr(exc, "status_code", None) in FINAL_STATUSES
                          or isinstance(exc, ClientAuthenticationError))  # no token: it will not come by itself


def _fired(alert: Any) -> FiredAlert:
    essentials = alert.properties.essentials
    rule = essentials.alert_rule or alert.name or "?"
    resolved = essentials.monitor_condition_resolved_date_time
    return FiredAlert(rule.rstrip("/").rsplit("/", 1)[-1], rule_key(rule), essentials.target_resource_name or "?",
                      essentials.start_date_time.timestamp(), resolved.timestamp() if resolved else None)


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
