"""Dependency outages are real: stopped or paused processes, seen by /health/ready within a second."""

import time


def ready(api) -> tuple[int, dict]:
    response = api.get("/health/ready")
    return response.status_code, response.json()["dependencies"]


def test_ready_reports_each_dependency_up(api):
    status, deps = ready(api)
    assert status == 200
    assert {name: d["status"] for name, d in deps.items()} == {"redis": "up", "cosmos": "up", "embedding_queue": "up"}


def test_stopped_redis_fails_ready_not_live_and_start_recovers(api, faults):
    assert faults.dependency("redis", "stop")["state"] == "stopped"
    status, deps = ready(api)
    assert status == 503 and deps["redis"]["status"] == "down" and "Connection" in deps["redis"]["error"]
    assert api.get("/health/live").status_code == 200
    assert faults.dependency("redis", "start")["state"] == "running"
    assert ready(api)[0] == 200


def test_paused_redis_reads_down_within_a_second(api, faults):
    faults.dependency("redis", "pause")
    started = time.monotonic()
    status, deps = ready(api)
    assert status == 503 and deps["redis"]["status"] == "down"
    assert time.monotonic() - started < 1.5
    faults.dependency("redis", "resume")
    assert ready(api)[0] == 200


def test_cached_reads_survive_a_redis_outage(api, faults, shard):
    faults.dependency("redis", "stop")
    response = api.get(f"/api/shards/{shard['id']}")
    assert response.status_code == 200 and response.headers["X-Cache"] == "miss"


def test_stopped_cosmos_gives_503_and_reset_brings_it_back(api, faults):
    faults.dependency("cosmos", "stop")
    response = api.post("/api/shards", json={"tenantId": "t", "name": "n"})
    assert response.status_code == 503 and response.json()["error"] == "database unavailable"
    assert ready(api)[1]["cosmos"]["status"] == "down"
    assert faults.reset()["dependencies"] == {"redis": "running", "cosmos": "running"}
    assert api.post("/api/shards", json={"tenantId": "t", "name": "n"}).status_code == 201
