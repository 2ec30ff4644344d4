"""The ``scrape`` source: a target's Prometheus ``/metrics``, read as deltas between two scrapes.

>>> source = ScrapeSource.from_environment(env, http=client)   # takes the baseline scrape
>>> reading = source.read(start, end)                           # what happened since the last read

Counters and histograms are differenced, never read as lifetime totals; a
counter that went down (a restart) counts from zero. Each series is differenced
on its own (a route's histograms split by status, app or instance are summed
afterwards), and every bucket bound is kept, empty ones included, because a
percentile interpolates from the bound below. Metric and label names come from
``[metrics]`` and default to the common convention.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Mapping

from drillbook.config.sections import MetricsSection
from drillbook.errors import MetricsError, TargetError
from drillbook.metrics.reading import EndpointReading, Reading
from drillbook.rules import merge_buckets

Key = tuple[str, str]  # (method, route)
Rest = tuple[tuple[str, str], ...]  # every other label of a series (status, app, instance, ...), sorted


@dataclass
class Snapshot:
    """The counters of one scrape, one entry per series, so each series is differenced on its own."""

    taken_at: float
    requests: dict[tuple[str, str, str, Rest], float] = field(default_factory=dict)  # (method, route, status, rest)
    buckets: dict[tuple[str, str, Rest], dict[float, float]] = field(default_factory=lambda: defaultdict(dict))
    counters: dict[str, float] = field(default_factory=dict)
    memory_bytes: float | None = None
@dataclass(frozen=True)
class Names:
    """The Prometheus names this source reads (``[metrics]`` keys)."""

    requests: str = "http_requests_total"
    duration: str = "http_request_duration_seconds"
    status: str = "status"
    route: str = "route"
    method: str = "method"
    cpu: str = "process_cpu_seconds_total"
    memory: str = "process_resident_memory_bytes"

    @classmethod
    def from_settings(cls, metrics: MetricsSection) -> Names:
        return cls(metrics.requests_metric, metrics.duration_metric, metrics.status_label, metrics.route_label,
                   metrics.method_label, metrics.cpu_metric, metrics.memory_metric)


EMBEDDING_METRIC = "embedding_jobs_total"


def parse_snapshot(text: str, names: Names, taken_at: float, *, skip_routes: Iterable[str] = ()) -> Snapshot:
    """Parse exposition text with prometheus_client's parser into a Snapshot.

    ``skip_routes`` are left out entirely: drillbook's own ``GET /metrics`` scrapes,
    which a stock instrumentation counts as traffic, are neither judged nor averaged in.
    """
    from prometheus_client.parser import text_string_to_metric_families

    snapshot, skipped = Snapshot(taken_at), frozenset(skip_routes)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.labels.get(names.route) not in skipped:
                _absorb(snapshot, sample.name, sample.labels, sample.value, names)
    return snapshot


def _absorb(snapshot: Snapshot, name: str, labels: dict[str, str], value: float, names: Names) -> None:
    key = (labels.get(names.method, ""), labels.get(names.route, ""))
    if name == names.requests:
        series = (*key, labels.get(names.status, ""), _rest(labels, names.method, names.route, names.status))
        snapshot.requests[series] = snapshot.requests.get(series, 0.0) + value
    elif name == f"{names.duration}_bucket":
        # A route split by status, app or instance has several histograms: each is kept, summed after differencing.
        snapshot.buckets[(*key, _rest(labels, names.method, names.route, "le"))][float(labels["le"])] = value
    elif name == names.cpu:
        snapshot.counters["cpu"] = value
    elif name == names.memory:
        snapshot.memory_bytes = value
    elif name == EMBEDDING_METRIC:
        snapshot.counters[f"embedding_{labels.get('outcome', '')}"] = value


def _rest(labels: Mapping[str, str], *known: str) -> Rest:
    """The labels that tell apart series of one route: status, app, instance and the like."""
    return tuple(sorted((k, v) for k, v in labels.items() if k not in known))


def diff_snapshots(old: Snapshot, new: Snapshot, *, source: str, memory_limit_mb: float | None) -> Reading:
    """The Reading for the interval between two scrapes."""
    histograms = _histogram_deltas(old, new)
    endpoints = _endpoint_readings(old, new, histograms)
    statuses = _status_deltas(old, new)
    wall = max(new.taken_at - old.taken_at, 1e-9)
    return Reading(
        start=old.taken_at, end=new.taken_at, source="scrape", query=source,
        requests=sum(statuses.values()),
        status_4xx=sum(v for s, v in statuses.items() if s.startswith("4")),
        status_5xx=sum(v for s, v in statuses.items() if s.startswith("5")),
        latency_buckets=merge_buckets(histograms.values()),  # every bound the target exposes, zeros included
        endpoints=endpoints,
        gauges=_gauges(old, new, wall, memory_limit_mb),
        embedding_jobs=int(_delta(old.counters, new.counters, "embedding_success")
                           + _delta(old.counters, new.counters, "embedding_failure")),
        embedding_failures=int(_delta(old.counters, new.counters, "embedding_failure")),
    )


def _status_deltas(old: Snapshot, new: Snapshot) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for series in new.requests:
        totals[series[2]] += int(_delta(old.requests, new.requests, series))
    return totals


def _endpoint_readings(old: Snapshot, new: Snapshot, histograms: Mapping[Key, dict[float, int]]
                       ) -> dict[str, EndpointReading]:
    counts: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
    for method, route, status, rest in new.requests:
        delta = int(_delta(old.requests, new.requests, (method, route, status, rest)))
        counts[(method, route)][0] += delta
        counts[(method, route)][1] += delta if status.startswith("5") else 0  # "503" and a class like "5xx"
    return {f"{key[0]} {key[1]}".strip(): EndpointReading(requests, errors, histograms.get(key, {}))
            for key, (requests, errors) in counts.items() if requests}


def _histogram_deltas(old: Snapshot, new: Snapshot) -> dict[Key, dict[float, int]]:
    """Each histogram series differenced on its own, then summed per endpoint, every bound kept."""
    per_key: dict[Key, list[dict[float, int]]] = defaultdict(list)
    for (method, route, rest), cumulative in new.buckets.items():
        per_key[(method, route)].append(_bucket_deltas(old.buckets.get((method, route, rest), {}), cumulative))
    return {key: merge_buckets(histograms) for key, histograms in per_key.items()}


def _bucket_deltas(old: Mapping[float, float], new: Mapping[float, float]) -> dict[float, int]:
    """Cumulative ``le`` buckets (seconds) -> per-bucket counts in ms for the interval, empty buckets included.

    An empty bucket is kept: it is the lower bound of the next one, and dropping it
    would move the interpolation down and turn a breach into a pass.
    """
    reset = any(new.get(le, 0.0) < value for le, value in old.items())
    cumulative = {le: new[le] - (0.0 if reset else old.get(le, 0.0)) for le in sorted(new)}
    result, below = {}, 0.0
    for le, count in cumulative.items():
        result[_ms(le)] = max(0, int(round(count - below)))
        below = max(below, count)
    return result


def _ms(le: float) -> float:
    """A bucket bound in seconds as milliseconds (+Inf stays +Inf)."""
    return le if math.isinf(le) else round(le * 1000, 6)


def _gauges(old: Snapshot, new: Snapshot, wall: float, memory_limit_mb: float | None) -> dict[str, tuple]:
    gauges: dict[str, tuple] = {}
    if "cpu" in new.counters and "cpu" in old.counters:
        gauges["cpu"] = (100.0 * _delta(old.counters, new.counters, "cpu") / wall,)
    if new.memory_bytes is not None and memory_limit_mb:
        gauges["memory"] = (100.0 * new.memory_bytes / (memory_limit_mb * 1024 * 1024),)
    return gauges


def _delta(old: Mapping, new: Mapping, key: Any) -> float:
    now, before = new.get(key, 0.0), old.get(key, 0.0)
    return now if now < before else now - before


class ScrapeSource:
    """Reads ``GET {base_url}{path}`` once per interval and differences it with the last scrape."""

    name = "scrape"

    def __init__(self, http: Any, path: str, names: Names, memory_limit_mb: float | None) -> None:
        self._http, self._path, self._names, self._memory_limit_mb = http, path, names, memory_limit_mb
        self._last = self._scrape()

    @classmethod
    def from_environment(cls, env: Any, *, http: Any = None, **_: Any) -> ScrapeSource:
        metrics = env.config.metrics
        if http is None:
            raise MetricsError("scrape: needs an HTTP client for the target")
        return cls(http, metrics.path, Names.from_settings(metrics), metrics.memory_limit_mb)

    def read(self, start: float, end: float) -> Reading:
        new = self._scrape()
        reading = diff_snapshots(self._last, new, source=self._url, memory_limit_mb=self._memory_limit_mb)
        self._last = new
        return reading

    def close(self) -> None:
        """Nothing to release: the HTTP client belongs to the caller."""

    @property
    def _url(self) -> str:
        return f"{self._http.base_url}{self._path}"

    def _scrape(self) -> Snapshot:
        try:
            response = self._http.get(self._path)
        except TargetError as exc:
            raise MetricsError(f"scrape: {self._url}: {exc}") from None
        if response.status_code != 200:
            raise MetricsError(f"scrape: {self._url} returned {response.status_code} -> expose Prometheus metrics there "
                               "or set [metrics] path / source")
        try:
            return parse_snapshot(response.text, self._names, time.time(), skip_routes=(self._path,))
        except ValueError as exc:
            raise MetricsError(f"scrape: {self._url} is not Prometheus text format ({exc})") from None
