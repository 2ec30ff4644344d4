"""/metrics parses as Prometheus text and counts public requests by route template and status."""

from prometheus_client.parser import text_string_to_metric_families


def scrape(api) -> dict:
    return {family.name: family for family in text_string_to_metric_families(api.get("/metrics").text)}


def request_count(families: dict, **labels) -> float:
    return sum(s.value for s in families["http_requests"].samples
               if s.name == "http_requests_total" and all(s.labels.get(k) == v for k, v in labels.items()))


def test_requests_are_counted_by_route_template_and_status(api):
    before = scrape(api)
    api.get("/api/shards/missing-1")
    api.get("/api/shards/missing-2")
    api.get("/health/live")
    after = scrape(api)
    route = {"method": "GET", "route": "/api/shards/{id}", "status": "404"}
    assert request_count(after, **route) - request_count(before, **route) == 2
    live = {"route": "/health/live", "status": "200"}
    assert request_count(after, **live) - request_count(before, **live) == 1


def test_scrapes_and_fault_control_are_not_counted(api, faults):
    faults.faults()
    families = scrape(api)
    routes = {s.labels["route"] for s in families["http_requests"].samples if "route" in s.labels}
    assert not any(r == "/metrics" or r.startswith("/_sandbox") for r in routes)


def test_exposition_has_the_runbook_metrics(api):
    api.get("/health")
    families = scrape(api)
    for name in ("http_request_duration_seconds", "process_cpu_seconds", "process_resident_memory_bytes",
                 "embedding_jobs", "embedding_queue_depth"):
        assert name in families, name
    buckets = {s.labels["le"] for s in families["http_request_duration_seconds"].samples if "le" in s.labels}
    assert {"0.005", "0.5", "1.0", "1.5", "2.5", "10.0"} <= buckets
    outcomes = {s.labels["outcome"] for s in families["embedding_jobs"].samples}
    assert outcomes == {"success", "failure"}
