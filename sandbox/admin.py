"""Admin endpoints behind the bearer token: cache stats, cache clear, slow endpoints, recent errors."""

from __future__ import annotations

import anyio
import redis
from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.http import ApiError, read_json, read_query, require_bearer, route
from sandbox.schemas import CACHE_CLEAR_INPUT, ERRORS_SINCE
from sandbox.telemetry import SLOW_THRESHOLD_MS

SCAN_BATCH = 500


def cache_stats(client: redis.Redis, hits: int, misses: int) -> dict:
    """Memory, keys and evictions from Redis INFO; hits and misses from the shard cache.

    >>> cache_stats(client, hits=9, misses=1)["hit_rate"]
    0.9
    """
    info = client.info()
    used, limit = int(info["used_memory"]), int(info["maxmemory"])
    lookups = hits + misses
    return {
        "hits": hits,
        "misses": misses,
        "hit_rate": round(hits / lookups, 4) if lookups else None,  # no lookups is no data, not 0%
        "keys": int(client.dbsize()),
        "used_memory_bytes": used,
        "maxmemory_bytes": limit,
        "used_memory_pct": round(100 * used / limit, 2) if limit else None,
        "evicted_keys": int(info.get("evicted_keys", 0)),
        "maxmemory_policy": str(info.get("maxmemory_policy", "")),
    }


def clear_pattern(client: redis.Redis, pattern: str) -> int:
    """Delete keys matching pattern with SCAN, never KEYS, which blocks Redis."""
    deleted = 0
    batch = []
    for key in client.scan_iter(match=pattern, count=SCAN_BATCH):
        batch.append(key)
        if len(batch) >= SCAN_BATCH:
            deleted += client.unlink(*batch)
            batch = []
    if batch:
        deleted += client.unlink(*batch)
    return deleted


async def on_redis(request: Request, call, *args):
    """Run a blocking Redis call in a thread; Redis failures become a 503."""
    try:
        return await anyio.to_thread.run_sync(call, *args)
    except redis.RedisError as err:
        raise ApiError(503, "cache unavailable", [type(err).__name__]) from None


async def get_cache_stats(request: Request) -> JSONResponse:
    ctx = request.app.state.ctx
    require_bearer(request, ctx.settings.admin_token)
    shards = ctx.shards
    return JSONResponse(await on_redis(request, cache_stats, ctx.stores.cache, shards.hits, shards.misses))


async def clear_cache(request: Request) -> JSONResponse:
    ctx = request.app.state.ctx
    require_bearer(request, ctx.settings.admin_token)
    pattern = (await read_json(request, CACHE_CLEAR_INPUT))["pattern"]
    deleted = await on_redis(request, clear_pattern, ctx.stores.cache, pattern)
    return JSONResponse({"pattern": pattern, "deleted": deleted})


async def slow_endpoints(request: Request) -> JSONResponse:
    ctx = request.app.state.ctx
    require_bearer(request, ctx.settings.admin_token)
    endpoints = ctx.telemetry.slow_endpoints(SLOW_THRESHOLD_MS)
    return JSONResponse({"threshold_ms": SLOW_THRESHOLD_MS, "endpoints": endpoints})


async def recent_errors(request: Request) -> JSONResponse:
    """Server errors by type and operation, and failed Cosmos calls by status, over the last ``since_s`` seconds."""
    ctx = request.app.state.ctx
    require_bearer(request, ctx.settings.admin_token)
    since_s = read_query(request, "since_s", ERRORS_SINCE, default=None)
    return JSONResponse(ctx.telemetry.errors.summary(since_s))


ROUTES = [
    route("/api/admin/cache/stats", GET=get_cache_stats),
    route("/api/admin/cache/clear", POST=clear_cache),
    route("/api/admin/performance/slow", GET=slow_endpoints),
    route("/api/admin/errors", GET=recent_errors),
]
