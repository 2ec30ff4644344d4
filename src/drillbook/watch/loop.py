"""The post-deploy watch: read the metrics source every interval, judge every rule, stop at the first breach.

>>> plan = WatchPlan.for_runbook(lookup, duration_s=900, interval_s=60, min_requests=20)
>>> result = Watch(plan, source).run()
>>> result.status, summary(result)           # drillbook.watch.report says it in words

Request rules (error rate, p95) are required: if they never see a complete
window with data the watch is inconclusive. Gauges and the embedding failure
rate are judged when the source reports them. Error rate and p95 are also split
by endpoint, as an Azure Monitor alert split by operation name would be.

The windows start at the deploy (the watch's start). A source that ingests late
(``source.lag_s``) is read that much later, so the watch judges exactly
``duration_s`` of post-deploy traffic and runs ``lag_s`` longer. Every interval
the source could not read is counted (:mod:`drillbook.watch.coverage`); the
source is asked again at the next tick, never given up on.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Callable

from drillbook.errors import MetricsError
from drillbook.metrics.reading import Reading
from drillbook.rules import Evaluator, Verdict, format_value
from drillbook.runbook import MIN_POINTS_SHARE, Threshold
from drillbook.watch.coverage import Coverage
from drillbook.metrics.figures import Figures, span_of

REQUIRED = ("api_error_rate", "api_p95")
OPTIONAL = ("cpu", "memory", "embedding_failures", "cosmos_ru", "redis_memory", "servicebus_queue")
PER_ENDPOINT = ("api_error_rate", "slow_endpoint")
MAX_UNREADABLE_SHARE = 0.2


@dataclass(frozen=True)
class WatchPlan:
    """How long, how often, over what windows, against which thresholds, and how much data is enough."""

    duration_s: float
    interval_s: float
    min_requests: int
    thresholds: dict[str, Threshold]
    window_s: float | None = None  # compresses every rule's window, for drills and tests
    min_points_share: float = MIN_POINTS_SHARE
    max_unreadable_share: float = MAX_UNREADABLE_SHARE

    @classmethod
    def for_runbook(cls, lookup: Callable[[str], Threshold], **kwargs) -> WatchPlan:
        keys = set(REQUIRED + OPTIONAL + PER_ENDPOINT)
        return cls(thresholds={key: lookup(key) for key in keys}, **kwargs)

    def window_of(self, key: str) -> float:
        return self.window_s or self.thresholds[key].window_s

    def shortest_window(self) -> tuple[str, float]:
        """The rule with the shortest window: a longer gap in the data hides a whole window of it."""
        return min(((key, self.window_of(key)) for key in sorted(self.thresholds)), key=lambda kw: kw[1])

    @property
    def last_evaluation_s(self) -> float:
        """When, after the deploy, the watch evaluates for the last time (the last whole interval)."""
        return math.floor(self.duration_s / self.interval_s + 1e-9) * self.interval_s

    def too_long_windows(self) -> list[str]:
        """Rules whose window cannot complete by the last evaluation, so they could only end inconclusive."""
        return [f"{key} ({self.window_of(key):g} s)" for key in sorted(self.thresholds)
                if self.window_of(key) > self.last_evaluation_s + 1e-9]

    def evaluator(self, key: str, run_start: float, endpoint: str | None = None, *,
                  point_every_s: float | None = None) -> Tracker:
        threshold = self.thresholds[key]
        rule = threshold.to_rule(window_s=self.window_s, min_count=self.min_requests,
                                 point_every_s=point_every_s or self.interval_s,
                                 min_points_share=self.min_points_share)
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

    @property
    def required(self) -> bool:
        return self.label in REQUIRED

    @property
    def reported(self) -> bool:
        """Whether the source ever gave this rule any data (an optional rule without it is not judged)."""
        return any(e.count or e.points for e in self.evaluator.evaluations)

    def current(self) -> str:
        last = self.evaluator.evaluations[-1] if self.evaluator.evaluations else None
        if last is None or last.value is None:
            return f"{self.label} {'warming' if last and last.state == 'warming' else 'no data'}"
        return f"{self.label} {format_value(self.evaluator.rule, last)}"


@dataclass
class WatchResult:
    """Every rule's verdict, in the order they were created, plus what the source said and how often."""

    plan: WatchPlan
    trackers: list[Tracker]
    started: float  # the deploy: every window starts here
    ended: float  # the end of the last interval judged (data time)
    source: str
    coverage: Coverage
    lag_s: float = 0.0
    query: str = ""
    readings: list[Reading] = field(default_factory=list)

    @property
    def overall(self) -> list[Tracker]:
        """The rules over all traffic, in catalogue order; per-endpoint trackers follow them in ``trackers``."""
        return self.trackers[: len(REQUIRED + OPTIONAL)]

    @property
    def planned_s(self) -> float:
        return self.plan.duration_s

    @property
    def source_errors(self) -> list[str]:
        return self.coverage.errors

    @property
    def failed(self) -> list[Tracker]:
        return [t for t in self.trackers if t.verdict.status == "fail"]

    @property
    def inconclusive(self) -> list[Tracker]:
        return [t for t in self.trackers if t.required and t.verdict.status == "inconclusive"]

    @property
    def coverage_problems(self) -> list[str]:
        """Why the intervals read are not enough to vouch for the watch."""
        key, window = self.plan.shortest_window()
        return self.coverage.problems(max_share=self.plan.max_unreadable_share, window_s=window, window_of=key)

    @property
    def status(self) -> str:
        if self.failed:
            return "fail"
        return "inconclusive" if self.inconclusive or self.coverage_problems else "pass"

    def figures(self) -> Figures:
        """The key metrics over every interval read."""
        return Figures.of(self.readings, sum(span_of(r, self.plan.interval_s) for r in self.readings))


class Watch:
    """Runs a plan against a source; ``stop()`` (or Ctrl-C) ends it at the next tick."""

    def __init__(self, plan: WatchPlan, source, *, on_progress: Callable[[float, WatchResult], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.plan, self.source, self._clock = plan, source, clock
        self.lag_s = float(getattr(source, "lag_s", 0.0) or 0.0)
        self._point_every_s = getattr(source, "gauge_step_s", None)
        self._on_progress = on_progress or (lambda elapsed, result: None)
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> WatchResult:
        start = self._clock()
        trackers = [self._tracker(k, start) for k in REQUIRED + OPTIONAL]
        result = WatchResult(self.plan, trackers, start, start, getattr(self.source, "name", "?"),
                             Coverage(self.plan.interval_s), self.lag_s)
        endpoints: dict[tuple[str, str], Tracker] = {}
        last = start
        for tick in self._ticks(start):
            reading = self._read(last, tick, result)
            last = tick
            if reading is not None:
                result.query = reading.query
                result.readings.append(reading)
                self._feed(result, endpoints, reading, start, tick)
            result.ended = tick
            self._on_progress(tick - start, result)
            if result.failed:
                break
        return result

    def _tracker(self, key: str, start: float, endpoint: str | None = None) -> Tracker:
        return self.plan.evaluator(key, start, endpoint, point_every_s=self._point_every_s)

    def _ticks(self, start: float):
        """The end of each interval (data time); each is read once the source has ingested it."""
        n = 1
        while n * self.plan.interval_s <= self.plan.duration_s + 1e-9:
            due = start + n * self.plan.interval_s
            if self._stop.wait(max(0.0, due + self.lag_s - self._clock())):
                return
            yield due
            n += 1

    def _read(self, start: float, end: float, result: WatchResult) -> Reading | None:
        try:
            reading = self.source.read(start, end)
        except MetricsError as exc:  # NoDataError included: the interval is unreadable, and counted
            result.coverage.unreadable(end, str(exc))
            return None
        result.coverage.read(end)
        return reading

    def _feed(self, result: WatchResult, endpoints: dict, reading: Reading, start: float, tick: float) -> None:
        # Samples are stamped with the tick, not the scrape's own clock, so windows line up with the schedule.
        for tracker in result.overall:
            tracker.evaluator.add(replace(reading.sample_for(tracker.threshold), at=tick))
        for name in reading.endpoints:
            for key in PER_ENDPOINT:
                if (key, name) not in endpoints:
                    endpoints[(key, name)] = self._tracker(key, start, endpoint=name)
                    result.trackers.append(endpoints[(key, name)])
        for (key, name), tracker in endpoints.items():
            tracker.evaluator.add(replace(reading.sample_for(tracker.threshold, endpoint=name), at=tick))
