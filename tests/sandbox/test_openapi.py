"""/openapi.json documents every public route, and real answers match the documented schemas."""

import pytest

from sandbox.schemas import validate

PUBLIC_ROUTES = {"/health", "/health/ready", "/health/live", "/api/shards", "/api/shards/{id}",
                 "/api/admin/cache/stats", "/api/admin/cache/clear", "/api/admin/performance/slow",
                 "/api/admin/errors", "/api/embeddings/jobs", "/api/embeddings/stats", "/metrics", "/openapi.json"}


@pytest.fixture(scope="module")
def document(sandbox):
    import httpx

    return httpx.get(f"{sandbox.url}/openapi.json", timeout=5).json()


def documented_schema(document, path, method, status):
    response = document["paths"][path][method]["responses"][str(status)]
    return response["content"]["application/json"]["schema"]


def test_every_public_route_is_documented_and_no_control_route(document):
    assert document["openapi"].startswith("3.1") and document["info"]["version"] == "1.4.2"
    assert set(document["paths"]) == PUBLIC_ROUTES


def test_documented_routes_match_the_app():
    from sandbox import admin, health, jobs, openapi, shards

    served = {r.path for module in (health, shards, admin, jobs, openapi) for r in module.ROUTES}
    assert served | {"/metrics"} == PUBLIC_ROUTES


@pytest.mark.parametrize("method,path,status,kwargs", [
    ("get", "/health", 200, {}),
    ("get", "/health/ready", 200, {}),
    ("get", "/health/live", 200, {}),
    ("get", "/api/shards/{id}", 404, {}),
    ("post", "/api/shards", 422, {"json": {}}),
    ("post", "/api/shards", 400, {"content": b"nope"}),
    ("get", "/api/shards", 200, {"params": {"tenantId": "tenant-a"}}),
    ("get", "/api/admin/cache/stats", 401, {}),
    ("get", "/api/admin/cache/stats", 200, {"admin": True}),
    ("get", "/api/admin/performance/slow", 200, {"admin": True}),
    ("post", "/api/embeddings/jobs", 202, {"json": {"text": "t"}}),
    ("get", "/api/embeddings/stats", 200, {}),
])
def test_answers_match_their_documented_schema(api, admin, document, method, path, status, kwargs):
    if kwargs.pop("admin", False):
        kwargs["headers"] = admin
    response = api.request(method, path.replace("{id}", "absent"), **kwargs)
    assert response.status_code == status
    assert validate(documented_schema(document, path, method, status), response.json()) == []


def test_created_shard_matches_the_shard_schema(document, shard):
    assert validate(documented_schema(document, "/api/shards", "post", 201), shard) == []
