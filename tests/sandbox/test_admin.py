"""Admin endpoints: bearer auth, cache stats from Redis, SCAN-based clear, slow endpoints, recent errors."""

import time

import pytest
import redis

import waiting

ADMIN_ROUTES = [("GET", "/api/admin/cache/stats"), ("POST", "/api/admin/cache/clear"),
                ("GET", "/api/admin/performance/slow"), ("GET", "/api/admin/errors")]


@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
def test_admin_routes_refuse_missing_and_wrong_tokens(api, method, path):
    assert api.request(method, path).status_code == 401
    assert api.request(method, path, headers={"Authorization": "Bearer wrong"}).status_code == 403


def test_cache_stats_report_hits_memory_and_policy(api, admin, shard):
    api.get(f"/api/shards/{shard['id']}")
    api.get(f"/api/shards/{shard['id']}")
    stats = api.get("/api/admin/cache/stats", headers=admin).json()
    assert stats["hits"] >= 1 and stats["misses"] >= 1 and 0 < stats["hit_rate"] < 1
    assert stats["maxmemory_bytes"] == 64 * 1024 * 1024 and stats["maxmemory_policy"] == "allkeys-lru"
    assert 0 < stats["used_memory_pct"] < 100 and stats["keys"] >= 1


def test_cache_clear_removes_only_matching_keys(api, admin, sandbox):
    client = redis.Redis.from_url(sandbox.redis_url, socket_timeout=2)
    # a prefix no shard id has: the session's cached shards (hex ids) must not match the pattern too
    client.mset({"shard_cache:clear-test-1": "1", "shard_cache:clear-test-2": "2", "other:keep": "3"})
    response = api.post("/api/admin/cache/clear", json={"pattern": "shard_cache:clear-test-*"}, headers=admin)
    assert response.json() == {"pattern": "shard_cache:clear-test-*", "deleted": 2}
    assert client.exists("shard_cache:clear-test-1", "shard_cache:clear-test-2") == 0
    assert client.get("other:keep") == b"3"


def test_slow_endpoints_list_routes_over_500_ms(api, admin, faults):
    # HEAD, which no drill sends: a session's many fast GETs of /health/live would outvote one slow request
    faults.inject("/health/live", latency_ms=600)
    api.head("/health/live")
    slow = api.get("/api/admin/performance/slow", headers=admin).json()
    assert slow["threshold_ms"] == 500
    live = [e for e in slow["endpoints"] if e["route"] == "/health/live" and e["method"] == "HEAD"]
    assert live and live[0]["p95_ms"] >= 600


def test_recent_errors_count_server_errors_by_type_and_operation_within_the_window(api, admin, faults):
    window_s = 5  # holds the three errors below, however slowly a busy machine sends them
    faults.inject("/api/embeddings/stats", status=502)
    # the session's earlier errors have left the window: waited on, not a fixed sleep that a busy machine outruns
    assert waiting.wait_for(lambda: recent_errors(api, admin, window_s)["by_type"] == [], timeout=window_s + 30)
    started = time.monotonic()
    for _ in range(3):
        assert api.get("/api/embeddings/stats").status_code == 502
    recent = recent_errors(api, admin, window_s)
    assert time.monotonic() - started < window_s, "too slow to tell the window apart: rerun on a calmer machine"
    assert recent["window_s"] == window_s and recent["by_type"] == [{"type": "InjectedFault", "count": 3}]
    assert recent["failing_operations"] == [{"operation": "GET /api/embeddings/stats", "status": 502, "count": 3}]
    time.sleep(1.5)  # the errors' age is what this part tests: older than the 1 s window asked for next
    later = recent_errors(api, admin, 1)
    assert not [op for op in later["failing_operations"] if op["operation"] == "GET /api/embeddings/stats"]
    assert api.get("/api/admin/errors", params={"since_s": 0}, headers=admin).status_code == 422


def recent_errors(api, admin, since_s: int) -> dict:
    return api.get("/api/admin/errors", params={"since_s": since_s}, headers=admin).json()


def test_recent_errors_name_the_dependency_and_count_failed_cosmos_calls(api, admin, faults):
    faults.dependency("cosmos", "stop")
    try:
        assert api.post("/api/shards", json={"tenantId": "tenant-errors", "name": "x"}).status_code == 503
        recent = api.get("/api/admin/errors", params={"since_s": 60}, headers=admin).json()
    finally:
        faults.dependency("cosmos", "start")
    assert [t for t in recent["by_type"] if t["type"].endswith("Error (database unavailable)")]
    assert recent["cosmos"]["failed_calls"] >= 1 and recent["cosmos"]["throttled_429"] == 0
