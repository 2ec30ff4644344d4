"""Judge the load interval by interval with the watch's engine: whole-run rules and per-route rules.

Error rate and p95 over every request are required: if neither window ever had
data the drill is inconclusive. Each route is also judged on its own error rate
and on the runbook's slow-endpoint p95, so a slow route is named.

Short drills compress the runbook's windows (5 and 10 min) to fit the run; the
record says so. A client-side latency breach in a window where the generator
was saturated is no failure of the API unless the window's unsaturated intervals
breach on their own: otherwise it is inconclusive, and the load goes on, since a
later window may breach with the generator idle (see _generator).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable

from drillbook.load._generator import GeneratorReading, saturation_note, worst_saturated
from drillbook.load._reach import Reach
from drillbook.load._stats import Interval, RouteCounts
from drillbook.rules import Evaluation, Evaluator, Sample, Verdict
from drillbook.runbook import Threshold

REQUIRED = ("api_error_rate", "api_p95")
PER_ROUTE = ("api_error_rate", "slow_endpoint")
LATENCY = ("api_p95", "slow_endpoint")  # what a saturated generator inflates on the client side
SOURCE = "locust client-side"


def windows_for(thresholds: dict[str, Threshold], duration_s: float, interval_s: float,
                window_s: float | None) -> dict[str, float]:
    """Each rule's window: the one asked for, else the runbook's, else half the run (at least two intervals)."""
    fit = compressed_window(duration_s, interval_s)
    return {key: window_s or (t.window_s if t.window_s <= duration_s else fit) for key, t in thresholds.items()}


def compressed_window(duration_s: float, interval_s: float) -> float:
    """A runbook window too long for the run becomes half the run, in whole intervals (at least two)."""
    return max(2 * interval_s, math.floor(duration_s / 2 / interval_s) * interval_s)


def window_note(thresholds: dict[str, Threshold], windows: dict[str, float]) -> str:
    """``windows compressed: api_p95 600 s -> 30 s, ...`` or that the runbook's windows are used."""
    changed = [f"{key} {t.window_s:g} s -> {windows[key]:g} s" for key, t in sorted(thresholds.items())
               if windows[key] != t.window_s]
    return f"windows compressed for a short drill: {', '.join(changed)}" if changed else "runbook windows"


@dataclass
class Tracker:
    """One rule's evaluator, the route it judges (None: every request) and the side it was measured on."""

    threshold: Threshold
    evaluator: Evaluator
    route: str | None = None
    side: str = "client"
    saturated: Callable[[float, float], GeneratorReading | None] | None = None  # latency rules on the client
    name_process: Callable[[str], str] = str
    # does a window's breach hold on its unsaturated intervals alone? (then saturation cannot explain it)
    stands_unsaturated: Callable[[Tracker, float, float], bool] | None = None

    @property
    def label(self) -> str:
        parts = [self.threshold.key, self.route, "(server)" if self.side == "server" else None]
        return " ".join(p for p in parts if p)

    @property
    def verdict(self) -> Verdict:
        """The rule's verdict; a fail stands on the first breach whose window had the generator unsaturated."""
        verdict = self.evaluator.verdict(final=True)
        clean = self._clean_breach(verdict)
        return replace(verdict, first_breach=clean) if clean is not None else verdict

    @property
    def excuse(self) -> GeneratorReading | None:
        """The saturated reading in the first breach window, when every breach had the generator saturated."""
        verdict = self.evaluator.verdict(final=True)
        if verdict.status != "fail" or self.saturated is None or self._clean_breach(verdict) is not None:
            return None
        return self.saturated(verdict.first_breach.window_start, verdict.first_breach.window_end)

    @property
    def failed(self) -> bool:
        return self.evaluator.failed and self.excuse is None

    @property
    def status(self) -> str:
        return "inconclusive" if self.excuse else self.verdict.status

    def finding(self) -> str:
        """The verdict line, with the route and the side after the rule's name."""
        text, key = self.verdict.describe(), self.threshold.key
        where = (f" on {self.route}" if self.route else "") + (" server-side" if self.side == "server" else "")
        excuse = self.excuse
        if excuse is not None:
            return f"{key}{where} inconclusive:{text[len(key):]}, but {saturation_note(excuse, self.name_process)}"
        return f"{key}{where}{text[len(key):]}"

    def _clean_breach(self, verdict: Verdict) -> Evaluation | None:
        """The first breach that saturation cannot explain: its window had no saturated generator reading, or the
        window's unsaturated intervals breach on their own (every breach when the generator is not watched)."""
        breaches = [e for e in verdict.evaluations if e.state == "breach"]
        if self.saturated is None:
            return breaches[0] if breaches else None
        return next((e for e in breaches if self.saturated(e.window_start, e.window_end) is None
                     or (self.stands_unsaturated and self.stands_unsaturated(self, e.window_start, e.window_end))),
                    None)


@dataclass
class LoadJudge:
    """Feeds each complete interval to every rule; routes get their trackers when first seen."""

    thresholds: dict[str, Threshold]
    windows: dict[str, float]
    min_requests: int
    run_start: float
    side: str = "client"
    trackers: list[Tracker] = field(default_factory=list)
    intervals: list[Interval] = field(default_factory=list)
    generator: list[GeneratorReading] = field(default_factory=list)
    name_process: Callable[[str], str] = str  # host:pid -> "worker-2 (pid 1234)"
    reach: Reach | None = None  # requests that never reached the API (client side only)

    @classmethod
    def for_runbook(cls, lookup: Callable[[str], Threshold], *, duration_s: float, interval_s: float,
                    window_s: float | None, min_requests: int, run_start: float, side: str = "client") -> LoadJudge:
        thresholds = {key: lookup(key) for key in set(REQUIRED + PER_ROUTE)}
        windows = windows_for(thresholds, duration_s, interval_s, window_s)
        judge = cls(thresholds, windows, min_requests, run_start, side)
        judge.trackers = [judge._tracker(key) for key in REQUIRED]
        if side == "client":
            judge.reach = Reach.for_window(window_s=windows["api_error_rate"], min_requests=min_requests,
                                           run_start=run_start)
        return judge

    def add(self, interval: Interval) -> None:
        """One interval of locust's reports."""
        self.intervals.append(interval)
        self.generator += interval.generator
        if self.reach is not None:
            self.reach.add(interval)
        self.feed(interval.routes, lambda tracker: interval.sample(tracker.route))

    def feed(self, routes: Iterable[str], sample_of: Callable[[Tracker], Sample]) -> None:
        """One interval from any source: ``sample_of(tracker)`` is that rule's sample for the interval."""
        for name in sorted(routes):
            if not any(t.route == name for t in self.trackers):
                self.trackers += [self._tracker(key, name) for key in PER_ROUTE]
        for tracker in self.trackers:
            tracker.evaluator.add(sample_of(tracker))

    @property
    def failed(self) -> list[Tracker]:
        return [t for t in self.trackers if t.failed]

    @property
    def inconclusive(self) -> list[Tracker]:
        """Required rules without data, and any rule whose only breaches had the generator saturated."""
        return [t for t in self.trackers
                if (t.route is None and t.verdict.status == "inconclusive") or t.excuse is not None]

    @property
    def saturation(self) -> str | None:
        """The record's note when the generator was saturated at any time, whatever the verdict."""
        worst = worst_saturated(self.generator)
        if worst is None:
            return None
        count = sum(r.saturated for r in self.generator)
        return f"{saturation_note(worst, self.name_process)} ({count} of {len(self.generator)} readings above 90 %)"

    def saturated_between(self, start: float, end: float) -> GeneratorReading | None:
        return worst_saturated(self.generator, start, end)

    def breach_without_saturation(self, tracker: Tracker, start: float, end: float) -> bool:
        """The percentile over the window's intervals without a saturated reading: enough requests and still over
        the limit (then the breach is the API's, not the generator's)."""
        counts = RouteCounts()
        for interval in self.intervals:
            if start < interval.at <= end and not any(r.saturated for r in interval.generator):
                counts.add(interval.total() if tracker.route is None else
                           interval.routes.get(tracker.route, RouteCounts()))
        threshold = tracker.threshold
        value = counts.percentile(threshold.quantile or 0.95) if counts.reached >= self.min_requests else None
        return value is not None and value > threshold.limit

    def _tracker(self, key: str, route: str | None = None) -> Tracker:
        threshold = self.thresholds[key]
        rule = threshold.to_rule(window_s=self.windows[key], min_count=self.min_requests)
        watched = key in LATENCY and self.side == "client"
        return Tracker(threshold, Evaluator(rule, self.run_start), route, self.side,
                       self.saturated_between if watched else None, lambda process: self.name_process(process),
                       self.breach_without_saturation if watched else None)


def route_table(judge: LoadJudge) -> str:
    """The whole run per route: requests, errors, p50/p95/p99 from the merged histograms (and any unreached)."""
    totals: dict[str, RouteCounts] = {}
    for interval in judge.intervals:
        for name, counts in interval.routes.items():
            totals.setdefault(name, RouteCounts()).add(counts)
    everything = RouteCounts()
    for counts in totals.values():
        everything.add(counts)
    missed = everything.missed > 0  # then errors are the API's, over the requests that reached it
    header = f"{'route':<34} {'requests':>8} {'errors':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    header += f" {'unreached':>9}" if missed else ""
    rows = [_row(name, totals[name], missed) for name in sorted(totals)]
    return "\n".join([header, *rows, _row("all requests", everything, missed)])


def _row(name: str, counts: RouteCounts, show_missed: bool) -> str:
    def ms(q: float) -> str:
        value = counts.percentile(q)
        return "-" if value is None else f"{value:.0f}"

    errors = "-" if counts.error_pct is None else f"{counts.error_pct:.1f}%"
    missed = f" {counts.missed:>9}" if show_missed else ""
    return f"{name:<34} {counts.count:>8} {errors:>7} {ms(0.5):>7} {ms(0.95):>7} {ms(0.99):>7}{missed}"
