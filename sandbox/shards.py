"""The domain API: shards stored in Cosmos (`castiel/shards`) and cached in Redis.

Reads are cache-aside under `shard_cache:{id}`. When Redis fails, reads fall
through to Cosmos (answering `X-Cache: miss`): the cache is an optimisation,
so its outage shows up as slower reads and a not-ready probe, not as errors.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import datetime, timezone

import anyio
import redis
from azure.core.exceptions import AzureError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandbox.http import ApiError, read_json, read_query, route
from sandbox.schemas import LIST_LIMIT, SHARD, SHARD_INPUT, TENANT_ID
from sandbox.stores import Stores

CACHE_PREFIX = "shard_cache:"
DEFAULT_LIST = 50
DRILL_TENANT = "drillbook-drill"  # [smoke] drill_tenant's default: the read-only smoke flow lists and reads it
DRILL_SHARDS = 3
log = logging.getLogger("sandbox.shards")


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def public(item: dict) -> dict:
    """The stored item without Cosmos' system fields (_rid, _etag, ...)."""
    return {key: item[key] for key in SHARD["properties"] if key in item}


class ShardStore:
    """Blocking Cosmos and Redis calls; handlers run them in worker threads.

    >>> store = ShardStore(stores, cache_ttl_s=300)
    >>> shard = store.create({"tenantId": "t1", "name": "n"})
    >>> store.get(shard["id"])
    ({'id': ..., 'tenantId': 't1', ...}, 'miss')
    """

    def __init__(self, stores: Stores, cache_ttl_s: int = 300):
        self.stores = stores
        self.cache_ttl_s = cache_ttl_s
        self.hits = 0  # counted here, not from INFO: queue polling would skew INFO's keyspace_hits
        self.misses = 0
        self._count_lock = threading.Lock()  # handlers run in many threads at once

    @property
    def _container(self):
        return self.stores.container("shards")

    def create(self, data: dict) -> dict:
        stamp = now_iso()
        item = {"content": "", "tags": [], **data, "id": uuid.uuid4().hex,
                "createdAt": stamp, "updatedAt": stamp}
        return public(self._container.create_item(item))

    def get(self, shard_id: str) -> tuple[dict | None, str]:
        cached = self._cache_get(shard_id)
        with self._count_lock:
            if cached is not None:
                self.hits += 1
            else:
                self.misses += 1
        if cached is not None:
            return cached, "hit"
        item = self._find(shard_id)
        if item is not None:
            self._cache_set(item)
        return item, "miss"

    def list_tenant(self, tenant_id: str, limit: int) -> list[dict]:
        query = "SELECT TOP @limit * FROM c WHERE c.tenantId = @tenant ORDER BY c.createdAt DESC"
        params = [{"name": "@limit", "value": limit}, {"name": "@tenant", "value": tenant_id}]
        return [public(i) for i in self._container.query_items(query, parameters=params, partition_key=tenant_id)]

    def replace(self, shard_id: str, data: dict) -> dict | None:
        current = self._find(shard_id)
        if current is None:
            return None
        if data["tenantId"] != current["tenantId"]:
            raise ApiError(409, "tenantId cannot change", [f"shard {shard_id} belongs to another tenant"])
        item = {"content": "", "tags": [], **data, "id": shard_id,
                "createdAt": current["createdAt"], "updatedAt": now_iso()}
        saved = public(self._container.replace_item(shard_id, item))
        self._cache_delete(shard_id)
        return saved

    def delete(self, shard_id: str) -> bool:
        current = self._find(shard_id)
        if current is None:
            return False
        self._container.delete_item(shard_id, partition_key=current["tenantId"])
        self._cache_delete(shard_id)
        return True

    def seed_drill_tenant(self, tenant: str = DRILL_TENANT, count: int = DRILL_SHARDS) -> int:
        """Give the drill tenant its long-lived shards, as an operator does once on staging; returns how many."""
        present = len(self.list_tenant(tenant, count))
        for number in range(present + 1, count + 1):
            self.create({"tenantId": tenant, "name": f"drill shard {number}",
                         "content": "read by the read-only smoke flow; do not delete", "tags": ["drillbook"]})
        return count

    def _find(self, shard_id: str) -> dict | None:
        # A query, not read_item: the server answers 500 (not 404) for a missing item,
        # and GET /api/shards/{id} does not know the partition key.
        found = self._container.query_items("SELECT * FROM c WHERE c.id = @id",
                                            parameters=[{"name": "@id", "value": shard_id}],
                                            enable_cross_partition_query=True)
        return next((public(item) for item in found), None)

    def _cache_get(self, shard_id: str) -> dict | None:
        try:
            raw = self.stores.cache.get(CACHE_PREFIX + shard_id)
        except redis.RedisError as err:
            log.debug("cache read skipped: %s", type(err).__name__)
            return None
        return json.loads(raw) if raw else None

    def _cache_set(self, item: dict) -> None:
        try:
            self.stores.cache.set(CACHE_PREFIX + item["id"], json.dumps(item), ex=self.cache_ttl_s)
        except redis.RedisError as err:
            log.debug("cache write skipped: %s", type(err).__name__)

    def _cache_delete(self, shard_id: str) -> None:
        try:
            self.stores.cache.delete(CACHE_PREFIX + shard_id)
        except redis.RedisError as err:
            log.debug("cache delete skipped: %s", type(err).__name__)


async def call_store(request: Request, method: str, *args):
    """Run a ShardStore method in a thread; Cosmos failures become a 503."""
    store: ShardStore = request.app.state.ctx.shards
    try:
        return await anyio.to_thread.run_sync(getattr(store, method), *args)
    except AzureError as err:
        request.app.state.ctx.telemetry.errors.note_cosmos(getattr(err, "status_code", None), type(err).__name__)
        raise ApiError(503, "database unavailable", [type(err).__name__]) from None


def not_found(shard_id: str) -> ApiError:
    return ApiError(404, "shard not found", [f"no shard with id {shard_id!r}"])


async def create_shard(request: Request) -> JSONResponse:
    data = await read_json(request, SHARD_INPUT)
    return JSONResponse(await call_store(request, "create", data), 201)


async def get_shard(request: Request) -> JSONResponse:
    shard_id = request.path_params["id"]
    item, cache = await call_store(request, "get", shard_id)
    if item is None:
        raise not_found(shard_id)
    return JSONResponse(item, headers={"X-Cache": cache})


async def list_shards(request: Request) -> JSONResponse:
    tenant_id = read_query(request, "tenantId", TENANT_ID, required=True)
    limit = read_query(request, "limit", LIST_LIMIT, default=DEFAULT_LIST)
    items = await call_store(request, "list_tenant", tenant_id, limit)
    return JSONResponse({"items": items, "count": len(items)})


async def replace_shard(request: Request) -> JSONResponse:
    shard_id = request.path_params["id"]
    data = await read_json(request, SHARD_INPUT)
    item = await call_store(request, "replace", shard_id, data)
    if item is None:
        raise not_found(shard_id)
    return JSONResponse(item)


async def delete_shard(request: Request) -> Response:
    shard_id = request.path_params["id"]
    if not await call_store(request, "delete", shard_id):
        raise not_found(shard_id)
    return Response(status_code=204)


ROUTES = [
    route("/api/shards", GET=list_shards, POST=create_shard),
    route("/api/shards/{id}", GET=get_shard, PUT=replace_shard, DELETE=delete_shard),
]
