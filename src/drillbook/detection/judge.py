"""Per expected alert: did it fire in its time, how fast, did it resolve; what fired outside the drill is noted.

>>> outcomes = judge_alerts(expected, read.alerts, timing)
>>> outcomes[0].status(now), outcomes[0].time_to_detect_s    # ('fired', 212.0)

An expected alert is claimed only by an alert of its rule that started between the
fault's start and its deadline: the rule's window, plus its evaluation frequency,
plus a grace. One that started earlier was raised by something else (noted, never
claimed); one that started later is too late to count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping

from drillbook.detection.fired import FiredAlert
from drillbook.runbook import Threshold
from drillbook.runtime.progress import utc_clock

Status = Literal["fired", "waiting", "missed"]


@dataclass(frozen=True)
class Timing:
    """The fault's start and revert (epoch seconds), and how long an alert may take beyond its rule's window.

    ``since``: an alert's own start where it differs from the fault's (the load drill: each breach's start), and
    ``what`` names that start in the notes.
    """

    started: float
    reverted: float | None
    frequency_s: float
    grace_s: float
    since: Mapping[str, float] = field(default_factory=dict)
    what: str = "the fault"

    def allowed_s(self, threshold: Threshold) -> float:
        return threshold.window_s + self.frequency_s + self.grace_s

    def start_of(self, threshold: Threshold) -> float:
        return self.since.get(threshold.key, self.started)

    def deadline(self, threshold: Threshold) -> float:
        return self.start_of(threshold) + self.allowed_s(threshold)

    def resolve_by(self, threshold: Threshold) -> float:
        """When an alert that fired should have resolved: a whole window past the revert, plus the same margins."""
        return (self.reverted or self.started) + self.allowed_s(threshold)


@dataclass
class AlertOutcome:
    """One expected alert: the Azure rule that claimed it, when it fired and resolved, and what else was seen."""

    threshold: Threshold
    deadline: float
    rule: str | None = None
    fired_at: float | None = None
    resolved_at: float | None = None
    time_to_detect_s: float | None = None
    notes: list[str] = field(default_factory=list)

    def status(self, now: float) -> Status:
        if self.fired_at is not None:
            return "fired"
        return "waiting" if now < self.deadline else "missed"

    def figures(self, now: float) -> dict:
        """What the journal keeps: times as ISO-8601 UTC, the time to detect in seconds."""
        return {"alert": self.threshold.key, "rule": self.rule, "status": self.status(now),
                "fired_at": iso_seconds(self.fired_at), "time_to_detect_s": self.time_to_detect_s,
                "resolved_at": iso_seconds(self.resolved_at), "deadline": iso_seconds(self.deadline),
                "notes": self.notes}


def judge_alerts(expected: list[Threshold], alerts: list[FiredAlert], timing: Timing) -> list[AlertOutcome]:
    return [_judge_one(threshold, [a for a in alerts if a.key == threshold.key], timing) for threshold in expected]


def _judge_one(threshold: Threshold, alerts: list[FiredAlert], timing: Timing) -> AlertOutcome:
    outcome, started = AlertOutcome(threshold, timing.deadline(threshold)), timing.start_of(threshold)
    inside = sorted((a for a in alerts if started <= a.fired_at <= outcome.deadline), key=lambda a: a.fired_at)
    for alert in alerts:
        if alert.fired_at < started:
            outcome.notes.append(f"{alert.rule} on {alert.target} fired at {utc_clock(alert.fired_at)}, before "
                                 f"{timing.what} started at {utc_clock(started)}: noted, not claimed")
        elif alert.fired_at > outcome.deadline:
            outcome.notes.append(f"{alert.rule} on {alert.target} fired at {utc_clock(alert.fired_at)}, after the "
                                 f"deadline {utc_clock(outcome.deadline)}: noted, not claimed")
    if inside:
        first = inside[0]
        outcome.rule, outcome.fired_at, outcome.resolved_at = first.rule, first.fired_at, first.resolved_at
        outcome.time_to_detect_s = round(first.fired_at - started, 3)
    return outcome


def unexpected(expected: list[Threshold], alerts: list[FiredAlert], timing: Timing) -> list[str]:
    """Alerts that fired during the drill but were not expected of it: noted, so a person can judge them."""
    keys = {t.key for t in expected}
    return [f"{a.rule} on {a.target} fired at {utc_clock(a.fired_at)} (not expected of this drill): noted"
            for a in alerts if a.key not in keys and a.fired_at >= timing.started]


def settled(outcomes: list[AlertOutcome], timing: Timing, now: float) -> bool:
    """Nothing left to wait for: each alert fired and resolved, or its deadline (or resolve-by) has passed."""
    return all(now >= _wait_until(o, timing) for o in outcomes)


def last_look(outcomes: list[AlertOutcome], timing: Timing) -> float:
    """When the last thing worth waiting for is due (epoch): the latest deadline or resolve-by."""
    return max((_wait_until(o, timing) for o in outcomes), default=timing.started)


def _wait_until(outcome: AlertOutcome, timing: Timing) -> float:
    if outcome.fired_at is None:
        return outcome.deadline
    return 0.0 if outcome.resolved_at is not None else timing.resolve_by(outcome.threshold)


def iso_seconds(epoch: float | None) -> str | None:
    """The journal's times: ISO-8601 UTC to the second (None stays None)."""
    from datetime import datetime, timezone

    return None if epoch is None else datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="seconds")
