"""The one KQL query per interval, and the parsing of its table into request aggregates.

The query returns one row per (endpoint, latency bucket) plus one embedding row:

    kind       name                   le_ms  requests  status_4xx  status_5xx
    request    GET /api/shards/{id}   100    160       0           1
    request    POST /api/shards       null   1         0           1     <- above the last bound
    embedding                         null   40        0           2     <- calls, failed calls

Why it is written this way:
- Counts are ``sum(itemCount)``, so sampled telemetry still counts every request.
- Each request lands in exactly one ``case()`` bucket, so buckets are not cumulative.
- The interval is half-open (``>= t0 and < t1``) inside the query as well as in the
  API's timespan, so adjacent intervals never count a request twice.
- The table has rows only for buckets that had requests; the parser fills in every
  other bound of ``BOUNDS_MS`` with zero, because a percentile interpolates from the
  bound below and a missing empty bucket would move it down (a breach read as a pass).
- Embedding jobs are the app's dependency calls to an Azure OpenAI ``/embeddings``
  route (auto-collected, no custom event needed); a failed call is a failed job.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Sequence

from drillbook.errors import MetricsError
from drillbook.metrics.reading import EndpointReading

BOUNDS_MS = (25, 50, 100, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000)
COLUMNS = ("kind", "name", "le_ms", "requests", "status_4xx", "status_5xx")
EMBEDDING_ROUTE = "/embeddings"


@dataclass(frozen=True)
class Schema:
    """Table and column names: classic Application Insights, or the workspace (``App*``) tables."""

    requests: str
    dependencies: str
    time: str
    name: str
    code: str
    duration: str
    count: str
    success: str


CLASSIC = Schema("requests", "dependencies", "timestamp", "name", "resultCode", "duration", "itemCount", "success")
WORKSPACE = Schema("AppRequests", "AppDependencies", "TimeGenerated", "Name", "ResultCode", "DurationMs",
                   "ItemCount", "Success")

_TEMPLATE = """\
// drillbook azure-monitor: requests and embedding calls in [t0, t1)
let t0 = datetime({t0});
let t1 = datetime({t1});
union
  ({s.requests}
   | where {s.time} >= t0 and {s.time} < t1
   | extend code = toint({s.code})
   | summarize requests = sum({s.count}),
               status_4xx = sumif({s.count}, code between (400 .. 499)),
               status_5xx = sumif({s.count}, code >= 500)
       by name = {s.name}, le_ms = {buckets}
   | extend kind = "request"),
  ({s.dependencies}
   | where {s.time} >= t0 and {s.time} < t1 and {s.name} contains "{route}"
   | summarize requests = sum({s.count}), status_5xx = sumif({s.count}, {s.success} == false)
   | extend kind = "embedding", name = "", le_ms = long(null), status_4xx = long(0))
| project {columns}"""


@dataclass
class RequestTotals:
    """What the table says about the interval's requests and embedding calls."""

    requests: int = 0
    status_4xx: int = 0
    status_5xx: int = 0
    buckets: dict[float, int] = field(default_factory=lambda: defaultdict(int))
    endpoints: dict[str, EndpointReading] = field(default_factory=dict)
    embedding_jobs: int = 0
    embedding_failures: int = 0


def build_query(t0: datetime, t1: datetime, schema: Schema = CLASSIC) -> str:
    """The KQL for ``[t0, t1)``; the times are literal so the query is its own evidence."""
    return _TEMPLATE.format(t0=_kql_time(t0), t1=_kql_time(t1), s=schema, buckets=_bucket_case(schema.duration),
                            route=EMBEDDING_ROUTE, columns=", ".join(COLUMNS))


def parse_table(columns: Sequence[str], rows: Iterable[Sequence[Any]], where: str) -> RequestTotals:
    """Fold the rows into totals; zero requests stays zero requests, which the rules judge as no data."""
    index = _column_index(columns, where)
    totals, per_endpoint = RequestTotals(), defaultdict(lambda: [0, 0, defaultdict(int)])
    for row in rows:
        kind, name, le_ms, requests, _4xx, _5xx = (row[index[c]] for c in COLUMNS)
        if kind == "embedding":
            totals.embedding_jobs += _count(requests)
            totals.embedding_failures += _count(_5xx)
            continue
        bound = float("inf") if le_ms is None else float(le_ms)
        _add_row(totals, per_endpoint[name or "(unnamed)"], bound, _count(requests), _count(_4xx), _count(_5xx))
    totals.endpoints = {name: EndpointReading(n, errors, with_every_bound(buckets))
                        for name, (n, errors, buckets) in sorted(per_endpoint.items())}
    totals.buckets = with_every_bound(totals.buckets)
    return totals


def with_every_bound(buckets: dict[float, int]) -> dict[float, int]:
    """The query's bucket layout with the counts it returned: empty buckets are zeros, not missing.

    >>> with_every_bound({25.0: 9, float("inf"): 1})[50.0]
    0
    """
    return {**dict.fromkeys((*map(float, BOUNDS_MS), float("inf")), 0), **buckets}


def no_requests_note(where: str) -> str:
    return (f"azure-monitor: no requests recorded in {where} (request rules: no data; gauges still read) -> check "
            "that the app sends telemetry and allow for ingestion delay (read intervals that ended 3+ min ago)")


def _add_row(totals: RequestTotals, endpoint: list, bound: float, requests: int, c4xx: int, c5xx: int) -> None:
    totals.requests += requests
    totals.status_4xx += c4xx
    totals.status_5xx += c5xx
    totals.buckets[bound] += requests
    endpoint[0] += requests
    endpoint[1] += c5xx
    endpoint[2][bound] += requests


def _column_index(columns: Sequence[str], where: str) -> dict[str, int]:
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise MetricsError(f"azure-monitor: {where} answered without column(s) {', '.join(missing)} "
                           f"(got {', '.join(columns) or 'none'}) "
                           "-> the query in Reading.query was changed or truncated")
    return {c: list(columns).index(c) for c in COLUMNS}


def _count(value: Any) -> int:
    """A count cell; null (an empty sum) is zero requests, not a missing reading."""
    return int(value or 0)


def _bucket_case(duration: str) -> str:
    arms = ", ".join(f"{duration} <= {bound}, {bound}" for bound in BOUNDS_MS)
    return f"case({arms}, long(null))"


def _kql_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
