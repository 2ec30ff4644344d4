"""/_sandbox/*: the fault control, behind X-Fault-Token.

These routes are never faulted and never counted, so a drill can always see
and always undo what it did.
"""

from __future__ import annotations

import logging

import anyio
import redis
from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.dependencies import ACTIONS, COSMOS_KEY, NAMES
from sandbox.health import READY_CHECKS
from sandbox.http import ApiError, check_token, read_json, route
from sandbox.schemas import FAULT_INPUT, HIDE_INPUT, METRICS_SHAPE_INPUT, POISON_INPUT, RATE_INPUT, RESTART_INPUT
from sandbox.telemetry import MetricsShape

TOKEN_HEADER = "x-fault-token"
log = logging.getLogger("sandbox")


def authorize(request: Request):
    """The app context, once the fault token checks out (401 otherwise)."""
    ctx = request.app.state.ctx
    if not check_token(request.headers.get(TOKEN_HEADER), ctx.settings.fault_token):
        raise ApiError(401, "missing or wrong fault token", ["send X-Fault-Token: <fault token>"])
    return ctx


async def add_fault(request: Request) -> JSONResponse:
    ctx = authorize(request)
    fault = ctx.faults.add(await read_json(request, FAULT_INPUT))
    return JSONResponse({"id": fault.id, "expires_at": fault.expires_at}, 201)


async def list_faults(request: Request) -> JSONResponse:
    ctx = authorize(request)
    return JSONResponse({"faults": [fault.public() for fault in ctx.faults.active()]})


async def clear_faults(request: Request) -> JSONResponse:
    ctx = authorize(request)
    return JSONResponse({"cleared": ctx.faults.clear()})


async def remove_fault(request: Request) -> JSONResponse:
    ctx = authorize(request)
    fault_id = request.path_params["id"]
    if not ctx.faults.remove(fault_id):
        raise ApiError(404, "fault not found", [f"no active fault {fault_id!r}"])
    return JSONResponse({"removed": fault_id})


async def control_dependency(request: Request) -> JSONResponse:
    ctx = authorize(request)
    name, action = request.path_params["name"], request.path_params["action"]
    if name not in NAMES or action not in ACTIONS:
        raise ApiError(404, "unknown dependency or action",
                       [f"use /_sandbox/dependencies/{{{'|'.join(NAMES)}}}/{{{'|'.join(ACTIONS)}}}"])
    state = await anyio.to_thread.run_sync(ctx.deps.control, name, action)
    if name == "cosmos" and action == "start":
        await _reseed(ctx)  # the Cosmos server restarts empty
    return JSONResponse(state)


async def _reseed(ctx) -> None:
    """Give the drill tenant its shards back; a Cosmos that is still down only leaves a log line."""
    try:
        await anyio.to_thread.run_sync(ctx.shards.seed_drill_tenant)
    except Exception as exc:  # the reset or start itself succeeded; readiness reports Cosmos
        log.warning("sandbox: could not seed the drill tenant: %s", exc)


async def control_worker(request: Request) -> JSONResponse:
    ctx = authorize(request)
    action = request.path_params["action"]
    if action not in ("stall", "resume"):
        raise ApiError(404, "unknown worker action", ["use /_sandbox/worker/stall or /_sandbox/worker/resume"])
    return JSONResponse(ctx.jobs.stall() if action == "stall" else ctx.jobs.resume())


async def poison_worker(request: Request) -> JSONResponse:
    """Queue jobs that crash the worker: its supervisor must log, report and restart it."""
    ctx = authorize(request)
    count = (await read_json(request, POISON_INPUT)).get("jobs", 1)
    try:
        return JSONResponse(await anyio.to_thread.run_sync(ctx.jobs.poison, count))
    except redis.RedisError as err:
        raise ApiError(503, "embedding queue unavailable", [f"{type(err).__name__}: start redis first"]) from None


async def hide_dependency(request: Request) -> JSONResponse:
    """Leave a dependency out of /health/ready's map, as a readiness endpoint that forgot it would."""
    ctx = authorize(request)
    spec = await read_json(request, HIDE_INPUT)
    name = spec["dependency"]
    if name not in READY_CHECKS:
        raise ApiError(422, "unknown dependency", [f"use one of: {', '.join(READY_CHECKS)}"])
    return JSONResponse({"hidden": ctx.hidden.hide(name, spec.get("ttl_s"))}, 201)


async def embedding_failure_rate(request: Request) -> JSONResponse:
    ctx = authorize(request)
    rate = (await read_json(request, RATE_INPUT))["rate"]
    return JSONResponse(ctx.jobs.set_failure_rate(rate))


async def metrics_shape(request: Request) -> JSONResponse:
    """Expose /metrics like another exporter: bucket layout, status split and classes, scrapes as traffic."""
    ctx = authorize(request)
    if request.method == "GET":
        return JSONResponse(ctx.telemetry.shape.public())
    shape = MetricsShape.from_spec(await read_json(request, METRICS_SHAPE_INPUT))
    return JSONResponse(ctx.telemetry.reshape(shape).public())


async def reset(request: Request) -> JSONResponse:
    """Undo everything: faults, dependency outages, hidden readiness entries, worker stall and poison, job failures,
    the metrics shape, slots and settings."""
    ctx = authorize(request)
    cleared = ctx.faults.clear()
    ctx.hidden.clear()
    ctx.telemetry.reshape(MetricsShape())
    dependencies = await anyio.to_thread.run_sync(ctx.deps.restore)
    await _reseed(ctx)  # a Cosmos restart lost the drill tenant's shards, or a drill deleted them
    poison = await anyio.to_thread.run_sync(ctx.jobs.clear_poison)
    ctx.jobs.resume()
    ctx.jobs.set_failure_rate(0.0)
    ctx.deployment.reset()
    ctx.restore_loss.rate = 0.0
    return JSONResponse({"cleared_faults": cleared, "dependencies": dependencies, "cleared_poison": poison,
                         **ctx.jobs.worker_state()})


async def restart(request: Request) -> JSONResponse:
    """Restart the API in-process: stop serving (connections refused) for down_s, then serve a fresh app."""
    ctx = authorize(request)
    down_s = (await read_json(request, RESTART_INPUT))["down_s"]
    if ctx.restart is None:
        raise ApiError(409, "this app is not served by the sandbox service", ["start it with python -m sandbox"])
    ctx.restart(down_s)
    return JSONResponse({"restarting": True, "down_s": down_s}, 202)


async def info(request: Request) -> JSONResponse:
    ctx = authorize(request)
    return JSONResponse({"redis_url": ctx.deps.redis_url, "cosmos_url": ctx.deps.cosmos_url,
                         "cosmos_key": COSMOS_KEY, "version": ctx.deployment.serving(),
                         "dependencies": ctx.deps.states(), "pids": ctx.deps.pids(), **ctx.jobs.worker_state()})


ROUTES = [
    route("/_sandbox/faults", GET=list_faults, POST=add_fault, DELETE=clear_faults),
    route("/_sandbox/faults/{id}", DELETE=remove_fault),
    route("/_sandbox/dependencies/{name}/{action}", POST=control_dependency),
    route("/_sandbox/worker/poison", POST=poison_worker),
    route("/_sandbox/worker/{action}", POST=control_worker),
    route("/_sandbox/ready/hide", POST=hide_dependency),
    route("/_sandbox/embeddings/failure-rate", POST=embedding_failure_rate),
    route("/_sandbox/metrics-shape", GET=metrics_shape, POST=metrics_shape),
    route("/_sandbox/reset", POST=reset),
    route("/_sandbox/restart", POST=restart),
    route("/_sandbox/info", GET=info),
]
