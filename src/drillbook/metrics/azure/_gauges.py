"""Infrastructure gauges from the Azure Monitor metrics batch API (one call per metric namespace).

| gauge            | resource                     | metric                  | aggregation | unit        |
|------------------|------------------------------|-------------------------|-------------|-------------|
| cpu              | App Service plan             | CpuPercentage           | Average     | %           |
| memory           | App Service plan             | MemoryPercentage        | Average     | %           |
| cosmos_ru        | Cosmos DB account            | NormalizedRUConsumption | Maximum     | % of RU/s   |
| redis_memory     | Azure Cache for Redis        | usedmemorypercentage    | Maximum     | %           |
| servicebus_queue | Service Bus namespace        | ActiveMessages          | Maximum     | messages    |

CPU and memory come from the plan, not the site: only the plan reports them in
percent (the site has CpuTime in seconds and bytes of memory). The runbook's
limits are averages for CPU and memory and peaks for the others.

A point whose aggregation is absent is a missing reading and is skipped, never read as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Iterable

from drillbook.metrics.azure._settings import AzureSettings

GRANULARITY = timedelta(minutes=1)
GRANULARITY_S = GRANULARITY.total_seconds()


@dataclass(frozen=True)
class GaugeSpec:
    """One gauge of the Reading and the platform metric it is read from."""

    gauge: str
    namespace: str
    metric: str
    aggregation: str


SPECS = (
    GaugeSpec("cpu", "Microsoft.Web/serverfarms", "CpuPercentage", "Average"),
    GaugeSpec("memory", "Microsoft.Web/serverfarms", "MemoryPercentage", "Average"),
    GaugeSpec("cosmos_ru", "Microsoft.DocumentDB/databaseAccounts", "NormalizedRUConsumption", "Maximum"),
    GaugeSpec("redis_memory", "Microsoft.Cache/redis", "usedmemorypercentage", "Maximum"),
    GaugeSpec("servicebus_queue", "Microsoft.ServiceBus/namespaces", "ActiveMessages", "Maximum"),
)
_SETTING = {
    "Microsoft.Web/serverfarms": "app_service_plan",
    "Microsoft.DocumentDB/databaseAccounts": "cosmos_account",
    "Microsoft.Cache/redis": "redis_name",
    "Microsoft.ServiceBus/namespaces": "servicebus_namespace",
}


@dataclass(frozen=True)
class MetricsQuery:
    """One batch call: a namespace, its metrics, the resource and an optional dimension filter."""

    namespace: str
    resource_id: str
    specs: tuple[GaugeSpec, ...]
    filter: str | None = None

    @property
    def names(self) -> list[str]:
        return [s.metric for s in self.specs]

    @property
    def aggregations(self) -> list[str]:
        return sorted({s.aggregation for s in self.specs})

    def describe(self, endpoint: str, subscription_id: str) -> str:
        """The call as evidence: the URL the SDK posts to, its query and the resource it names."""
        where = f" filter={self.filter}" if self.filter else ""
        return (f"POST {endpoint}/subscriptions/{subscription_id}/metrics:getBatch"
                f"?metricnamespace={self.namespace}&metricnames={','.join(self.names)}"
                f"&aggregation={','.join(self.aggregations)}&interval=PT1M{where} resourceids=[{self.resource_id}]")


def plan_queries(settings: AzureSettings) -> tuple[list[MetricsQuery], list[str]]:
    """The batch calls to make, and a note for each gauge whose resource is not configured."""
    queries, notes = [], []
    for namespace, key in _SETTING.items():
        specs = tuple(s for s in SPECS if s.namespace == namespace)
        name = getattr(settings, key)
        if not name:
            gauges = ", ".join(s.gauge for s in specs)
            notes.append(f"azure-monitor: no {gauges} gauge: [azure] {key} is not set -> add it to read "
                         f"{', '.join(s.metric for s in specs)}")
            continue
        queries.append(MetricsQuery(namespace, settings.resource_id(namespace, name), specs, _filter(settings, key)))
    return queries, notes


def run_query(client: Any, query: MetricsQuery, t0: datetime, t1: datetime, **options: Any) -> list:
    """Call the batch API for one namespace; returns the SDK's MetricsQueryResult list."""
    return client.query_resources(
        resource_ids=[query.resource_id], metric_namespace=query.namespace, metric_names=query.names,
        timespan=(t0, t1), granularity=GRANULARITY, aggregations=query.aggregations, filter=query.filter,
        **options,
    )


def read_points(query: MetricsQuery, results: Iterable[Any]) -> tuple[dict[str, tuple[float, ...]], list[str]]:
    """Gauge points per gauge, and a note for each gauge that had no point in the interval."""
    found: dict[str, list[float]] = {s.gauge: [] for s in query.specs}
    by_metric = {s.metric.lower(): s for s in query.specs}
    for result in results:
        for metric in result.metrics:
            spec = by_metric.get((metric.name or "").lower())
            if spec is not None:
                found[spec.gauge].extend(_points(metric, spec.aggregation.lower()))
    notes = [f"azure-monitor: no {spec.metric} points for {query.resource_id.rsplit('/', 1)[-1]} in the interval "
             f"-> the {spec.gauge} gauge counts as no data (metrics can lag 1-3 min)"
             for spec in query.specs if not found[spec.gauge]]
    return {gauge: tuple(points) for gauge, points in found.items() if points}, notes


def _points(metric: Any, aggregation: str) -> list[float]:
    values = (getattr(point, aggregation, None) for series in metric.timeseries for point in series.data)
    return [float(v) for v in values if v is not None and not math.isnan(float(v))]


def _filter(settings: AzureSettings, key: str) -> str | None:
    if key == "servicebus_namespace" and settings.servicebus_queue:
        return f"EntityName eq '{settings.servicebus_queue}'"
    return None
