"""What every metrics source returns: one ``Reading`` per collection interval.

A reading holds counts for the interval (deltas, never lifetime totals), the
latency histogram of the interval's requests, per-endpoint figures and gauge
points. ``sample_for(threshold)`` turns it into the verdict engine's Sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Mapping, Protocol

if TYPE_CHECKING:
    from drillbook.rules import Sample
    from drillbook.runbook import Threshold

GAUGES = ("cpu", "memory", "cosmos_ru", "redis_memory", "servicebus_queue")


@dataclass(frozen=True)
class EndpointReading:
    """Requests and latency of one endpoint (``"GET /api/shards/{id}"``) in the interval."""

    requests: int = 0
    errors: int = 0
    latency_buckets: Mapping[float, int] = field(default_factory=dict)  # upper bound in ms -> count (not cumulative)
    durations_ms: tuple[float, ...] = ()


@dataclass(frozen=True)
class Reading:
    """One interval ``[start, end)`` (epoch seconds) as measured by ``source`` through ``query``."""

    start: float
    end: float
    source: str
    query: str = ""
    requests: int = 0
    status_4xx: int = 0
    status_5xx: int = 0
    latency_buckets: Mapping[float, int] = field(default_factory=dict)
    durations_ms: tuple[float, ...] = ()
    endpoints: Mapping[str, EndpointReading] = field(default_factory=dict)
    gauges: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    embedding_jobs: int = 0
    embedding_failures: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    notes: tuple[str, ...] = field(default=())

    def sample_for(self, threshold: Threshold, endpoint: str | None = None) -> Sample:
        """The verdict engine's view of this interval for one threshold."""
        from drillbook.rules import Sample

        if threshold.kind == "gauge":
            return Sample(at=self.end, points=tuple(self.gauges.get(threshold.key, ())))
        count, hits = _rate_terms(self, threshold.key)
        if endpoint is not None:
            ep = self.endpoints.get(endpoint, EndpointReading())
            return Sample(at=self.end, count=ep.requests, hits=ep.errors, buckets=ep.latency_buckets,
                          durations=ep.durations_ms)
        return Sample(at=self.end, count=count, hits=hits, buckets=self.latency_buckets,
                      durations=self.durations_ms)


def _rate_terms(reading: Reading, key: str) -> tuple[int, int]:
    if key == "embedding_failures":
        return reading.embedding_jobs, reading.embedding_failures
    if key == "cache_hit_rate":
        return reading.cache_hits + reading.cache_misses, reading.cache_hits
    return reading.requests, reading.status_5xx


class MetricsSource(Protocol):
    """A source of readings; ``read`` covers one interval and must return within ``timeout``."""

    name: str

    def read(self, start: float, end: float) -> Reading: ...

    def close(self) -> None: ...
