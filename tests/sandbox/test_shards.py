"""The domain API round-trips through Cosmos and reads through the Redis cache."""

import redis


def test_create_read_update_delete_round_trips_through_cosmos(api):
    created = api.post("/api/shards", json={"tenantId": "tenant-crud", "name": "first", "tags": ["a"]})
    assert created.status_code == 201
    shard = created.json()
    assert shard["id"] and shard["tenantId"] == "tenant-crud" and shard["tags"] == ["a"]

    updated = api.put(f"/api/shards/{shard['id']}", json={"tenantId": "tenant-crud", "name": "second"})
    assert updated.status_code == 200 and updated.json()["name"] == "second"
    listed = api.get("/api/shards", params={"tenantId": "tenant-crud"}).json()
    assert [item["name"] for item in listed["items"]] == ["second"] and listed["count"] == 1

    assert api.delete(f"/api/shards/{shard['id']}").status_code == 204
    assert api.get(f"/api/shards/{shard['id']}").status_code == 404


def test_second_read_is_a_cache_hit_stored_with_a_ttl(api, shard, sandbox):
    first = api.get(f"/api/shards/{shard['id']}")
    second = api.get(f"/api/shards/{shard['id']}")
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert second.json() == first.json() == shard
    ttl = redis.Redis.from_url(sandbox.redis_url, socket_timeout=2).ttl(f"shard_cache:{shard['id']}")
    assert 0 < ttl <= 300


def test_update_and_delete_invalidate_the_cache(api, shard):
    api.get(f"/api/shards/{shard['id']}")
    api.put(f"/api/shards/{shard['id']}", json={"tenantId": "tenant-a", "name": "renamed"})
    reread = api.get(f"/api/shards/{shard['id']}")
    assert reread.headers["X-Cache"] == "miss" and reread.json()["name"] == "renamed"


def test_missing_shard_is_a_json_404(api):
    for response in (api.get("/api/shards/nope"), api.delete("/api/shards/nope"),
                     api.put("/api/shards/nope", json={"tenantId": "t", "name": "n"})):
        assert response.status_code == 404
        assert response.json()["error"] == "shard not found"


def test_bad_bodies_are_json_400_or_422_without_a_trace(api):
    not_json = api.post("/api/shards", content=b"{oops", headers={"content-type": "application/json"})
    missing = api.post("/api/shards", json={"name": "no tenant"})
    wrong_type = api.post("/api/shards", json={"tenantId": 7, "name": "n"})
    assert not_json.status_code == 400 and "not valid JSON" in not_json.json()["error"]
    assert missing.status_code == 422 and "body.tenantId: required" in missing.json()["details"]
    assert wrong_type.status_code == 422
    too_big = api.post("/api/shards", content=b"x" * 1_000_001)
    assert too_big.status_code == 413 and too_big.json()["error"] == "request body is too large"
    assert all("Traceback" not in r.text for r in (not_json, missing, wrong_type, too_big))


def test_list_requires_a_tenant(api):
    response = api.get("/api/shards")
    assert response.status_code == 422 and "tenantId" in response.json()["error"]


def test_tenant_cannot_change_on_update(api, shard):
    response = api.put(f"/api/shards/{shard['id']}", json={"tenantId": "someone-else", "name": "n"})
    assert response.status_code == 409
