"""What the load breached, as plain data for the alerts it should have raised (``detection.load``).

>>> [b.key for b in breaches(run)], breaches(run)[0].started   # (['api_error_rate'], 1796630412.0)
>>> alert_rules(run)[0]["would_fire_after_s"]                  # the sandbox: when the runbook's rule would have fired

A breach starts where the first window that breached starts: the earliest its bad
requests can have begun, so an alert they raised fires after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from drillbook.load._judge import REQUIRED, Tracker

if TYPE_CHECKING:
    from drillbook.load._run import LoadRun


@dataclass(frozen=True)
class Breach:
    """One rule the load breached: its first breaching window's start, and the verdict line (value, limit, window)."""

    key: str
    started: float
    measured: str
    route: str | None = None  # a breach on one route alone (no API-wide breach of the rule)


def breaches(run: LoadRun) -> list[Breach]:
    """Per rule the load failed on, its API-wide breach, else the earliest of its routes'; none unless it failed."""
    if run.status != "fail":
        return []
    found: dict[str, Breach] = {}
    for breach in sorted(map(_breach, run.failed), key=lambda b: (b.route is not None, b.started)):
        found.setdefault(breach.key, breach)
    return list(found.values())


def alert_rules(run: LoadRun) -> list[dict]:
    """The runbook's alert rules over every request as the load measured them: when each would have fired."""
    trackers = run.judge.trackers if run.judge else []
    return [{"alert": t.threshold.key, "window_s": t.verdict.rule.window_s,
             "would_fire_after_s": _after(t, run.started), "measured": t.finding()}
            for t in trackers if t.route is None and t.threshold.key in REQUIRED and t.threshold.alert]


def _breach(tracker: Tracker) -> Breach:
    first = tracker.verdict.first_breach
    return Breach(tracker.threshold.key, first.window_start, tracker.finding(), tracker.route)


def _after(tracker: Tracker, started: float) -> float | None:
    first = tracker.verdict.first_breach
    return None if first is None or not tracker.failed else round(first.at - started, 3)
