"""The scrape source reads interval deltas from Prometheus text, never lifetime totals."""

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from drillbook.metrics.scrape import Names, diff_snapshots, parse_snapshot


class Target:
    """A real prometheus_client registry standing in for a target's /metrics."""

    def __init__(self, **names):
        self.registry = CollectorRegistry()
        self.requests = Counter(names.get("requests", "http_requests"), "requests",
                                ["method", "route", "status"], registry=self.registry)
        self.duration = Histogram(names.get("duration", "http_request_duration_seconds"), "latency",
                                  ["method", "route"], buckets=(0.1, 0.5, 1.0, 2.5), registry=self.registry)
        self.memory = Gauge("process_resident_memory_bytes", "rss", registry=self.registry)

    def serve(self, route, status, seconds, n=1):
        for _ in range(n):
            self.requests.labels("GET", route, str(status)).inc()
            self.duration.labels("GET", route).observe(seconds)

    def snapshot(self, at, names=Names()):
        return parse_snapshot(generate_latest(self.registry).decode(), names, at)


def test_interval_counts_are_deltas_not_totals():
    target = Target()
    target.serve("/health", 200, 0.05, n=500)
    before = target.snapshot(100.0)
    target.serve("/health", 200, 0.05, n=90)
    target.serve("/api/shards/{id}", 500, 0.3, n=10)
    reading = diff_snapshots(before, target.snapshot(160.0), source="test", memory_limit_mb=None)
    assert (reading.requests, reading.status_5xx, reading.status_4xx) == (100, 10, 0)
    assert reading.endpoints["GET /api/shards/{id}"].errors == 10
    assert reading.endpoints["GET /health"].requests == 90


def test_histogram_deltas_become_per_bucket_counts_in_ms():
    target = Target()
    target.serve("/x", 200, 0.05, n=7)
    before = target.snapshot(0.0)
    target.serve("/x", 200, 0.05, n=3)
    target.serve("/x", 200, 0.7, n=2)
    target.serve("/x", 200, 9.0, n=1)
    reading = diff_snapshots(before, target.snapshot(60.0), source="test", memory_limit_mb=None)
    assert reading.endpoints["GET /x"].latency_buckets == {100.0: 3, 1000.0: 2, float("inf"): 1}


def test_counter_reset_counts_from_zero():
    old = Target()
    old.serve("/x", 200, 0.05, n=1000)
    before = old.snapshot(0.0)
    restarted = Target()
    restarted.serve("/x", 500, 0.05, n=4)
    reading = diff_snapshots(before, restarted.snapshot(60.0), source="test", memory_limit_mb=None)
    assert (reading.requests, reading.status_5xx) == (4, 4)
    assert sum(reading.latency_buckets.values()) == 4


def test_custom_metric_names_are_honoured():
    target = Target(requests="api_calls", duration="api_latency_seconds")
    names = Names(requests="api_calls_total", duration="api_latency_seconds")
    before = target.snapshot(0.0, names)
    target.serve("/x", 503, 0.2, n=5)
    reading = diff_snapshots(before, target.snapshot(10.0, names), source="test", memory_limit_mb=None)
    assert (reading.requests, reading.status_5xx) == (5, 5)


def test_memory_is_a_percentage_of_the_configured_limit():
    target = Target()
    target.memory.set(512 * 1024 * 1024)
    reading = diff_snapshots(target.snapshot(0.0), target.snapshot(10.0), source="test", memory_limit_mb=1024)
    assert reading.gauges["memory"] == pytest.approx((50.0,))


def test_garbage_is_refused():
    with pytest.raises(ValueError):
        parse_snapshot("this is { not prometheus", Names(), 0.0)
