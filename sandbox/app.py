"""create_app(): the Starlette app wired to running dependencies.

Middleware order matters: telemetry sits outside faults, so injected latency
and errors show up in /metrics exactly as a real outage would; a slot's own
address is resolved innermost, so neither counts or touches a slot's traffic.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from sandbox import admin, backup, control, deployment, health, jobs, openapi, shards
from sandbox.dependencies import Dependencies
from sandbox.deployment import Deployment
from sandbox.faults import FaultBook, FaultMiddleware, HiddenDependencies, RateGate
from sandbox.http import EXCEPTION_HANDLERS, route
from sandbox.jobs import EmbeddingJobs
from sandbox.settings import Settings
from sandbox.shards import ShardStore
from sandbox.slot_address import SlotAddress
from sandbox.telemetry import Telemetry, TelemetryMiddleware

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


@dataclass
class Context:
    """Everything a handler may reach, as request.app.state.ctx."""

    settings: Settings
    deps: Dependencies
    telemetry: Telemetry
    jobs: EmbeddingJobs
    shards: ShardStore
    deployment: Deployment
    faults: FaultBook = field(default_factory=FaultBook)
    hidden: HiddenDependencies = field(default_factory=HiddenDependencies)
    started: float = field(default_factory=time.monotonic)
    restore_loss: RateGate = field(default_factory=RateGate)  # /_sandbox/backup/loss-rate
    restart: Callable[[float], None] | None = None  # set by the service: stop serving for down_s, then serve anew

    @property
    def stores(self):
        return self.deps.stores

    @classmethod
    def build(cls, settings: Settings, deps: Dependencies) -> Context:
        telemetry = Telemetry()
        embedding_jobs = EmbeddingJobs(deps.stores, telemetry.embedding_jobs)
        telemetry.queue_depth.set_function(embedding_jobs.depth_or_nan)
        return cls(settings, deps, telemetry, embedding_jobs, ShardStore(deps.stores, settings.cache_ttl_s),
                   Deployment(settings.version, settings.slot_version))


async def metrics(request: Request) -> Response:
    # The queue-depth gauge asks Redis, so render off the event loop.
    body = await anyio.to_thread.run_sync(request.app.state.ctx.telemetry.exposition)
    return Response(body, media_type=PROMETHEUS_TEXT)


def create_app(ctx: Context) -> Starlette:
    """The sandbox app; its lifespan runs the embedding worker.

    >>> app = create_app(Context.build(settings, deps))
    >>> uvicorn.Server(uvicorn.Config(app)).run()
    """
    routes = [*health.ROUTES, *shards.ROUTES, *admin.ROUTES, *jobs.ROUTES, *openapi.ROUTES,
              route("/metrics", GET=metrics), *control.ROUTES, *backup.ROUTES,
              *deployment.ROUTES]

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await anyio.to_thread.run_sync(ctx.shards.seed_drill_tenant)  # before the port reports ready
        ctx.jobs.start()
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(ctx.jobs.stop)

    app = Starlette(
        routes=routes,
        middleware=[Middleware(TelemetryMiddleware, telemetry=ctx.telemetry, routes=routes),
                    Middleware(FaultMiddleware, book=ctx.faults, routes=routes),
                    Middleware(SlotAddress)],
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    return app
