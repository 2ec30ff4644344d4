"""The "monitoring dashboards updated" gate: Azure Monitor metric alert rules against the runbook's thresholds.

Rules are read in their wire shape (what ``GET .../providers/Microsoft.Insights/metricAlerts``
answers, and what the SDK's ``serialize()`` gives): a rule belongs to a runbook
threshold by its ``runbook`` tag (``api_error_rate``), else by its name ending
in the key with dashes (``castiel-api-error-rate``).

>>> alert_rule_findings(rules, {"api_error_rate": threshold("api_error_rate")})
['alert rule castiel-api-error-rate (api_error_rate): threshold 10 % (runbook: 5 %)']
"""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping

from drillbook.clients.azure import arm_call, azure_errors, management_client
from drillbook.expected_alerts import rule_key
from drillbook.runbook import Threshold

_OPERATORS = {"GreaterThan": ">", "LessThan": "<"}  # ">=" is not the runbook's ">": it shows as drift
_DURATION = re.compile(r"^P(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)$")


def alert_rule_findings(rules: Iterable[Mapping[str, Any]], thresholds: Mapping[str, Threshold]) -> list[str]:
    """One line per runbook alert that has no rule, or whose rule is off or drifted (both values shown)."""
    rules = list(rules)
    findings = []
    for key, entry in thresholds.items():
        if not entry.alert:
            continue
        rule = _rule_for(key, rules)
        if rule is None:
            findings.append(f"no alert rule for {key} ({entry.describe()}); create it, tagged runbook={key}")
        else:
            findings.extend(_drift(rule, key, entry))
    return findings


def _rule_for(key: str, rules: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    tagged = [r for r in rules if (r.get("tags") or {}).get("runbook") == key]
    named = [r for r in rules if rule_key(str(r.get("name", ""))) == key]
    return (tagged or named or [None])[0]


def _drift(rule: Mapping[str, Any], key: str, entry: Threshold) -> list[str]:
    props, name = rule.get("properties") or {}, f"alert rule {rule.get('name')} ({key})"
    criteria = ((props.get("criteria") or {}).get("allOf") or [{}])[0]
    sev = int(entry.severity[1])
    checks = [
        (props.get("enabled") is False, "disabled; enable it"),
        _threshold_drift(criteria.get("threshold"), entry),
        (_OPERATORS.get(criteria.get("operator")) != entry.op,
         f"operator {criteria.get('operator')} (runbook: {entry.op})"),
        (duration_s(props.get("windowSize")) != entry.window_s,
         f"window {props.get('windowSize')} (runbook: {entry.window_s / 60:g} min)"),
        (props.get("severity") != sev, f"severity Sev{props.get('severity')} (runbook: {entry.severity} = Sev{sev})"),
    ]
    return [f"{name}: {text}" for drifted, text in checks if drifted]


def _threshold_drift(limit: Any, entry: Threshold) -> tuple[bool, str]:
    if isinstance(limit, bool) or not isinstance(limit, (int, float)):
        return True, "no static threshold (a dynamic threshold cannot be held to the runbook)"
    return limit != entry.limit, f"threshold {limit:g} {entry.unit} (runbook: {entry.limit:g} {entry.unit})"


def duration_s(text: Any) -> float | None:
    """``PT5M`` -> 300.0; None for anything else."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def read_alert_rules(subscription_id: str, resource_group: str, **client_options: Any) -> list[dict]:
    """The resource group's metric alert rules in wire shape, through azure-mgmt-monitor (imported on use)."""
    client = management_client("monitor", subscription_id, **client_options)
    with azure_errors(arm_call(f"listing the metric alert rules of {resource_group}",
                               f"Monitoring Reader on {resource_group}")):
        return [_wire_shape(rule) for rule in client.metric_alerts.list_by_resource_group(resource_group)]


def _wire_shape(model: Any) -> dict:
    """The rule as the REST API sends it (camelCase, ISO durations), from either SDK model style."""
    if hasattr(model, "serialize"):  # msrest-style models
        return model.serialize(keep_readonly=True)
    return dict(model.as_dict())  # hybrid (TypeSpec) models keep the wire names
