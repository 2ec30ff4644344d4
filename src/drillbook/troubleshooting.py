"""The runbook's troubleshooting, run for you when the watch fails: what each remedy would look at first.

>>> findings(result, env)    # {"sections": [...], "failing operations": [...], "slowest endpoints": [...], ...}

Per breached runbook section: for a high error rate, the failing operations;
for slow responses, the slowest endpoints (the watch's own figures and the
target's ``/api/admin/performance/slow``) and the cache hit rate; for cache or
database trouble, the cache stats and the dependency readiness. Every call is
bounded and every error is recorded as a finding: troubleshooting never
changes the verdict.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Callable

from drillbook.clients.http import Breaker, build_client
from drillbook.environments import Environment
from drillbook.metrics.reading import Reading
from drillbook.watch import WatchResult
from drillbook.watch_figures import Figures

BUDGET_S = 15.0  # all steps together; the target is already in trouble
TOP = 5
_TARGET_STEPS = {  # runbook section -> (finding, admin path) the runbook's remedy reads first
    "high-error-rate": [("dependency readiness", "/health/ready")],
    "slow-response-times": [("slow endpoints (target)", "/api/admin/performance/slow"),
                            ("cache stats", "/api/admin/cache/stats")],
    "cache-issues": [("cache stats", "/api/admin/cache/stats")],
    "database-connection": [("dependency readiness", "/health/ready")],
    "database-capacity": [("dependency readiness", "/health/ready")],
}


def findings(result: WatchResult, env: Environment, budget_s: float = BUDGET_S) -> dict:
    """What the breached sections' troubleshooting steps find, from the watch's data and the target."""
    sections = sorted({t.threshold.section for t in result.failed})
    found: dict = {"sections": sections}
    if "high-error-rate" in sections:
        found["failing operations"] = failing_operations(result.readings)
        found["exceptions by type"] = _exceptions_note(result.source)
    if "slow-response-times" in sections:
        found["slowest endpoints (watch)"] = slowest_endpoints(result.readings, result.plan.interval_s)
        found["cache hit rate (watch)"] = cache_hit_rate(result.readings)
    steps = {name: path for section in sections for name, path in _TARGET_STEPS.get(section, [])}
    found.update(read_target(env, steps, budget_s))
    return found


def failing_operations(readings: list[Reading]) -> list[dict]:
    """The endpoints with the most server errors over the watch, with their error rate."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for reading in readings:
        for name, endpoint in reading.endpoints.items():
            totals[name][0] += endpoint.requests
            totals[name][1] += endpoint.errors
    failing = sorted(((n, r, e) for n, (r, e) in totals.items() if e), key=lambda item: -item[2])[:TOP]
    return [{"operation": n, "errors": e, "requests": r, "error_rate_pct": round(100 * e / r, 2) if r else None}
            for n, r, e in failing]


def slowest_endpoints(readings: list[Reading], interval_s: float) -> list[dict]:
    """The endpoints with the highest p99 over the watch (all their requests pooled)."""
    pooled: dict[str, list[Reading]] = defaultdict(list)
    for reading in readings:
        for name, endpoint in reading.endpoints.items():
            pooled[name].append(Reading(reading.start, reading.end, reading.source, requests=endpoint.requests,
                                        latency_buckets=endpoint.latency_buckets, durations_ms=endpoint.durations_ms))
    figures = {name: Figures.of(parts, interval_s * len(parts)) for name, parts in pooled.items()}
    ranked = sorted(((n, f) for n, f in figures.items() if f.p99_ms is not None), key=lambda item: -item[1].p99_ms)
    return [{"endpoint": n, "p50_ms": f.p50_ms, "p99_ms": f.p99_ms, "requests": f.requests} for n, f in ranked[:TOP]]


def cache_hit_rate(readings: list[Reading]) -> dict:
    hits, misses = sum(r.cache_hits for r in readings), sum(r.cache_misses for r in readings)
    rate = round(100 * hits / (hits + misses), 2) if hits + misses else None
    return {"hits": hits, "misses": misses, "hit_rate_pct": rate}


def read_target(env: Environment, steps: dict[str, str], budget_s: float) -> dict:
    """GET each step's path with the admin token, within the budget; an error is a finding, not a failure."""
    if not steps:
        return {}
    deadline = time.monotonic() + budget_s
    token = env.secret("admin_token")
    with build_client(env, token=token, breaker=Breaker(enabled=False)) as client:
        return {name: _read(client.get, path, deadline) for name, path in steps.items()}


def _read(get: Callable, path: str, deadline: float) -> dict:
    if time.monotonic() >= deadline:
        return {"path": path, "not read": "the troubleshooting budget was spent"}
    try:
        response = get(path)
    except Exception as exc:  # noqa: BLE001  (any failure here is a finding; the verdict is already made)
        return {"path": path, "not read": f"{type(exc).__name__}: {exc}"}
    try:
        body = response.json()
    except ValueError:
        body = response.text[:2000]
    return {"path": path, "status": response.status_code, "body": body}


def _exceptions_note(source: str) -> str:
    if source.startswith("azure-monitor"):
        return "query App Insights: exceptions | where timestamp > ago(1h) | summarize count() by type"
    return f"not available from {source.split(' ')[0]}: App Insights exceptions need [metrics] source = azure-monitor"
