"""The watch as a drill: probe traffic, the metrics source, live progress, charts, the record and the verdict."""

from __future__ import annotations

import json
import time
from typing import Callable

import allure
import httpx

from drillbook import metrics, runbook
from drillbook.findings import Finding, failing
from drillbook.record import evidence
from drillbook.troubleshooting import run as troubleshooting
from drillbook.record import series as watch_series
from drillbook.clients.http import Breaker, build_client
from drillbook.config.environments import Environment
from drillbook.runbook import Threshold
from drillbook.metrics.traffic import ProbeTraffic
from drillbook.watch.loop import Watch, WatchPlan, WatchResult
from drillbook.metrics.figures import Figures, span_of
from drillbook.watch.options import WatchSettings, plan_for
from drillbook.watch.report import failure_findings, judged_span, progress_line, summary


def run_watch_drill(env: Environment, http: httpx.Client, settings: WatchSettings,
                    lookup: Callable[[str], Threshold], show: Callable[[str], None]) -> WatchResult:
    """Run the watch with probe traffic (if any) and attach one chart per rule and the watch record.

    ``http`` is not used for the metrics: the source gets a client of its own without the run's shared
    breaker, so one slow /metrics answer cannot silence the rest of the watch.
    """
    plan = plan_for(settings, lookup)
    max_requests = int(settings.probe_rps * plan.duration_s) + 1
    with build_client(env.http_target, breaker=Breaker(enabled=False)) as probe_client, \
            build_client(env.http_target, breaker=Breaker(enabled=False)) as metrics_client, \
            ProbeTraffic(probe_client, env.config.metrics.probe_routes, rps=settings.probe_rps,
                         max_requests=max_requests, duration_s=plan.duration_s) as traffic:
        source = metrics.create_source(env, metrics_client, traffic=traffic)
        show(start_line(env, plan, source, settings.probe_rps))
        try:
            result = Watch(plan, source, on_progress=lambda e, r: show(progress_line(e, r))).run()
        finally:
            source.close()
    for line in summary(result).splitlines():
        show(f"watch: {line.strip()}")
    show(f"watch: verdict {result.status} at {watch_series.iso_utc(time.time())} "
         f"after {result.ended - result.started:.0f} s")
    attach_charts(result, target=env.base_url)
    allure.attach(watch_series.series_csv(result), name="watch series (CSV)",
                  attachment_type=allure.attachment_type.CSV)
    attach_record(result)
    if result.failed:
        attach_troubleshooting(result, env)
    return result


def start_line(env: Environment, plan: WatchPlan, source, probe_rps: float) -> str:
    lag = getattr(source, "lag_s", 0.0) or 0.0
    late = f"; each interval is read {lag:g} s after it ends (ingestion lag), so it ends {lag:g} s later" if lag else ""
    return (f"watch: {plan.duration_s:g} s after the deploy on {env.name} ({source.name}), every "
            f"{plan.interval_s:g} s, probe {probe_rps:g} rps; fails at the first sustained breach{late}")


def attach_charts(result: WatchResult, target: str) -> None:
    evidence.attach_rule_charts(result.trackers, result.started, target)
    allure.attach(summary(result), name="watch verdicts", attachment_type=allure.attachment_type.TEXT)


def watch_record(result: WatchResult) -> dict:
    """What the watch judged, over which traffic, how much of it could be read, and the key metrics."""
    interval = result.plan.interval_s
    return {
        "status": result.status, "source": result.source, "judged": judged_span(result),
        "deployed_at": result.started, "judged_until": result.ended, "planned_s": result.planned_s,
        "interval_s": interval, "ingestion_lag_s": result.lag_s,
        "coverage": {**result.coverage.as_record(), "problems": result.coverage_problems,
                     "max_unreadable_share": result.plan.max_unreadable_share},
        "key_metrics": {"whole_watch": result.figures().as_record(),
                        "intervals": [{"end": r.end, **Figures.of([r], span_of(r, interval)).as_record()}
                                      for r in result.readings]},
        "verdicts": {t.label: t.verdict.describe() for t in result.trackers},
    }


def attach_record(result: WatchResult) -> None:
    allure.attach(json.dumps(watch_record(result), indent=2, default=str), name="watch record",
                  attachment_type=allure.attachment_type.JSON)


def attach_troubleshooting(result: WatchResult, env: Environment) -> None:
    """The runbook's troubleshooting for the breached sections; whatever happens here, the verdict stands."""
    sections = tuple(sorted({t.threshold.section for t in result.failed}))
    troubleshooting.attach(troubleshooting.Trouble("watch", sections, result.started, result.ended,
                                                   tuple(result.readings), result.plan.interval_s), env)


def verdict(result: WatchResult, allow_inconclusive: bool) -> BaseException | None:
    """The test's failure, carrying its findings, or None when the watch passed (or was allowed inconclusive)."""
    elapsed = result.ended - result.started
    if result.failed:
        head = f"watch failed after {elapsed:.0f} s of {result.planned_s:g} s (stopped at the first sustained breach)"
        found = failure_findings(result)
        return failing("\n".join([head, *map(runbook.render, found)]), *found)
    if result.status == "inconclusive" and not allow_inconclusive:
        reasons = [t.verdict.describe() for t in result.inconclusive] + result.coverage_problems
        tail = [f"source said: {e}" for e in result.source_errors[:3]]
        message = "\n".join([f"watch inconclusive after {elapsed:.0f} s: no data is not a pass (use "
                             f"--allow-inconclusive to accept it); {result.coverage.describe()}", *reasons, *tail])
        source = f"{result.source} {result.query}".strip()
        return failing(message, Finding("no data", None, message, source=source, window=f"{elapsed:.0f} s"))
    return None


def verdict_message(result: WatchResult, allow_inconclusive: bool) -> str | None:
    """The failure text, or None when the watch passed (or was allowed to be inconclusive)."""
    failure = verdict(result, allow_inconclusive)
    return str(failure) if failure else None
