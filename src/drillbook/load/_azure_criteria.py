"""The runbook's load rules in Azure Load Testing's words: fail criteria, auto-stop, and the YAML test config.

One source of truth: the catalogue's thresholds (``drillbook.runbook``) are
translated here, for the API (``passFailCriteria``, ``autoStopCriteria``) and for
``load/azure-load-test.yaml``, which teams start from their pipeline:

>>> yaml_criteria(runbook.threshold, ["/api/shards"])
['percentage(error) > 5', 'p95(response_time_ms) > 1000', '/api/shards: p95(response_time_ms) > 500']

Azure judges each criterion once, over the whole run; drillbook judges the same
limits over sliding windows. Azure's result is recorded beside drillbook's
verdict, never instead of it.
"""

from __future__ import annotations

import uuid
from typing import Callable, Iterable

from drillbook.runbook import Threshold

ERROR_RULE, P95_RULE, ROUTE_RULE = "api_error_rate", "api_p95", "slow_endpoint"
_CRITERIA_IDS = uuid.UUID("6d1f8f3e-4b7a-4c55-9a59-1f2d0c6b7a10")  # stable ids: an update replaces, never adds


def pass_fail_metrics(lookup: Callable[[str], Threshold], request_names: Iterable[str]) -> dict[str, dict]:
    """``passFailCriteria.passFailMetrics``: error %, p95 over every request, and p95 per request name."""
    error, p95, route = lookup(ERROR_RULE), lookup(P95_RULE), lookup(ROUTE_RULE)
    criteria = {ERROR_RULE: _criterion("error", "percentage", error),
                P95_RULE: _criterion("response_time_ms", "p95", p95)}
    for name in request_names:
        criteria[f"{ROUTE_RULE} {name}"] = {**_criterion("response_time_ms", "p95", route), "requestName": name}
    return {str(uuid.uuid5(_CRITERIA_IDS, key)): value for key, value in criteria.items()}


def auto_stop(lookup: Callable[[str], Threshold], window_s: float) -> dict:
    """``autoStopCriteria``: Azure stops the run once the error rule breaches over its window (the early abort)."""
    return {"autoStopDisabled": False, "errorRate": lookup(ERROR_RULE).limit,
            "errorRateTimeWindowInSeconds": int(round(window_s))}


def yaml_criteria(lookup: Callable[[str], Threshold], request_names: Iterable[str]) -> list[str]:
    """The same criteria as the YAML config writes them: ``p95(response_time_ms) > 1000``."""
    error, p95, route = lookup(ERROR_RULE), lookup(P95_RULE), lookup(ROUTE_RULE)
    return [f"percentage(error) {error.op} {error.limit:g}", f"p95(response_time_ms) {p95.op} {p95.limit:g}",
            *(f"{name}: p95(response_time_ms) {route.op} {route.limit:g}" for name in request_names)]


def yaml_auto_stop(lookup: Callable[[str], Threshold]) -> dict:
    """The YAML config's ``autoStop``: the error rule's limit over the runbook's window."""
    error = lookup(ERROR_RULE)
    return {"errorPercentage": error.limit, "timeWindow": int(error.window_s)}


def config_drift(config: dict, lookup: Callable[[str], Threshold], request_names: Iterable[str]) -> list[str]:
    """Where a YAML test config (parsed) departs from the runbook: each line gives the file's value and the runbook's."""
    found = {_left(c): c for c in map(_criterion_text, config.get("failureCriteria") or [])}
    wanted = {_left(c): c for c in yaml_criteria(lookup, request_names)}
    lines = [f"failureCriteria: {found.get(key, 'nothing')!r} in the file, the runbook says {text!r}"
             for key, text in wanted.items() if found.get(key) != text]
    lines += [f"failureCriteria: {text!r} in the file is not a runbook rule" for key, text in found.items()
              if key not in wanted]
    stop = config.get("autoStop") or {}
    for key, value in yaml_auto_stop(lookup).items():
        if stop.get(key) != value:
            lines.append(f"autoStop {key}: {_shown(stop.get(key))} in the file, the runbook says {_shown(value)}")
    return lines


def _shown(value: object) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else repr(value)


def _criterion_text(item: str | dict) -> str:
    """A YAML criterion as text: ``name: p95(...) > 500`` parses as a one-key mapping."""
    if isinstance(item, dict):
        return "; ".join(f"{name}: {' '.join(str(rule).split())}" for name, rule in item.items())
    return " ".join(str(item).split())


def _left(criterion: str) -> str:
    """``/api/shards: p95(response_time_ms)``: what a criterion measures, without its operator and limit."""
    return criterion.rsplit(" ", 2)[0]


def _criterion(metric: str, aggregate: str, threshold: Threshold) -> dict:
    return {"clientMetric": metric, "aggregate": aggregate, "condition": threshold.op, "value": threshold.limit,
            "action": "continue"}
