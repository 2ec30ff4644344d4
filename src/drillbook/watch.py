"""The post-deploy watch: read the metrics source every interval, judge every rule, stop at the first breach.

>>> plan = WatchPlan.for_runbook(lookup, duration_s=900, interval_s=60)
>>> result = Watch(plan, source).run()
>>> result.status, result.summary()

Request rules (error rate, p95) are required: if they never see a complete
window with data the watch is inconclusive. Gauges (CPU, memory) are judged
when the source reports them. Error rate and p95 are also split by endpoint,
as an Azure Monitor alert split by operation name would be.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable

from drillbook import runbook
from drillbook.metrics.reading import MetricsError, Reading
from drillbook.rules import Evaluator, Verdict
from drillbook.runbook import Threshold

REQUIRED = ("api_error_rate", "api_p95")
OPTIONAL = ("cpu", "memory")
PER_ENDPOINT = ("api_error_rate", "slow_endpoint")


@dataclass(frozen=True)
class WatchPlan:
    """How long, how often, over what windows, and against which thresholds."""

    duration_s: float
    interval_s: float
    min_requests: int
    thresholds: dict[str, Threshold]
    window_s: float | None = None  # compresses every rule's window, for drills and tests

    @classmethod
    def for_runbook(cls, lookup: Callable[[str], Threshold], **kwargs) -> WatchPlan:
        keys = set(REQUIRED + OPTIONAL + PER_ENDPOINT)
        return cls(thresholds={key: lookup(key) for key in keys}, **kwargs)

    def evaluator(self, key: str, run_start: float, endpoint: str | None = None) -> Tracker:
        threshold = self.thresholds[key]
        rule = threshold.to_rule(window_s=self.window_s, min_count=self.min_requests)
        return Tracker(f"{key} {endpoint}" if endpoint else key, threshold, Evaluator(rule, run_start), endpoint)


@dataclass
class Tracker:
    """One rule's evaluator with the name it is reported under (``slow_endpoint GET /x``)."""

    label: str
    threshold: Threshold
    evaluator: Evaluator
    endpoint: str | None = None

    @property
    def verdict(self) -> Verdict:
        return self.evaluator.verdict(final=True)

    def current(self) -> str:
        last = self.evaluator.evaluations[-1] if self.evaluator.evaluations else None
        if last is None or last.value is None:
            return f"{self.label} {'warming' if last and last.state == 'warming' else 'no data'}"
        return f"{self.label} {last.value:.3g} {self.threshold.unit}"


@dataclass
class WatchResult:
    """Every rule's verdict, in the order they were created, plus what the source said."""

    trackers: list[Tracker]
    started: float
    ended: float
    planned_s: float
    source: str
    query: str = ""
    source_errors: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Tracker]:
        return [t for t in self.trackers if t.verdict.status == "fail"]

    @property
    def inconclusive(self) -> list[Tracker]:
        return [t for t in self.trackers if t.label in REQUIRED and t.verdict.status == "inconclusive"]

    @property
    def status(self) -> str:
        return "fail" if self.failed else "inconclusive" if self.inconclusive else "pass"

    def summary(self) -> str:
        """One line per rule: the rule's own verdict text."""
        return "\n".join(f"{t.verdict.status:>12}  {_finding(t)}" for t in self.trackers)


class Watch:
    """Runs a plan against a source; ``stop()`` (or Ctrl-C) ends it at the next tick."""

    def __init__(self, plan: WatchPlan, source, *, on_progress: Callable[[float, WatchResult], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.plan, self.source, self._clock = plan, source, clock
        self._on_progress = on_progress or (lambda elapsed, result: None)
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> WatchResult:
        start = self._clock()
        result = WatchResult([self.plan.evaluator(k, start) for k in REQUIRED + OPTIONAL], start, start,
                             self.plan.duration_s, getattr(self.source, "name", "?"))
        endpoints: dict[str, Tracker] = {}
        last = start
        for tick in self._ticks(start):
            reading = self._read(last, tick, result)
            last = tick
            if reading is not None:
                result.query = reading.query
                self._feed(result, endpoints, reading, start, tick)
            result.ended = tick
            self._on_progress(tick - start, result)
            if result.failed:
                break
        return result

    def _ticks(self, start: float):
        n = 1
        while n * self.plan.interval_s <= self.plan.duration_s + 1e-9:
            due = start + n * self.plan.interval_s
            if self._stop.wait(max(0.0, due - self._clock())):
                return
            yield due
            n += 1

    def _read(self, start: float, end: float, result: WatchResult) -> Reading | None:
        try:
            return self.source.read(start, end)
        except MetricsError as exc:  # NoDataError included: the interval counts as no data
            result.source_errors.append(str(exc))
            return None

    def _feed(self, result: WatchResult, endpoints: dict, reading: Reading, start: float, tick: float) -> None:
        # Samples are stamped with the tick, not the scrape's own clock, so windows line up with the schedule.
        for tracker in result.trackers[: len(REQUIRED + OPTIONAL)]:
            tracker.evaluator.add(replace(reading.sample_for(tracker.threshold), at=tick))
        for name in reading.endpoints:
            for key in PER_ENDPOINT:
                if (key, name) not in endpoints:
                    endpoints[(key, name)] = self.plan.evaluator(key, start, endpoint=name)
                    result.trackers.append(endpoints[(key, name)])
        for (key, name), tracker in endpoints.items():
            tracker.evaluator.add(replace(reading.sample_for(tracker.threshold, endpoint=name), at=tick))


def failure_lines(result: WatchResult) -> list[str]:
    """A runbook failure message for each failed rule, with source and remedy."""
    source = f"{result.source} {result.query}".strip()
    return [runbook.failure_message(t.threshold.section, _finding(t), source=source) for t in result.failed]


def _finding(tracker: Tracker) -> str:
    text = tracker.verdict.describe()
    return f"{text[: len(tracker.threshold.key)]} on {tracker.endpoint}{text[len(tracker.threshold.key):]}" \
        if tracker.endpoint else text


def progress_line(elapsed: float, result: WatchResult) -> str:
    head = f"watch {_clock(elapsed)}/{_clock(result.planned_s)}"
    core = [t.current() for t in result.trackers if t.label in REQUIRED + OPTIONAL]
    return " | ".join([head, *core])


def _clock(seconds: float) -> str:
    return f"{int(seconds) // 60:02d}:{int(seconds) % 60:02d}"
