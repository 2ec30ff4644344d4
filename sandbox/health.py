"""/health, /health/ready and /health/live.

Readiness probes every dependency at once, each under a hard deadline, so a
paused dependency reads as "down" within a second instead of hanging the probe.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.http import route
from sandbox.slot_address import request_slot

PROBE_DEADLINE_S = 1.0
READY_CHECKS = ("redis", "cosmos", "embedding_queue")  # the map's keys, in order


async def probe(check: Callable[[], dict | None]) -> dict:
    """Run a blocking check in a thread: up with its latency, or down with the reason.

    >>> await probe(stores.ping_redis)
    {'status': 'up', 'latency_ms': 0.4}
    """
    started = time.perf_counter()
    try:
        with anyio.fail_after(PROBE_DEADLINE_S):
            detail = await anyio.to_thread.run_sync(check, abandon_on_cancel=True)
        return {"status": "up", "latency_ms": _ms_since(started), **(detail or {})}
    except TimeoutError:
        reason = f"no answer within {PROBE_DEADLINE_S * 1000:.0f} ms"
    except Exception as err:  # noqa: BLE001 - any failure means the dependency is down
        reason = f"{type(err).__name__}: {err}".splitlines()[0][:200]
    return {"status": "down", "latency_ms": _ms_since(started), "error": reason}


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


async def health(request: Request) -> JSONResponse:
    deployment, slot = request.app.state.ctx.deployment, request_slot(request)
    if slot == "production" and deployment.is_down():  # a restart that has not come back yet
        return JSONResponse({"error": "Service Unavailable", "details": ["the app is restarting"]}, 503)
    if not deployment.healthy(slot):
        return JSONResponse({"status": "unhealthy", "version": deployment.versions[slot]}, 503)
    return JSONResponse({"status": "healthy", "version": deployment.versions[slot],
                         "uptime_s": round(time.monotonic() - deployment.restarted, 3)})


async def ready(request: Request) -> JSONResponse:
    ctx = request.app.state.ctx
    every = {"redis": lambda: ctx.deps.ping("redis"), "cosmos": lambda: ctx.deps.ping("cosmos"),
             "embedding_queue": ctx.jobs.probe}
    hidden = ctx.hidden.names()  # a fault: an endpoint that forgot a dependency does not probe it either
    checks = {name: every[name] for name in READY_CHECKS if name not in hidden}
    results: dict[str, dict] = {}

    async def run(name: str) -> None:
        results[name] = await probe(checks[name])

    async with anyio.create_task_group() as group:
        for name in checks:
            group.start_soon(run, name)
    all_up = all(result["status"] == "up" for result in results.values())
    body = {"status": "ready" if all_up else "not_ready", "dependencies": {n: results[n] for n in checks}}
    return JSONResponse(body, 200 if all_up else 503)


async def live(request: Request) -> JSONResponse:
    return JSONResponse({"status": "alive"})


ROUTES = [
    route("/health", GET=health),
    route("/health/ready", GET=ready),
    route("/health/live", GET=live),
]
