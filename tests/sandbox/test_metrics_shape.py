"""/metrics can be shaped like other real exporters, token-protected, and reset() restores the sandbox's own."""

import time

import httpx
from prometheus_client.parser import text_string_to_metric_families


def samples(api, name: str) -> list:
    """Every sample called ``name`` in one scrape."""
    return [s for f in text_string_to_metric_families(api.get("/metrics").text) for s in f.samples if s.name == name]


def bounds(api) -> set[str]:
    return {s.labels["le"] for s in samples(api, "http_request_duration_seconds_bucket")}


def test_the_shape_control_requires_the_token(sandbox):
    response = httpx.post(f"{sandbox.url}/_sandbox/metrics-shape", json={"buckets": "fastapi"}, timeout=5)
    assert response.status_code == 401


def test_fastapi_coarse_buckets_until_reset(api, faults):
    shape = faults.metrics_shape(buckets="fastapi")
    assert shape["buckets"] == [0.1, 0.5, 1.0]
    api.get("/health")
    assert bounds(api) == {"0.1", "0.5", "1.0", "+Inf"}
    faults.reset()
    api.get("/health")
    assert {"0.75", "1.5", "2.5"} <= bounds(api)


def test_prometheus_default_and_custom_bounds(api, faults):
    faults.metrics_shape(buckets="prometheus")
    api.get("/health")
    assert {"0.005", "0.075", "1.0", "2.5", "7.5", "10.0", "+Inf"} <= bounds(api)
    faults.metrics_shape(bucket_bounds=[0.2, 0.05])
    api.get("/health")
    assert bounds(api) == {"0.05", "0.2", "+Inf"}


def test_histograms_split_by_status_class(api, faults):
    faults.metrics_shape(split_by_status=True, status_classes=True)
    api.get("/api/shards/missing")
    api.get("/health")
    statuses = {s.labels.get("status") for s in samples(api, "http_request_duration_seconds_bucket")}
    assert statuses == {"2xx", "4xx"}
    assert {s.labels["status"] for s in samples(api, "http_requests_total")} == {"2xx", "4xx"}


def test_scrapes_counted_as_traffic_when_asked(api, faults):
    faults.metrics_shape(count_scrapes=True)
    api.get("/metrics")
    routes = {s.labels["route"] for s in samples(api, "http_requests_total")}
    assert "/metrics" in routes


def test_latency_rate_slows_an_exact_share_of_requests(api, faults):
    faults.inject("/health/live", latency_ms=300, latency_rate=0.25)
    slow = 0
    for _ in range(8):
        started = time.monotonic()
        api.get("/health/live")
        slow += time.monotonic() - started >= 0.3
    assert slow == 2
