"""What the watch says: the live progress line, the summary, the failure lines and the span it judged.

>>> Watch(plan, source, on_progress=lambda elapsed, r: print(progress_line(elapsed, r))).run()
watch 00:30/15:00 | api_error_rate 0.4 % | api_p95 210 ms | 15 of 15 intervals read | p50 42 ms, ...
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from drillbook import runbook
from drillbook.findings import Finding
from drillbook.metrics.figures import Figures, span_of

if TYPE_CHECKING:
    from drillbook.rules import Verdict
    from drillbook.runbook import Threshold
    from drillbook.watch.loop import Tracker, WatchResult


def summary(result: WatchResult) -> str:
    """One line per rule judged, then the rules not judged, the coverage, the key metrics and the span."""
    shown = [t for t in result.trackers if t.required or t.reported or t.verdict.status == "fail"]
    lines = [f"{t.verdict.status:>12}  {_finding(t)}" for t in shown]
    unjudged = [t.label for t in result.trackers if t not in shown]
    if unjudged:
        lines.append(f"{'not judged':>12}  {', '.join(unjudged)} (the source reported no data for them)")
    said = [f"first unreadable: {result.coverage.errors[0]}"] if result.coverage.errors else []
    coverage = "; ".join([result.coverage.describe(), *result.coverage_problems, *said])
    lines.append(f"{'coverage':>12}  {coverage}")
    lines.append(f"{'traffic':>12}  {result.figures().describe()} (whole watch)")
    lines.append(f"{'judged':>12}  {judged_span(result)}")
    return "\n".join(lines)


def failure_findings(result: WatchResult) -> list[Finding]:
    """A finding for each failed rule: the breach it saw first, the limit, and the source it read."""
    source = f"{result.source} {result.query}".strip()
    return [breach_finding(t.threshold, t.verdict, _finding(t), source) for t in result.failed]


def breach_finding(threshold: Threshold, verdict: Verdict, detail: str, source: str) -> Finding:
    """A failed rule's finding; the window is in ``detail`` (the verdict's own words), so it is not repeated."""
    first = verdict.first_breach
    return Finding("threshold", threshold.section, detail, source=source, rule=threshold.key,
                   value=first.value if first else None, limit=verdict.rule.limit, unit=verdict.rule.unit)


def failure_lines(result: WatchResult) -> list[str]:
    """A runbook failure message for each failed rule, with source and remedy."""
    return [runbook.render(f) for f in failure_findings(result)]


def judged_span(result: WatchResult) -> str:
    """What traffic the verdicts cover: from the deploy, how long, and how far behind it was read."""
    span = f"{_iso(result.started)} to {_iso(result.ended)}: the {result.ended - result.started:g} s after the deploy"
    planned = "" if abs(result.ended - result.started - result.planned_s) < 1e-6 else f" (of {result.planned_s:g} s)"
    lag = f", each interval read {result.lag_s:g} s after it ended (ingestion lag)" if result.lag_s else ""
    return f"{span}{planned}{lag}"


def _finding(tracker: Tracker) -> str:
    text = tracker.verdict.describe()
    return f"{text[: len(tracker.threshold.key)]} on {tracker.endpoint}{text[len(tracker.threshold.key):]}" \
        if tracker.endpoint else text


def progress_line(elapsed: float, result: WatchResult) -> str:
    head = f"watch {_clock(elapsed)}/{_clock(result.planned_s)}"
    core = [t.current() for t in result.overall if t.required or t.reported]
    return " | ".join([head, *core, result.coverage.describe(), _latest_figures(result)])


def _latest_figures(result: WatchResult) -> str:
    if not result.coverage.ticks or result.coverage.ticks[-1][1] is not None:
        return "last interval unreadable"
    reading = result.readings[-1]
    return Figures.of([reading], span_of(reading, result.plan.interval_s)).describe()


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60:02d}:{int(seconds) % 60:02d}"


def _iso(epoch: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
