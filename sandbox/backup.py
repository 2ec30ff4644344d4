"""/_sandbox/backup/*: the sandbox's stand-in for Cosmos DB's point-in-time restore, and a fault that loses documents.

``restore`` copies a live container, as it is now, into a new scratch container
(``drillbook_dr_*``), the way a point-in-time restore creates a new account.
``loss-rate`` makes the copy drop a counted share of documents (0.1 drops the
10th, 20th, ...), so the DR drill's integrity check can be shown to fail.
Scratch containers are the only ones these routes create or delete.
"""

from __future__ import annotations

import anyio
from azure.cosmos import PartitionKey
from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.control import authorize
from sandbox.http import ApiError, read_json, route
from sandbox.schemas import RATE_INPUT, obj, string
from sandbox.stores import CONTAINERS, DATABASE

SCRATCH_PREFIX = "drillbook_dr_"
MAX_DOCUMENTS = 5000  # a drill's copy stays small and quick
SYSTEM_FIELDS = ("_rid", "_self", "_etag", "_attachments", "_ts")
RESTORE_INPUT = obj({"source": string(1, 64), "target": string(1, 64)}, required=["source", "target"])


def _scratch(name: str) -> str:
    if not name.startswith(SCRATCH_PREFIX):
        raise ApiError(422, "not a scratch container", [f"scratch container names start with {SCRATCH_PREFIX}"])
    return name


def copy_container(ctx, source: str, target: str) -> dict:
    """Create ``target`` with the source's partition key and copy the source's documents into it."""
    database = ctx.stores._cosmos.get_database_client(DATABASE)
    copy = database.create_container(target, PartitionKey(CONTAINERS[source]))
    written = lost = 0
    for item in database.get_container_client(source).read_all_items(max_item_count=500):
        if written + lost >= MAX_DOCUMENTS:
            break
        if ctx.restore_loss.fire():
            lost += 1
            continue
        copy.create_item({key: value for key, value in item.items() if key not in SYSTEM_FIELDS})
        written += 1
    return {"source": source, "target": target, "written": written}


async def restore(request: Request) -> JSONResponse:
    ctx = authorize(request)
    body = await read_json(request, RESTORE_INPUT)
    if body["source"] not in CONTAINERS:
        raise ApiError(404, "unknown source container", [f"one of: {', '.join(CONTAINERS)}"])
    target = _scratch(body["target"])
    return JSONResponse(await anyio.to_thread.run_sync(copy_container, ctx, body["source"], target), 201)


async def delete_scratch(request: Request) -> JSONResponse:
    ctx = authorize(request)
    name = _scratch(request.path_params["name"])
    database = ctx.stores._cosmos.get_database_client(DATABASE)
    names = await anyio.to_thread.run_sync(lambda: [c["id"] for c in database.list_containers()])
    if name not in names:
        raise ApiError(404, "scratch container not found", [f"no container {name!r}"])
    await anyio.to_thread.run_sync(database.delete_container, name)
    return JSONResponse({"deleted": name})


async def loss_rate(request: Request) -> JSONResponse:
    ctx = authorize(request)
    rate = (await read_json(request, RATE_INPUT))["rate"]
    ctx.restore_loss.rate = rate
    return JSONResponse({"loss_rate": rate})


ROUTES = [
    route("/_sandbox/backup/restore", POST=restore),
    route("/_sandbox/backup/containers/{name}", DELETE=delete_scratch),
    route("/_sandbox/backup/loss-rate", POST=loss_rate),
]
