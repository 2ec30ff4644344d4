"""Critical user flows after a deploy: the drill tenant's shards read back, a shard round trip, and the admin surface.

The read-only flow runs on every tier, production included; the round trip writes, so it is destructive.
"""

import pytest

from drillbook.components.check import call, expect_status, fail, json_body, source_of

pytestmark = pytest.mark.smoke


@pytest.mark.runbook("critical-flows")
def test_drill_tenant_shards_list_and_read(http, drill_tenant):
    listed = call(http, "GET", "/api/shards", params={"tenantId": drill_tenant}, section="critical-flows")
    expect_status(listed, 200, section="critical-flows")
    items = json_body(listed, section="critical-flows").get("items") or []
    if not items:
        fail("critical-flows", f"GET /api/shards lists no shard of the drill tenant {drill_tenant!r} -> if the "
             "data is intact, seed the tenant once ([smoke] drill_tenant; see docs/targets.md \"The drill "
             "tenant\")", source=source_of(listed))
    shard = items[0]
    fetched = call(http, "GET", f"/api/shards/{shard.get('id')}", params={"tenantId": drill_tenant},
                   section="critical-flows")
    expect_status(fetched, 200, section="critical-flows")
    body = json_body(fetched, section="critical-flows")
    changed = [key for key in ("id", "tenantId", "name", "content") if body.get(key) != shard.get(key)]
    if changed:
        fail("critical-flows", f"GET /api/shards/{shard.get('id')} differs from its listing in "
             f"{', '.join(changed)}", source=source_of(fetched))


@pytest.mark.destructive
@pytest.mark.runbook("critical-flows")
def test_shard_round_trip(http, drill_writes):
    tenant = drill_writes.tenant  # drillbook-drill-<run id>: the POST is ledgered, and what it leaves is removed
    shard = {"tenantId": tenant, "name": "drillbook smoke shard", "content": "round trip"}
    created = call(http, "POST", "/api/shards", json=shard, section="critical-flows")
    expect_status(created, (200, 201), section="critical-flows")
    shard_id = json_body(created, section="critical-flows").get("id")
    try:
        fetched = call(http, "GET", f"/api/shards/{shard_id}", params={"tenantId": tenant}, section="critical-flows")
        expect_status(fetched, 200, section="critical-flows")
        body = json_body(fetched, section="critical-flows")
        if body.get("content") != shard["content"]:
            fail("critical-flows", f"GET /api/shards/{shard_id} returned content {body.get('content')!r} "
                 f"(expected {shard['content']!r})", source=source_of(fetched))
    finally:
        deleted = call(http, "DELETE", f"/api/shards/{shard_id}", params={"tenantId": tenant}, section="critical-flows")
    expect_status(deleted, (200, 204), section="critical-flows")


@pytest.mark.runbook("cache-issues")
def test_admin_cache_stats_answer_with_token(admin_http):
    response = call(admin_http, "GET", "/api/admin/cache/stats", section="cache-issues")
    expect_status(response, 200, section="cache-issues")
    body = json_body(response, section="cache-issues")
    missing = [key for key in ("hits", "misses") if key not in body]
    if missing:
        fail("cache-issues", f"GET /api/admin/cache/stats lacks {', '.join(missing)}", source=source_of(response))


@pytest.mark.runbook("admin-security")
def test_admin_cache_stats_refused_without_token(http):
    response = call(http, "GET", "/api/admin/cache/stats", section="admin-security")
    if response.status_code not in (401, 403):
        fail("admin-security", f"GET /api/admin/cache/stats without a token returned {response.status_code} "
             "(expected 401 or 403)", source=source_of(response))
