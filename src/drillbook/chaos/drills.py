"""The chaos drills of the runbook, as data: the fault, what to prepare, what to observe, what recovery means.

The tier picks the fault (``tiers.fault_backend``): the sandbox's fault control
on the local tier, the registry's Azure fault (App Service, Azure Cache for
Redis, Chaos Studio) elsewhere. ``drill_for(DRILLS["service-down"], "staging")``
is the drill as that tier runs it, or None where it has no fault there. Each
entry names the runbook section whose procedure it rehearses.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Literal

from drillbook.chaos import probes
from drillbook.chaos.azure import azure_fault
from drillbook.chaos.context import DrillContext, Finding
from drillbook.faults import Fault, create_fault
from drillbook.config.tiers import fault_backend

FaultBuilder = Callable[[DrillContext], Fault]

DRILL_TENANT = "drillbook-chaos"


@dataclass(frozen=True)
class OnAzure:
    """The drill on an Azure tier: its fault, and its probes where they differ from the sandbox's."""

    fault: FaultBuilder
    probes: tuple[probes.Probe, ...] | None = None
    recovery: tuple[probes.Probe, ...] | None = None


@dataclass(frozen=True)
class Drill:
    name: str
    section: str
    fault: FaultBuilder | None  # on the local tier (the sandbox); None: the drill runs on Azure only
    probes: tuple[probes.Probe, ...] = ()
    window_probes: tuple[probes.WindowProbe, ...] = ()
    prepare: Callable[[DrillContext], list[Finding]] | None = None  # before the steady state
    during: Callable[[DrillContext], None] | None = None  # right after the injection
    recovery: tuple[probes.Probe, ...] = ()  # besides health and readiness
    clock: Literal["revert", "inject"] = "revert"  # the time to recover counts from the revert, or the injection
    until_seen: bool = False  # stop observing once every "eventually" probe has held (a fault that ends itself)
    azure: OnAzure | None = None  # None: the drill has no Azure fault


def drill_for(drill: Drill, tier: str) -> Drill | None:
    """The drill as ``tier`` runs it (its fault and probes there), or None when it has no fault on that tier."""
    if fault_backend(tier) == "sandbox":
        return drill if drill.fault else None
    if drill.azure is None:
        return None
    azure = drill.azure
    return replace(drill, fault=azure.fault, probes=drill.probes if azure.probes is None else azure.probes,
                   recovery=drill.recovery if azure.recovery is None else azure.recovery, azure=None)


def unavailable(name: str, tier: str) -> str | None:
    """Why the drill ``name`` skips on ``tier`` (it has no fault there), or None when it runs."""
    if drill_for(DRILLS[name], tier) is not None:
        return None
    where = ("the local tier: it acts on Azure resources (run it with --env staging)" if tier == "local"
             else f"tier {tier}: it needs the sandbox's fault control (run it with --env local)")
    return f"{name}: no fault for {where}"


def prepare_shard(ctx: DrillContext) -> list[Finding]:
    """A shard to read during the fault, read twice so that the cache holds it."""
    created = ctx.post("/api/shards", json={"tenantId": DRILL_TENANT, "name": "chaos drill probe"})
    status = created.status_code if created is not None else "no answer"
    ok = status in (200, 201)
    if ok:
        ctx.state["shard_id"] = created.json()["id"]
        for _ in range(2):
            ctx.get(f"/api/shards/{ctx.state['shard_id']}")
    return [Finding("a probe shard can be created (POST /api/shards)", ok, f"answered {status}", "critical-flows",
                    ctx.url("/api/shards"))]


def prepare_queue(ctx: DrillContext) -> list[Finding]:
    depth = probes.queue_depth(ctx)
    ctx.state["queue_depth"] = depth or 0
    return [Finding("the queue depth is readable (GET /api/embeddings/stats)", depth is not None, f"depth {depth}",
                    "queue-backlog", ctx.url("/api/embeddings/stats"))]


def enqueue_backlog(ctx: DrillContext) -> None:
    ctx.log(f"observe: enqueueing {ctx.settings.backlog_jobs} embedding jobs while the worker is stalled")
    for index in range(ctx.settings.backlog_jobs):
        ctx.post("/api/embeddings/jobs", json={"text": f"chaos drill backlog {index}"})


def _url(ctx: DrillContext) -> str:
    return ctx.env.base_url


DRILLS = {drill.name: drill for drill in (
    # On App Service the restart request is the fault and the revert waits for /health: the time to healthy
    # counts from the request (instances may restart one by one, and an App Service's /health need not report
    # its uptime, so no probe insists on an outage or a reset uptime).
    Drill("service-down", "service-health",
          lambda ctx: create_fault("api-restart", url=_url(ctx), down_s=ctx.settings.restart_down_s),
          (probes.api_goes_down(),), recovery=(probes.api_restarted(),), clock="inject", until_seen=True,
          azure=OnAzure(azure_fault("app-service-restart", "app_service"), probes=(), recovery=())),
    Drill("redis-outage", "cache-issues",
          lambda ctx: create_fault("dependency", url=_url(ctx), dependency="redis", action="stop"),
          (probes.ready_reports_down("redis"), probes.live_stays_up(),
           probes.shard_reads_degrade("fall back to Cosmos")),
          prepare=prepare_shard, azure=OnAzure(azure_fault("redis-reboot", "redis_name"))),
    Drill("app-stopped", "service-health", None, (probes.api_goes_down("it is stopped"),), until_seen=True,
          azure=OnAzure(azure_fault("app-service-stop", "app_service"))),
    Drill("chaos-studio", "recovery-objectives", None,
          azure=OnAzure(azure_fault("chaos-experiment", "chaos_experiment"))),
    Drill("redis-hang", "cache-issues",
          lambda ctx: create_fault("process-signal", url=_url(ctx), dependency="redis", signal_name="SIGSTOP"),
          (probes.ready_reports_down("redis"), probes.live_stays_up()),
          prepare=prepare_shard),
    Drill("cosmos-outage", "database-connection",
          lambda ctx: create_fault("process-signal", url=_url(ctx), dependency="cosmos", signal_name="SIGKILL"),
          (probes.ready_reports_down("cosmos"), probes.live_stays_up(),
           probes.shard_reads_degrade("served from the cache")),
          prepare=prepare_shard),
    Drill("cosmos-latency", "slow-response-times",
          lambda ctx: create_fault("route", url=_url(ctx), route="/api/shards", latency_ms=int(ctx.settings.latency_ms),
                                   ttl_s=ctx.settings.fault_ttl_s),
          (probes.live_stays_up(),),
          window_probes=(probes.WindowProbe("the p95 alert notices the latency", "api_p95"),
                         probes.WindowProbe("the slow-endpoint rule notices the latency", "slow_endpoint",
                                            endpoint="GET /api/shards"))),
    Drill("worker-stall", "queue-backlog",
          lambda ctx: create_fault("worker-stall", url=_url(ctx)),
          (probes.backlog_grows(), probes.live_stays_up()),
          prepare=prepare_queue, during=enqueue_backlog, recovery=(probes.queue_drained(),)),
)}
