"""The runbook's key metrics that have no threshold: p50, p99, 4xx and 5xx per minute, requests per second.

>>> figures = Figures.of([reading], seconds=60)
>>> figures.describe()
'p50 42 ms, p99 480 ms, 4xx 3/min, 5xx 1/min, 19.2 rps'

On-call reads these beside the verdicts; the watch shows them every interval
and records them for the whole watch. Percentiles come from the verdict
engine, so they pool every request exactly as the p95 rule does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from drillbook.metrics.reading import Reading
from drillbook.rules import Rule, Sample, aggregate

QUANTILES = {"p50": 0.5, "p99": 0.99}


@dataclass(frozen=True)
class Figures:
    """Requests and latency over ``seconds`` of traffic."""

    seconds: float
    requests: int
    status_4xx: int
    status_5xx: int
    p50_ms: float | None
    p99_ms: float | None

    @classmethod
    def of(cls, readings: Sequence[Reading], seconds: float) -> Figures:
        """Pool the readings: counts are summed, percentiles taken over all their requests."""
        samples = [Sample(r.end, buckets=r.latency_buckets, durations=r.durations_ms) for r in readings]
        p50, p99 = (_percentile(name, q, samples) for name, q in QUANTILES.items())
        return cls(max(seconds, 1e-9), sum(r.requests for r in readings), sum(r.status_4xx for r in readings),
                   sum(r.status_5xx for r in readings), p50, p99)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def per_minute(self, count: int) -> float:
        return 60.0 * count / self.seconds

    def describe(self) -> str:
        return (f"p50 {_ms(self.p50_ms)}, p99 {_ms(self.p99_ms)}, 4xx {_num(self.per_minute(self.status_4xx))}/min, "
                f"5xx {_num(self.per_minute(self.status_5xx))}/min, {_num(self.rps)} rps")

    def as_record(self) -> dict:
        return {"seconds": round(self.seconds, 3), "requests": self.requests, "p50_ms": self.p50_ms,
                "p99_ms": self.p99_ms, "status_4xx_per_min": round(self.per_minute(self.status_4xx), 3),
                "status_5xx_per_min": round(self.per_minute(self.status_5xx), 3), "rps": round(self.rps, 3)}


def span_of(reading: Reading, fallback_s: float) -> float:
    """The seconds a reading covers (a scrape after a gap covers the gap too)."""
    span = reading.end - reading.start
    return span if span > 0 else fallback_s


def _percentile(name: str, q: float, samples: list[Sample]) -> float | None:
    rule = Rule(name, "percentile", ">", 0.0, window_s=1.0, quantile=q, unit="ms")
    return aggregate(rule, samples)


def _ms(value: float | None) -> str:
    return "no data" if value is None else f"{_num(value)} ms"


def _num(value: float) -> str:
    """Three significant digits, never an exponent: 0.5, 42, 1240."""
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"
