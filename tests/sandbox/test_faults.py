"""Each fault kind does what a drill needs, the control is token-protected, and faults expire."""

import concurrent.futures
import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from sandbox.runner import SandboxError


def test_fault_control_requires_the_token(sandbox):
    for headers in ({}, {"X-Fault-Token": "wrong"}):
        response = httpx.get(f"{sandbox.url}/_sandbox/faults", headers=headers, timeout=5)
        assert response.status_code == 401


def test_status_fault_answers_503_with_a_json_error(api, faults):
    faults.inject("/health", status=503)
    response = api.get("/health")
    assert response.status_code == 503 and "injected" in response.json()["details"][0]
    assert api.get("/health/live").status_code == 200  # other routes are untouched


def test_body_fault_makes_health_200_but_unhealthy(api, faults):
    faults.inject("/health", status=200, body={"status": "unhealthy"})
    response = api.get("/health")
    assert response.status_code == 200 and response.json() == {"status": "unhealthy"}


def test_latency_fault_delays_the_real_answer(api, faults):
    faults.inject("/api/shards/{id}", latency_ms=300)
    started = time.monotonic()
    response = api.get("/api/shards/whatever")
    assert time.monotonic() - started >= 0.3 and response.status_code == 404


def test_hang_lasts_until_the_fault_expires(api, faults):
    faults.inject("/health", hang=True, ttl_s=1)
    started = time.monotonic()
    response = api.get("/health", timeout=30)
    assert 0.9 <= time.monotonic() - started < 20 and response.status_code == 200  # not a hang that outlives its fault


def client_gone_count(api) -> float:
    families = text_string_to_metric_families(api.get("/metrics").text)
    return sum(s.value for f in families for s in f.samples if s.name == "http_requests_total"
               and s.labels["route"] == "/health" and s.labels["status"] == "499")


def test_hang_times_out_a_client_and_ends_when_it_disconnects(api, faults, sandbox):
    faults.inject("/health", hang=True, ttl_s=60)
    before = client_gone_count(api)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{sandbox.url}/health", timeout=0.3)  # a one-off client: its socket closes here
    deadline = time.monotonic() + 30
    while client_gone_count(api) == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client_gone_count(api) == before + 1


def test_clearing_faults_releases_a_hang(sandbox, faults):
    faults.inject("/health", hang=True, ttl_s=60)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pending = pool.submit(httpx.get, f"{sandbox.url}/health", timeout=30)
        time.sleep(0.2)
        faults.clear()
        assert pending.result().status_code == 200


def test_error_rate_fails_exactly_one_request_in_ten(api, faults):
    faults.inject("/health/live", status=500, error_rate=0.1)
    codes = [api.get("/health/live").status_code for _ in range(20)]
    assert codes.count(500) == 2 and codes[9] == codes[19] == 500


def test_wildcard_matches_public_routes_but_not_the_control(api, faults):
    faults.inject("*", status=502)
    assert api.get("/health/live").status_code == 502
    assert api.get("/api/shards", params={"tenantId": "t"}).status_code == 502
    assert api.get("/metrics").status_code == 200
    assert len(faults.faults()) == 1


def test_metrics_fail_only_when_named(api, faults):
    faults.inject("/metrics", status=503)
    assert api.get("/metrics").status_code == 503


def test_faults_expire_and_can_be_removed_one_by_one(api, faults):
    short = faults.inject("/health", status=503, ttl_s=0.2)
    kept = faults.inject("/health/live", status=503)
    assert set(short) == {"id", "expires_at"}
    time.sleep(0.3)
    assert [f["id"] for f in faults.faults()] == [kept["id"]]
    faults.remove(kept["id"])
    assert faults.faults() == [] and api.get("/health/live").status_code == 200


def test_invalid_fault_is_refused_with_the_reason(sandbox):
    response = httpx.post(f"{sandbox.url}/_sandbox/faults", json={"route": "/health", "ttl_s": 99999},
                          headers={"X-Fault-Token": sandbox.fault_token}, timeout=5)
    assert response.status_code == 422 and "body.ttl_s: above the maximum 3600" in response.json()["details"]


def test_a_hidden_dependency_leaves_the_ready_map_until_reset(api, faults):
    assert faults.hide_dependency("cosmos") == {"hidden": ["cosmos"]}
    response = api.get("/health/ready")
    assert response.status_code == 200 and sorted(response.json()["dependencies"]) == ["embedding_queue", "redis"]
    faults.reset()
    assert sorted(api.get("/health/ready").json()["dependencies"]) == ["cosmos", "embedding_queue", "redis"]


def test_hiding_an_unknown_dependency_is_refused(sandbox, faults):
    with pytest.raises(SandboxError, match="422.*use one of: redis, cosmos, embedding_queue"):
        faults.hide_dependency("search")
