"""/_sandbox/*: the fault control, behind X-Fault-Token.

These routes are never faulted and never counted, so a drill can always see
and always undo what it did.
"""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.dependencies import ACTIONS, COSMOS_KEY, NAMES
from sandbox.http import ApiError, check_token, read_json, route
from sandbox.schemas import FAULT_INPUT, METRICS_SHAPE_INPUT, RATE_INPUT, RESTART_INPUT
from sandbox.telemetry import MetricsShape

TOKEN_HEADER = "x-fault-token"


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
    return JSONResponse(state)


async def control_worker(request: Request) -> JSONResponse:
    ctx = authorize(request)
    action = request.path_params["action"]
    if action not in ("stall", "resume"):
        raise ApiError(404, "unknown worker action", ["use /_sandbox/worker/stall or /_sandbox/worker/resume"])
    return JSONResponse(ctx.jobs.stall() if action == "stall" else ctx.jobs.resume())


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
    """Undo everything: faults, dependency outages, worker stall, job failures, the metrics shape."""
    ctx = authorize(request)
    cleared = ctx.faults.clear()
    ctx.telemetry.reshape(MetricsShape())
    dependencies = await anyio.to_thread.run_sync(ctx.deps.restore)
    ctx.jobs.resume()
    ctx.jobs.set_failure_rate(0.0)
    ctx.restore_loss.rate = 0.0
    return JSONResponse({"cleared_faults": cleared, "dependencies": dependencies, **ctx.jobs.worker_state()})


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
                         "cosmos_key": COSMOS_KEY, "version": ctx.settings.version,
                         "dependencies": ctx.deps.states(), "pids": ctx.deps.pids(), **ctx.jobs.worker_state()})


ROUTES = [
    route("/_sandbox/faults", GET=list_faults, POST=add_fault, DELETE=clear_faults),
    route("/_sandbox/faults/{id}", DELETE=remove_fault),
    route("/_sandbox/dependencies/{name}/{action}", POST=control_dependency),
    route("/_sandbox/worker/{action}", POST=control_worker),
    route("/_sandbox/embeddings/failure-rate", POST=embedding_failure_rate),
    route("/_sandbox/metrics-shape", GET=metrics_shape, POST=metrics_shape),
    route("/_sandbox/reset", POST=reset),
    route("/_sandbox/restart", POST=restart),
    route("/_sandbox/info", GET=info),
]
