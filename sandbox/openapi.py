"""/openapi.json: the public API, built from the same schemas the handlers validate with.

The fault control (/_sandbox/*) is left out on purpose: it is not part of
Castiel, and fuzzing it would inject faults into the run doing the fuzzing.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox import schemas as s
from sandbox.http import route

ERROR_REASONS = {
    400: "The body is not valid JSON.",
    401: "No bearer token.",
    403: "The bearer token is wrong.",
    404: "No such resource.",
    409: "The change conflicts with the stored item.",
    413: "The body is larger than 1 MB.",
    422: "The body or a parameter does not match the schema.",
    503: "A dependency (Cosmos or Redis) is unavailable.",
}
ADMIN = [{"bearerAuth": []}]


def json_response(description: str, schema: dict, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def errors(*codes: int) -> dict:
    return {str(code): json_response(ERROR_REASONS[code], s.ERROR) for code in codes}


def operation(summary: str, responses: dict, body: dict | None = None, **extra) -> dict:
    op = {"summary": summary, "responses": responses, **extra}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def query(name: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema}


SHARD_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
X_CACHE = {"X-Cache": {"description": "Whether Redis answered.",
                       "schema": {"type": "string", "enum": ["hit", "miss"]}}}


def paths() -> dict:
    return {
        "/health": {"get": operation("Liveness with version and uptime", {
            "200": json_response("The service runs.", s.HEALTH)})},
        "/health/ready": {"get": operation("Readiness of every dependency", {
            "200": json_response("Every dependency is up.", s.READY),
            "503": json_response("At least one dependency is down.", s.READY)})},
        "/health/live": {"get": operation("Process liveness, independent of dependencies", {
            "200": json_response("The process answers.", s.LIVE)})},
        "/api/shards": {
            "get": operation("List a tenant's shards, newest first", {
                "200": json_response("The shards.", s.SHARD_LIST), **errors(422, 503)},
                parameters=[query("tenantId", s.TENANT_ID, required=True), query("limit", s.LIST_LIMIT)]),
            "post": operation("Create a shard", {
                "201": json_response("The stored shard.", s.SHARD), **errors(400, 413, 422, 503)}, s.SHARD_INPUT),
        },
        "/api/shards/{id}": {
            "parameters": [SHARD_ID],
            "get": operation("Read a shard (cache-aside)", {
                "200": json_response("The shard.", s.SHARD, X_CACHE), **errors(404, 503)}),
            "put": operation("Replace a shard", {
                "200": json_response("The stored shard.", s.SHARD), **errors(400, 404, 409, 413, 422, 503)},
                s.SHARD_INPUT),
            "delete": operation("Delete a shard and its cache entry", {
                "204": {"description": "Deleted."}, **errors(404, 503)}),
        },
        "/api/admin/cache/stats": {"get": operation("Redis cache statistics", {
            "200": json_response("The statistics.", s.CACHE_STATS), **errors(401, 403, 503)}, security=ADMIN)},
        "/api/admin/cache/clear": {"post": operation("Delete cache keys matching a pattern", {
            "200": json_response("How many keys went.", s.CACHE_CLEAR), **errors(400, 401, 403, 413, 422, 503)},
            s.CACHE_CLEAR_INPUT, security=ADMIN)},
        "/api/admin/performance/slow": {"get": operation("Endpoints whose recent p95 exceeds 500 ms", {
            "200": json_response("The slow endpoints.", s.SLOW_ENDPOINTS), **errors(401, 403)}, security=ADMIN)},
        "/api/admin/errors": {"get": operation("Server errors by type and operation, failed Cosmos calls by status", {
            "200": json_response("The last since_s seconds (default 300).", s.RECENT_ERRORS), **errors(401, 403, 422)},
            security=ADMIN, parameters=[query("since_s", s.ERRORS_SINCE)])},
        "/api/embeddings/jobs": {"post": operation("Queue an embedding job", {
            "202": json_response("Queued.", s.EMBEDDING_JOB), **errors(400, 413, 422, 503)}, s.EMBEDDING_JOB_INPUT)},
        "/api/embeddings/stats": {"get": operation("Queue depth and worker outcomes", {
            "200": json_response("The statistics.", s.EMBEDDING_STATS), **errors(503)})},
        "/metrics": {"get": operation("Prometheus metrics", {
            "200": {"description": "Exposition format 0.0.4.",
                    "content": {"text/plain": {"schema": {"type": "string"}}}}})},
        "/openapi.json": {"get": operation("This document", {
            "200": json_response("The OpenAPI document.", {"type": "object"})})},
    }


def document(version: str) -> dict:
    """The OpenAPI 3.1 document for this sandbox version."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "Castiel API (drillbook sandbox)", "version": version},
        "paths": paths(),
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(document(request.app.state.ctx.settings.version))


ROUTES = [route("/openapi.json", GET=openapi_json)]
