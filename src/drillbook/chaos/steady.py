"""The steady-state hypothesis: health and readiness answer, and error rate and p95 hold the catalogue's limits.

Checked before the fault (a failure means: do not inject) and after the revert
(the recovery). Health and readiness are polled; the metrics are one window.
"""

from __future__ import annotations

import time

from drillbook import runbook
from drillbook.chaos.context import DrillContext, Finding
from drillbook.chaos.window import MetricsWindow, judge, overrides, shown
from drillbook.errors import MetricsError

METRIC_RULES = ("api_error_rate", "api_p95")


def health_findings(ctx: DrillContext) -> list[Finding]:
    """/health answers 200 and /health/ready reports every dependency up."""
    return [_health(ctx), _ready(ctx)]


def _health(ctx: DrillContext) -> Finding:
    response = ctx.get("/health")
    status = response.status_code if response is not None else None
    return Finding("GET /health answers 200", status == 200, f"answered {status}" if status else "no answer",
                   "service-health", ctx.url("/health"))


def _ready(ctx: DrillContext) -> Finding:
    response = ctx.get("/health/ready")
    if response is None:
        return Finding("GET /health/ready answers 200", False, "no answer", "dependency-readiness",
                       ctx.url("/health/ready"))
    down = sorted(down_dependencies(response))
    detail = f"answered {response.status_code}" + (f", down: {', '.join(down)}" if down else "")
    return Finding("GET /health/ready answers 200 with every dependency up", response.status_code == 200 and not down,
                   detail, "dependency-readiness", ctx.url("/health/ready"))


def down_dependencies(response) -> dict[str, str]:
    """Dependencies /health/ready reports not up, with their error."""
    try:
        dependencies = response.json().get("dependencies") or {}
    except (ValueError, AttributeError):
        return {"(unreadable body)": response.text[:80]}
    return {name: str(dep.get("error", dep.get("status"))) for name, dep in dependencies.items()
            if not isinstance(dep, dict) or dep.get("status") not in ("up", "healthy", "ok")}


def metric_findings(ctx: DrillContext, window: MetricsWindow) -> list[Finding]:
    """Error rate and p95 of the window, judged by the catalogue (environment overrides applied)."""
    try:
        reading = window.read()
    except MetricsError as exc:
        return [Finding("metrics source answers", False, str(exc), "high-error-rate", ctx.env.base_url)]
    span = f"{reading.end - reading.start:.1f} s"
    findings = []
    for key in METRIC_RULES:
        threshold = runbook.threshold(key, overrides(ctx.env))
        verdict = judge(threshold, reading, min_requests=ctx.settings.min_requests)
        held = verdict.status == "pass"
        limit = f"{threshold.title} {threshold.op} {threshold.limit:g} {threshold.unit} is a breach"
        findings.append(Finding(f"{threshold.title} within limit", held, f"{shown(verdict)} ({limit})",
                                threshold.section, reading.source + (f" {reading.query}" if reading.query else ""),
                                window=span))
    return findings


def steady_state(ctx: DrillContext) -> list[Finding]:
    """Health and readiness at the start, then a metrics window of ``steady_window_s`` under probe traffic."""
    ctx.progress.enter("steady state", say="health and readiness")
    findings = health_findings(ctx)
    if not all(f.ok for f in findings):
        return findings  # no point measuring a window on a target that is already down
    return findings + measured_window(ctx, "steady state")


def measured_window(ctx: DrillContext, phase: str) -> list[Finding]:
    """Error rate and p95 over a ``steady_window_s`` window of probe traffic, with a progress line as it runs."""
    settings = ctx.settings
    with MetricsWindow(ctx.env, rps=settings.probe_rps) as window:
        ctx.progress.enter(phase, planned_s=settings.steady_window_s, status=window.so_far,
                           say=f"a {settings.steady_window_s:g} s window at {settings.probe_rps:g} probe rps "
                               f"(drill profile {settings.profile})")
        time.sleep(settings.steady_window_s)
        return metric_findings(ctx, window)
