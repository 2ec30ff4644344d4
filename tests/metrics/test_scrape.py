"""The scrape source reads interval deltas from Prometheus text, never lifetime totals."""

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from drillbook.metrics.scrape import Names, diff_snapshots, parse_snapshot
from drillbook.rules import evaluate
from drillbook.runbook import threshold

PROMETHEUS_DEFAULT = Histogram.DEFAULT_BUCKETS  # 5 ms ... 10 s, what a stock prometheus_client histogram has
FASTAPI_COARSE = (0.1, 0.5, 1.0)  # a stock FastAPI instrumentation's http_request_duration_seconds


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
    assert reading.endpoints["GET /x"].latency_buckets == {100.0: 3, 500.0: 0, 1000.0: 2, 2500.0: 0, float("inf"): 1}


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


class Exporter:
    """A real registry shaped like common exporters: any buckets, extra histogram labels, status classes."""

    def __init__(self, buckets=PROMETHEUS_DEFAULT, split_by=(), status_classes=False):
        self.registry = CollectorRegistry()
        self.split_by, self.status_classes = split_by, status_classes
        self.requests = Counter("http_requests", "requests", ["method", "route", "status", *split_by],
                                registry=self.registry)
        self.duration = Histogram("http_request_duration_seconds", "latency", ["method", "route", *split_by],
                                  buckets=buckets, registry=self.registry)

    def serve(self, route, seconds, n=1, status=200, **extra):
        code = f"{str(status)[0]}xx" if self.status_classes else str(status)
        labels = {"status": code, "instance": "a", "app": "api", **extra}
        for _ in range(n):
            self.requests.labels("GET", route, code, *(labels[k] for k in self.split_by)).inc()
            self.duration.labels("GET", route, *(labels[k] for k in self.split_by)).observe(seconds)

    def text(self):
        return generate_latest(self.registry).decode()


def read(exporter, before_text, **options):
    """The reading between the exposition ``before_text`` and now."""
    before = parse_snapshot(before_text, Names(), 0.0, **options)
    return diff_snapshots(before, parse_snapshot(exporter.text(), Names(), 60.0, **options), source="test",
                          memory_limit_mb=None)


def p95_verdict(reading, endpoint=None):
    rule = threshold("api_p95").to_rule(window_s=60)
    return evaluate(rule, [reading.sample_for(threshold("api_p95"), endpoint=endpoint)], run_start=0)


def test_an_interval_keeps_every_bound_the_target_exposes_even_when_all_are_empty():
    exporter = Exporter(buckets=FASTAPI_COARSE)
    exporter.serve("/x", 0.05, n=5)
    reading = read(exporter, exporter.text())
    assert reading.latency_buckets == {100.0: 0, 500.0: 0, 1000.0: 0, float("inf"): 0}


def test_six_percent_at_1200_ms_on_prometheus_default_buckets_fails_p95():
    exporter = Exporter()
    before = exporter.text()
    exporter.serve("/api/shards", 0.02, n=94)
    exporter.serve("/api/shards", 1.2, n=6)
    reading = read(exporter, before)
    assert reading.endpoints["GET /api/shards"].latency_buckets[750.0] == 0  # the empty bucket below stays
    verdict = p95_verdict(reading)
    first = verdict.first_breach
    assert (verdict.status, first.value, first.bucket) == ("fail", 1250.0, (1000.0, 2500.0))


def test_ten_percent_beyond_the_top_bucket_is_above_it_not_at_it():
    exporter = Exporter(buckets=FASTAPI_COARSE)
    before = exporter.text()
    exporter.serve("/api/shards", 0.02, n=90)
    exporter.serve("/api/shards", 1.5, n=10)
    verdict = p95_verdict(read(exporter, before))
    assert verdict.status == "fail"
    assert verdict.describe().startswith("api_p95 > 1000 ms (rank in +Inf bucket above 1000 ms), breach > 1000 ms,")


@pytest.mark.parametrize("split_by", [("status",), ("app",), ("instance",), ("status", "instance")])
def test_histograms_split_by_another_label_are_summed_not_overwritten(split_by):
    exporter = Exporter(split_by=split_by)
    before = exporter.text()
    exporter.serve("/api/shards", 1.2, n=6, status=200, instance="a", app="api")
    exporter.serve("/api/shards", 0.02, n=60, status=200, instance="b", app="worker")
    exporter.serve("/api/shards", 0.02, n=34, status=503, instance="c", app="admin")  # parsed last
    reading = read(exporter, before)
    shards = reading.endpoints["GET /api/shards"]
    assert (shards.requests, shards.errors, sum(shards.latency_buckets.values())) == (100, 34, 100)
    assert shards.latency_buckets[2500.0] == 6
    assert p95_verdict(reading, "GET /api/shards").status == "fail"


def test_status_classes_count_as_errors_and_client_errors():
    exporter = Exporter(split_by=("status",), status_classes=True)
    before = exporter.text()
    exporter.serve("/api/shards", 0.02, n=90, status=200)
    exporter.serve("/api/shards", 0.02, n=7, status=503)
    exporter.serve("/api/shards", 0.02, n=3, status=404)
    reading = read(exporter, before)
    assert (reading.requests, reading.status_5xx, reading.status_4xx) == (100, 7, 3)
    assert reading.endpoints["GET /api/shards"].errors == 7


def test_a_restart_of_one_instance_does_not_hide_the_others_traffic():
    exporter, restarted = Exporter(split_by=("instance",)), Exporter(split_by=("instance",))
    exporter.serve("/x", 0.02, n=1000, instance="a")
    exporter.serve("/x", 0.02, n=10, instance="b")
    before = exporter.text()
    restarted.serve("/x", 0.02, n=5, instance="a")  # a restarted: its counter starts again from zero
    restarted.serve("/x", 0.02, n=30, instance="b")
    reading = diff_snapshots(parse_snapshot(before, Names(), 0.0), parse_snapshot(restarted.text(), Names(), 60.0),
                             source="test", memory_limit_mb=None)
    assert reading.requests == 5 + 20
    assert sum(reading.latency_buckets.values()) == 5 + 20


def test_the_scrape_route_is_never_an_endpoint_and_never_dilutes_the_api():
    exporter = Exporter()
    before = exporter.text()
    exporter.serve("/api/shards", 0.02, n=94)
    exporter.serve("/api/shards", 1.2, n=6)
    exporter.serve("/metrics", 0.001, n=200)  # a stock instrumentation counts drillbook's own scrapes
    reading = read(exporter, before, skip_routes=("/metrics",))
    assert "GET /metrics" not in reading.endpoints
    assert reading.requests == sum(reading.latency_buckets.values()) == 100
    assert p95_verdict(reading).status == "fail"
