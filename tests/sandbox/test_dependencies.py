"""Dependency outages are real: stopped or paused processes, seen by /health/ready within a second."""

import os
import signal
import subprocess
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
    assert time.monotonic() - started < 5  # the probe gives up after 1 s; the margin is for a busy machine
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


def test_the_drill_tenant_outlives_a_cosmos_restart(api, faults):
    """The Cosmos server keeps data in memory; the read-only smoke flow's tenant must not vanish with it."""
    faults.dependency("cosmos", "stop")
    faults.dependency("cosmos", "start")
    listed = api.get("/api/shards", params={"tenantId": "drillbook-drill"}).json()
    assert len(listed["items"] if isinstance(listed, dict) else listed) == 3


def test_a_dependency_that_dies_on_its_own_is_named_and_reset_starts_it(api, faults, sandbox):
    found = subprocess.run(["pgrep", "-P", str(sandbox.pid), "redis-server"], capture_output=True, text=True)
    os.kill(int(found.stdout.split()[0]), signal.SIGKILL)  # a crash, not a drill's stop
    deadline = time.monotonic() + 30  # refused first, maybe: the socket closes a moment before the exit is seen
    while "exited" not in (status := ready(api))[1]["redis"].get("error", "") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert status[0] == 503 and status[1]["redis"]["error"].startswith("RuntimeError: redis exited on its own with code -9")
    assert "redis exited on its own with code -9" in sandbox.log_path.read_text()
    assert faults.reset()["dependencies"]["redis"] == "running"
    assert ready(api)[0] == 200


def test_a_redis_restart_drops_idle_sockets_but_leaves_one_in_use_to_its_thread(faults, sandbox):
    """Closing the worker's socket under its BRPOP made redis-py raise ValueError, which killed the worker."""
    from sandbox.stores import Stores

    info = faults.info()
    stores = Stores(sandbox.redis_url, info["cosmos_url"], info["cosmos_key"])
    try:
        pool = stores.queue.connection_pool
        idle, busy = pool.get_connection(), pool.get_connection()
        for connection in (idle, busy):
            connection.connect()
        pool.release(idle)
        stores.drop_redis_connections()
        assert idle._sock is None and busy._sock is not None
        pool.release(busy)
    finally:
        stores.close()
