"""An Azure Load Testing run's client metrics, per time grain and request name, as drillbook's intervals.

Counts are exact: ``TotalRequests`` and ``Errors`` summed per grain, so error
rates over a window are ratios of sums, as with locust. Latency is not: the
service gives a p95 per grain, never a histogram. Each grain's p95 becomes a
histogram that puts the grain's requests at that value, so a window's p95 is the
request-weighted 95th percentile of its grains' p95s, never an average of
percentiles; a single grain's window reads exactly Azure's value. The record
says so (``LATENCY_NOTE``).

>>> intervals = read_intervals(clients.run, run_id, "2026-11-30T18:00:00Z/2026-11-30T18:10:00Z", interval_s=5)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from drillbook.load._stats import Interval, RouteCounts

NAMESPACE = "LoadTestRunMetrics"
REQUESTS, ERRORS, RESPONSE_TIME = "TotalRequests", "Errors", "ResponseTime"
DIMENSION = "RequestName"
QUERIES = ((REQUESTS, "Total"), (ERRORS, "Total"), (RESPONSE_TIME, "Percentile95"))
GRAINS = {"PT5S": 5.0, "PT10S": 10.0, "PT1M": 60.0, "PT5M": 300.0, "PT1H": 3600.0}
FILTER_LIMIT = 20  # dimension values one filter may name
POINT_WIDTH_MS = 0.001  # the empty bound just below a grain's p95: the rank lands on the value itself
LATENCY_NOTE = ("latency from Azure's per-grain p95 ({grain}): a window's p95 is the request-weighted 95th percentile "
                "of its grains' p95s, not a pooled percentile; request and error counts are exact")


@dataclass
class AzureMetrics:
    """The intervals read, the grain they were read at, and what could not be read."""

    intervals: list[Interval] = field(default_factory=list)
    grain: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def grain_s(self) -> float:
        return GRAINS.get(self.grain, 0.0)


def read_intervals(run_client: Any, run_id: str, timespan: str, interval_s: float) -> AzureMetrics:
    """Every grain of the run, per request name; no metrics at all is a problem, never an empty pass."""
    definitions = run_client.get_metric_definitions(run_id, metric_namespace=NAMESPACE).get("value") or []
    missing = sorted({REQUESTS, ERRORS, RESPONSE_TIME} - {d.get("name") for d in definitions})
    if missing:
        return AzureMetrics(problems=[f"Azure published no {', '.join(missing)} metric for run {run_id}"])
    metrics = AzureMetrics(grain=_grain(definitions, interval_s))
    names = list(run_client.list_metric_dimension_values(
        run_id, DIMENSION, metric_name=REQUESTS, metric_namespace=NAMESPACE, time_interval=timespan,
        interval=metrics.grain))
    if not names:
        metrics.problems.append(f"Azure reported no requests for run {run_id}")
        return metrics
    series = {metric: _series(run_client, run_id, timespan, metrics.grain, metric, aggregation, names)
              for metric, aggregation in QUERIES}
    metrics.intervals = _intervals(series, metrics.grain_s)
    return metrics


def point_buckets(value_ms: float, count: int) -> dict[float, int]:
    """A grain's ``count`` requests at its p95 ``value_ms``; the empty bound below keeps the rank on the value."""
    return {max(0.0, value_ms - POINT_WIDTH_MS): 0, value_ms: count}


def _grain(definitions: list[dict], interval_s: float) -> str:
    """The offered grain nearest the drill's interval (finer wins a tie)."""
    latency = next(d for d in definitions if d.get("name") == RESPONSE_TIME)
    offered = [a.get("timeGrain") for a in latency.get("metricAvailabilities") or [] if a.get("timeGrain") in GRAINS]
    return min(offered or ["PT5S"], key=lambda g: (abs(GRAINS[g] - interval_s), GRAINS[g]))


def _series(run_client: Any, run_id: str, timespan: str, grain: str, metric: str, aggregation: str,
            names: list[str]) -> dict[str, dict[float, float]]:
    """``{request name: {grain start (epoch s): value}}`` for one metric, split by request name."""
    found: dict[str, dict[float, float]] = {}
    for start in range(0, len(names), FILTER_LIMIT):
        body = {"filters": [{"name": DIMENSION, "values": names[start:start + FILTER_LIMIT]}]}
        for item in run_client.list_metrics(run_id, body, metric_name=metric, metric_namespace=NAMESPACE,
                                            time_interval=timespan, aggregation=aggregation, interval=grain):
            name = next((d.get("value") for d in item.get("dimensionValues") or [] if d.get("name") == DIMENSION), "")
            points = found.setdefault(name, {})
            for point in item.get("data") or []:
                if point.get("value") is not None:
                    points[epoch(point["timestamp"])] = float(point["value"])
    return found


def _intervals(series: dict[str, dict[str, dict[float, float]]], grain_s: float) -> list[Interval]:
    """One Interval per grain (``at`` is the grain's end), routes named as Azure names the requests."""
    by_start: dict[float, Interval] = {}
    for name, counts in series[REQUESTS].items():
        for start, total in counts.items():
            count = int(round(total))
            failures = int(round(series[ERRORS].get(name, {}).get(start, 0.0)))
            p95 = series[RESPONSE_TIME].get(name, {}).get(start)
            buckets = point_buckets(p95, count) if p95 is not None and count else {}
            interval = by_start.setdefault(start, Interval(start + grain_s, grain_s))
            interval.routes[name] = RouteCounts(count, failures, buckets)
    return [by_start[start] for start in sorted(by_start)]


def epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
