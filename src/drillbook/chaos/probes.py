"""What the runbook expects while a fault is applied, as judged probes.

A probe looks once per poll and says whether its expectation held. How the
looks are judged depends on the probe: ``always`` (every look: /health/live
stays up), ``eventually`` (at least one look: readiness reports the outage),
``budget`` (the share of failed looks within the error budget: degraded reads).
Window probes judge the metrics window of the whole observation instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Literal

from drillbook import runbook
from drillbook.chaos.context import DrillContext, Finding
from drillbook.chaos.steady import down_dependencies
from drillbook.chaos.window import judge, overrides, shown
from drillbook.metrics import Reading

Look = Callable[[DrillContext], tuple[bool, str]]


@dataclass(frozen=True)
class Probe:
    name: str
    section: str
    path: str
    look: Look
    rule: Literal["always", "eventually", "budget"]

    def judge(self, ctx: DrillContext, looks: list[tuple[bool, str]], span: str) -> Finding:
        held = [ok for ok, _ in looks]
        failed = [seen for ok, seen in looks if not ok]
        if self.rule == "always":
            ok, detail = all(held), f"{len(failed)} of {len(looks)} looks failed" + _first(failed)
        elif self.rule == "eventually":
            ok, detail = any(held), (f"held in {sum(held)} of {len(looks)} looks" if any(held)
                                     else f"never held in {len(looks)} looks" + _first(failed))
        else:
            share = 100.0 * len(failed) / len(looks) if looks else 100.0
            budget = ctx.settings.error_budget_pct
            ok = bool(looks) and share <= budget
            detail = f"{share:.1f} % of {len(looks)} reads failed (error budget {budget:g} %)" + _first(failed)
        return Finding(self.name, ok, detail, self.section, ctx.url(self.path), window=span)


@dataclass(frozen=True)
class WindowProbe:
    """A catalogue rule that must *notice* the fault: its window over the observation breaches."""

    name: str
    threshold: str
    endpoint: str | None = None

    def judge(self, ctx: DrillContext, reading: Reading) -> Finding:
        threshold = runbook.threshold(self.threshold, overrides(ctx.env))
        verdict = judge(threshold, reading, min_requests=ctx.settings.min_requests, endpoint=self.endpoint)
        where = f" on {self.endpoint}" if self.endpoint else ""
        detail = (f"{threshold.title}{where} {shown(verdict)}: {verdict.status} against "
                  f"{threshold.op} {threshold.limit:g} {threshold.unit} (expected a breach)")
        return Finding(self.name, verdict.status == "fail", detail, threshold.section, reading.source,
                       window=f"{reading.end - reading.start:.1f} s")


def _first(failed: list[str]) -> str:
    return f"; first: {failed[0]}" if failed else ""


def _status(response) -> str:
    return "no answer" if response is None else str(response.status_code)


def ready_reports_down(dependency: str) -> Probe:
    def look(ctx: DrillContext) -> tuple[bool, str]:
        response = ctx.get("/health/ready")
        if response is None:
            return False, "GET /health/ready gave no answer"
        down = down_dependencies(response)
        return (response.status_code == 503 and dependency in down,
                f"GET /health/ready answered {response.status_code}, down: {', '.join(down) or 'none'}")
    return Probe(f"/health/ready reports {dependency} down", "dependency-readiness", "/health/ready", look,
                 "eventually")


def live_stays_up() -> Probe:
    def look(ctx: DrillContext) -> tuple[bool, str]:
        response = ctx.get("/health/live")
        return _status(response) == "200", f"GET /health/live answered {_status(response)}"
    return Probe("/health/live stays up", "service-health", "/health/live", look, "always")


def shard_reads_degrade(within: str) -> Probe:
    """Reads of the shard the drill prepared keep answering 200 (from Cosmos, or from the cache)."""
    def look(ctx: DrillContext) -> tuple[bool, str]:
        response = ctx.get(f"/api/shards/{ctx.state['shard_id']}")
        cache = response.headers.get("x-cache", "?") if response is not None else "-"
        return _status(response) == "200", f"GET /api/shards/{{id}} answered {_status(response)} (X-Cache {cache})"
    return Probe(f"shard reads {within} within the error budget", "critical-flows", "/api/shards/{id}", look,
                 "budget")


def backlog_grows() -> Probe:
    """The runbook's queue check fires on the jobs enqueued while the worker is stalled: depth > the queue limit.

    The same rule as checks/test_queue.py's LLEN check (``servicebus_queue``, > 1000 messages, environment
    overrides applied), on the depth the API reports (the LLEN of its job list).
    """
    def look(ctx: DrillContext) -> tuple[bool, str]:
        threshold = runbook.threshold("servicebus_queue", overrides(ctx.env))
        depth = queue_depth(ctx)
        fired = depth is not None and threshold.to_rule().breaches(depth)
        grown = depth - ctx.state["queue_depth"] if depth is not None else None
        return fired, f"queue depth {depth} (+{grown} enqueued while stalled) against {threshold.op} " \
                      f"{threshold.limit:g} {threshold.unit}"
    return Probe("the queue check fires on the backlog", "queue-backlog", "/api/embeddings/stats", look,
                 "eventually")


def queue_drained() -> Probe:
    def look(ctx: DrillContext) -> tuple[bool, str]:
        depth = queue_depth(ctx)
        return depth is not None and depth <= ctx.state["queue_depth"], f"queue depth {depth}"
    return Probe("the worker drains the backlog", "queue-backlog", "/api/embeddings/stats", look, "eventually")


def queue_depth(ctx: DrillContext) -> int | None:
    response = ctx.get("/api/embeddings/stats")
    try:
        return int(response.json()["queue_depth"])
    except (AttributeError, ValueError, KeyError, TypeError):
        return None


def api_goes_down(while_: str = "it restarts") -> Probe:
    """/health stops answering 200: no answer, a 5xx, or App Service's 403 for a stopped app."""
    def look(ctx: DrillContext) -> tuple[bool, str]:
        response = ctx.get("/health")
        return response is None or response.status_code != 200, f"GET /health answered {_status(response)}"
    return Probe(f"the API is down while {while_}", "service-health", "/health", look, "eventually")


def api_restarted() -> Probe:
    """/health's uptime is shorter than the time since the restart: a new process (or server) answers."""
    def look(ctx: DrillContext) -> tuple[bool, str]:
        response = ctx.get("/health")
        since = time.monotonic() - ctx.state["injected_mono"]
        try:
            uptime = float(response.json()["uptime_s"])
        except (AttributeError, ValueError, KeyError, TypeError):
            return False, f"GET /health answered {_status(response)} without uptime_s"
        return uptime < since, f"uptime {uptime:.1f} s, restart requested {since:.1f} s ago"
    return Probe("the API restarted (uptime reset)", "service-health", "/health", look, "eventually")
