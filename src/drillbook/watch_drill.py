"""The watch as a drill: probe traffic, the metrics source, live progress, charts and the verdict text."""

from __future__ import annotations

import time
from typing import Callable

import allure
import httpx

from drillbook import charts, metrics
from drillbook.clients.http import Breaker, build_client
from drillbook.environments import Environment
from drillbook.runbook import Threshold
from drillbook.traffic import ProbeTraffic
from drillbook.watch import Watch, WatchPlan, WatchResult, failure_lines, progress_line
from drillbook.watch_options import WatchSettings


def run_watch_drill(env: Environment, http: httpx.Client, settings: WatchSettings,
                    lookup: Callable[[str], Threshold], show: Callable[[str], None]) -> WatchResult:
    """Run the watch with probe traffic (if any) and attach one chart per rule."""
    plan = WatchPlan.for_runbook(lookup, duration_s=settings.duration_s, interval_s=settings.interval_s,
                                 min_requests=settings.min_requests, window_s=settings.window_s)
    max_requests = int(settings.probe_rps * plan.duration_s) + 1
    with build_client(env, breaker=Breaker(enabled=False)) as probe_client, \
            ProbeTraffic(probe_client, env.section("metrics")["probe_routes"], rps=settings.probe_rps,
                         max_requests=max_requests, duration_s=plan.duration_s) as traffic:
        source = metrics.create_source(env, http, traffic=traffic)
        show(f"watch: {plan.duration_s:g} s on {env.name} ({source.name}), every {plan.interval_s:g} s, "
             f"probe {settings.probe_rps:g} rps; fails at the first sustained breach")
        for warning in too_short_for(plan):
            show(f"watch: warning: {warning}")
        try:
            result = Watch(plan, source, on_progress=lambda e, r: show(progress_line(e, r))).run()
        finally:
            source.close()
    for line in result.summary().splitlines():
        show(f"watch: {line.strip()}")
    show(f"watch: verdict {result.status} at {time.time():.3f} (epoch s) after {result.ended - result.started:.0f} s")
    attach_charts(result)
    return result


def too_short_for(plan: WatchPlan) -> list[str]:
    """Rules whose window cannot complete within the watch: they can only end inconclusive."""
    long = [f"{key} ({plan.window_s or t.window_s:g} s)" for key, t in sorted(plan.thresholds.items())
            if (plan.window_s or t.window_s) > plan.duration_s]
    return [f"the windows of {', '.join(long)} are longer than the {plan.duration_s:g} s watch, so they can only "
            "end inconclusive -> use a longer --watch or a shorter --watch-window"] if long else []


def attach_charts(result: WatchResult) -> None:
    for tracker in result.trackers:
        evaluations = tracker.evaluator.evaluations
        if any(e.value is not None for e in evaluations):
            png = charts.render_series(f"{tracker.label}: {tracker.verdict.status}", tracker.evaluator.rule,
                                       evaluations, result.started)
            allure.attach(png, name=f"{tracker.label} ({tracker.verdict.status})",
                          attachment_type=allure.attachment_type.PNG)
    allure.attach(result.summary(), name="watch verdicts", attachment_type=allure.attachment_type.TEXT)


def verdict_message(result: WatchResult, allow_inconclusive: bool) -> str | None:
    """The failure text, or None when the watch passed (or was allowed to be inconclusive)."""
    elapsed = result.ended - result.started
    if result.failed:
        head = f"watch failed after {elapsed:.0f} s of {result.planned_s:g} s (stopped at the first sustained breach)"
        return "\n".join([head, *failure_lines(result)])
    if result.inconclusive and not allow_inconclusive:
        reasons = [t.verdict.describe() for t in result.inconclusive]
        errors = sorted(set(result.source_errors))[:3]
        tail = [f"source said: {e}" for e in errors]
        return "\n".join([f"watch inconclusive after {elapsed:.0f} s: no data is not a pass "
                          "(use --allow-inconclusive to accept it)", *reasons, *tail])
    return None
