"""The ``azure-monitor`` source: Application Insights requests (one KQL query) and platform metrics.

>>> source = AzureMonitorSource.from_environment(env)   # DefaultAzureCredential, [azure] names
>>> reading = source.read(start, end)                   # 1 Logs query + 1 metrics batch call per namespace
>>> print(reading.query)                                # the exact KQL and metric calls, as evidence

No failure reads as a pass: throttling, auth and partial results raise MetricsError,
an interval without requests raises NoDataError, and a gauge without points is
left out (no data) with a note, never filled with zero. Tests pass ``credential``
and ``transport``; ``retry_total``, ``connection_timeout``, ``read_timeout``,
``server_timeout``, ``total_timeout`` and ``max_retry_wait`` bound every call.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime, timezone
from typing import Any, Callable

from azure.monitor.query import LogsQueryStatus

from drillbook.clients.azure import AzureCall, azure_errors, default_credential
from drillbook.errors import MetricsError, NoDataError
from drillbook.metrics.azure._clients import CallOptions, build_clients
from drillbook.metrics.azure._failures import monitor_call, partial_error
from drillbook.metrics.azure._gauges import GRANULARITY_S, MetricsQuery, plan_queries, read_points, run_query
from drillbook.metrics.azure._kql import CLASSIC, WORKSPACE, RequestTotals, build_query, no_requests_note, parse_table
from drillbook.metrics.azure._settings import AzureSettings, load_settings
from drillbook.metrics.reading import Reading

INGESTION_LAG_S = 180  # Application Insights usually shows a request 1-3 min after it happened


class AzureMonitorSource:
    """Reads one interval from Azure Monitor; see the module docstring for the queries."""

    name = "azure-monitor"
    gauge_step_s = GRANULARITY_S  # one gauge point per minute, however often the watch reads

    def __init__(self, settings: AzureSettings, credential: Any, options: CallOptions = CallOptions(),
                 *, transport: Any = None, owns_credential: bool = False) -> None:
        self._settings, self._options = settings, options
        self._credential, self._owns_credential = credential, owns_credential
        self._logs, self._metrics = build_clients(settings, credential, options, transport)
        self._schema = WORKSPACE if settings.by_workspace else CLASSIC
        self._metric_queries, self._setup_notes = plan_queries(settings)

    @classmethod
    def from_environment(cls, env: Any, *, http: Any = None, credential: Any = None, transport: Any = None,
                         **options: Any) -> AzureMonitorSource:
        """Build from ``[azure]``; ``http`` is unused (the SDK has its own transport), other options are ignored."""
        fields = {f.name for f in dataclasses.fields(CallOptions)}
        call_options = CallOptions(**{k: v for k, v in options.items() if k in fields})
        owns = credential is None
        return cls(load_settings(env.config.azure, where=f"{env.path.name}: [azure]"), default_credential() if owns else credential, call_options,
                   transport=transport, owns_credential=owns)

    @property
    def lag_s(self) -> float:
        """How long after an interval ends it should be read: Application Insights ingests 1-3 min late.

        The source reads exactly the interval it is asked for; the watch waits ``lag_s`` before asking,
        so its windows still start at the deploy and every interval is judged on complete counts.
        """
        return self._settings.ingestion_lag_s

    def read(self, start: float, end: float) -> Reading:
        t0, t1 = _utc(start), _utc(end)
        kql = build_query(t0, t1, self._schema)
        totals = self._read_requests(kql, t0, t1)
        gauges, notes = self._read_gauges(t0, t1)
        quiet = [no_requests_note(self._where(t0, t1))] if not totals.requests else []
        notes = [*self._setup_notes, *quiet, *notes, *_embedding_note(totals), *self._lag_note(end)]
        return _reading(start, end, self._evidence(kql), totals, gauges, notes)

    def close(self) -> None:
        self._logs.close()
        self._metrics.close()
        if self._owns_credential:
            self._credential.close()

    def _lag_note(self, end: float) -> list[str]:
        age, lag = time.time() - end, self.lag_s or INGESTION_LAG_S
        if age >= lag - 1e-3:
            return []
        return [f"azure-monitor: the interval ended {max(age, 0):.0f} s ago; Application Insights ingestion lags "
                f"1-3 min, so its counts may still grow -> set [azure] ingestion_lag_s (now {self.lag_s:g} s)"]

    def _where(self, t0: datetime, t1: datetime) -> str:
        return f"{self._settings.logs_description} for {_span(t0, t1)}"

    def _read_requests(self, kql: str, t0: datetime, t1: datetime) -> RequestTotals:
        target = self._settings
        where = self._where(t0, t1)
        query = self._logs.query_workspace if target.by_workspace else self._logs.query_resource
        result = self._call(self._logs_call(), query, target.logs_target, kql, timespan=(t0, t1),
                            server_timeout=self._options.server_timeout, **self._options.per_call())
        if result.status == LogsQueryStatus.PARTIAL:
            raise partial_error(result.partial_error, where)
        if not result.tables:
            raise NoDataError(f"azure-monitor: {where} returned no table -> check the query in Reading.query")
        table = result.tables[0]
        return parse_table(table.columns, table.rows, where)

    def _read_gauges(self, t0: datetime, t1: datetime) -> tuple[dict[str, tuple[float, ...]], list[str]]:
        gauges: dict[str, tuple[float, ...]] = {}
        notes: list[str] = []
        for query in self._metric_queries:
            results = self._call(self._metrics_call(query), run_query, self._metrics, query, t0, t1,
                                 **self._options.per_call())
            points, missing = read_points(query, results)
            gauges.update(points)
            notes.extend(missing)
        return gauges, notes

    def _call(self, call: AzureCall, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with azure_errors(call, MetricsError):
            return function(*args, **kwargs)

    def _logs_call(self) -> AzureCall:
        s = self._settings
        role = ("Log Analytics Reader on the workspace" if s.by_workspace
                else f"Monitoring Reader on {s.resource_group}")
        return monitor_call("Log Analytics", s.logs_description, role, self._options.read_timeout)

    def _metrics_call(self, query: MetricsQuery) -> AzureCall:
        resource = query.resource_id.rsplit("/", 1)[-1]
        return monitor_call("Azure Monitor metrics", f"{query.namespace} {resource}",
                    f"Monitoring Reader on {self._settings.resource_group}", self._options.read_timeout)

    def _evidence(self, kql: str) -> str:
        s = self._settings
        target = f"// POST {s.logs_endpoint}/v1/" + (f"workspaces/{s.logs_target}/query" if s.by_workspace
                                                    else f"{s.logs_target.lstrip('/')}/query")
        calls = [q.describe(s.metrics_endpoint, s.subscription_id) for q in self._metric_queries]
        return "\n".join([target, kql, "", "// Azure Monitor metrics (one batch call per namespace):",
                          *(f"// {c}" for c in calls)])


def _reading(start: float, end: float, query: str, totals: RequestTotals, gauges: dict, notes: list[str]) -> Reading:
    return Reading(
        start=start, end=end, source=AzureMonitorSource.name, query=query,
        requests=totals.requests, status_4xx=totals.status_4xx, status_5xx=totals.status_5xx,
        latency_buckets=totals.buckets, endpoints=totals.endpoints, gauges=gauges,
        embedding_jobs=totals.embedding_jobs, embedding_failures=totals.embedding_failures,
        notes=tuple(notes),
    )


def _embedding_note(totals: RequestTotals) -> list[str]:
    if totals.embedding_jobs:
        return []
    return ["azure-monitor: no embedding calls (dependencies to */embeddings) in the interval "
            "-> the embedding failure rate counts as no data"]




def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _span(t0: datetime, t1: datetime) -> str:
    return f"{t0:%Y-%m-%d %H:%M:%S}-{t1:%H:%M:%S} UTC"


__all__ = ["AzureMonitorSource"]
