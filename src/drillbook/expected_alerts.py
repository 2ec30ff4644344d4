"""Which runbook alerts each drill's fault should raise: the catalogue beside the thresholds.

>>> expected_for("cosmos-latency").alerts
('api_p95',)
>>> expected_for("load: slow_endpoint").why
'slow endpoints are a key metric of the runbook, not an alert: nothing pages for them'

Every chaos drill and every rule the load drill judges (its breach scenarios,
``load: <rule>``) has an entry: the alerts it names (keys of the runbook's alert
table, ``runbook.THRESHOLDS`` with ``alert=True``), or none with the reason.
``tests/test_expected_alerts.py`` keeps this table, the drills and the alert
table in step. An Azure Monitor alert rule belongs to a runbook alert by the
gate's convention (``rule_key``): its name ends in the key with dashes.
"""

from __future__ import annotations

from dataclasses import dataclass

from drillbook.runbook import THRESHOLDS

SECTION = "monitoring-alerts"  # the runbook section of an alert that did not fire


@dataclass(frozen=True)
class Expected:
    """The alerts a drill's fault should raise (runbook alert keys), and why those (or why none)."""

    alerts: tuple[str, ...]
    why: str


EXPECTED: dict[str, Expected] = {
    # chaos drills (chaos/drills.py)
    "service-down": Expected(("api_error_rate",), "requests fail while the API restarts: 5xx and no answers raise "
                                                  "the error rate"),
    "app-stopped": Expected((), "a stopped app answers 403 from App Service's front end and sends no telemetry: no "
                                "alert of the runbook's table measures availability"),
    "chaos-studio": Expected((), "the experiment's faults are defined in Chaos Studio, not here: which alert they "
                                 "raise depends on its steps"),
    "redis-outage": Expected((), "reads fall back to Cosmos DB within the error budget, and no alert of the "
                                 "runbook's table watches cache availability (readiness reports it)"),
    "redis-hang": Expected((), "reads fall back to Cosmos DB, and no alert of the runbook's table watches cache "
                               "availability (readiness reports it)"),
    "cosmos-outage": Expected(("api_error_rate",), "queries and writes fail with 5xx while Cosmos DB is down"),
    "cosmos-latency": Expected(("api_p95",), "slow database reads raise the API's p95"),
    "worker-stall": Expected(("servicebus_queue",), "jobs pile up in the queue while the worker is stalled"),
    # the load drill's breach scenarios (load/_judge.py): a breach of the rule should raise its alert
    "load: api_error_rate": Expected(("api_error_rate",), "the same rule as the alert"),
    "load: api_p95": Expected(("api_p95",), "the same rule as the alert"),
    "load: slow_endpoint": Expected((), "slow endpoints are a key metric of the runbook, not an alert: nothing "
                                        "pages for them"),
}


def expected_for(drill: str) -> Expected:
    """The drill's entry; a drill missing from the table expects nothing, and says that it was never named."""
    return EXPECTED.get(drill, Expected((), f"{drill} names no expected alert in drillbook.expected_alerts"))


def alert_keys() -> list[str]:
    """The runbook's alert table: the thresholds that are alerts."""
    return [key for key, entry in THRESHOLDS.items() if entry.alert]


def rule_key(rule: str) -> str | None:
    """The runbook alert an Azure alert rule (a name or a resource id) belongs to, by its name's ending.

    >>> rule_key("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/metricAlerts/castiel-api-p95")
    'api_p95'
    """
    name = rule.rstrip("/").rsplit("/", 1)[-1].lower()
    return next((key for key in sorted(alert_keys(), key=len, reverse=True) if name.endswith(key.replace("_", "-"))),
                None)
