"""The runbook's rules for a drill's expected alerts, evaluated on the target's metrics while the fault is on.

>>> rules = RulesDuringFault(env, [threshold("api_error_rate")], window_s=2, min_requests=10, rps=24)
>>> rules.fault_started(time.time()); ...; rules.fault_ending(time.time()); rules.before_revert(time.time())
>>> rules.outcomes()[0].fired_after_s                # 1.5: the rule's first breach, seconds after the fault

Each rule's window is compressed to ``window_s`` (a fault lasts seconds, a rule's window minutes), evaluated
every ``TICK_S`` on the environment's metrics source under drillbook's probe traffic, as the watch does. On
the sandbox this is when drillbook's own rules would have fired; on Azure it is the signal measured during the
fault, shown when an expected alert stays silent, read from drillbook's own probes (client side) so that Azure
Monitor is not queried every tick. An unreadable tick is counted, never read as calm.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace

from drillbook import metrics
from drillbook.clients.azure import one_line
from drillbook.clients.http import Breaker, build_client
from drillbook.config.environments import Environment
from drillbook.errors import DrillbookError
from drillbook.metrics.traffic import ProbeTraffic
from drillbook.rules import Evaluator, format_value
from drillbook.runbook import Threshold

TICK_S = 0.5
SPARE_S = 900.0  # the probe traffic's own bound: a drill that never reverts stops sending on its own


@dataclass(frozen=True)
class RuleOutcome:
    """One rule over the fault: when it first breached (seconds after the fault started), else its worst value."""

    threshold: Threshold
    window_s: float
    fired_after_s: float | None
    measured: str  # "error rate 41 % over 2 s (first breach)" or "worst 0.4 %" or "no data (...)"
    unreadable: int = 0
    ticks: int = 0

    def describe(self) -> str:
        t = self.threshold
        rule = f"{t.key} ({t.title} {t.op} {t.limit:g} {t.unit}, its {t.window_s:g} s window compressed to " \
               f"{self.window_s:g} s)"
        unread = f"; {self.unreadable} of {self.ticks} ticks unreadable" if self.unreadable else ""
        if self.fired_after_s is None:
            return f"{rule} would not have fired during the fault: {self.measured}{unread}"
        return f"{rule} would have fired {self.fired_after_s:.1f} s after the fault started: {self.measured}{unread}"


class RulesDuringFault:
    """Started by the drill when the fault is applied, stopped before it is reverted (``ctx.watchers``)."""

    def __init__(self, env: Environment, thresholds: list[Threshold], *, window_s: float, min_requests: int,
                 rps: float, client_side: bool = False) -> None:
        self.env, self.thresholds, self.rps = env, thresholds, rps
        self.client_side = client_side  # read drillbook's own probes, not the environment's source
        self.window_s = window_s
        self._rules = {t.key: t.to_rule(window_s=min(window_s, t.window_s), min_count=min_requests)
                       for t in thresholds}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._evaluators: dict[str, Evaluator] = {}
        self.started = 0.0
        self.ticks = self.unreadable = 0
        self.last_problem = ""
        self.lasted_s: float | None = None

    def fault_started(self, at: float) -> None:
        if not self.thresholds:
            return
        self.started = at
        self._evaluators = {key: Evaluator(rule, at) for key, rule in self._rules.items()}
        self._thread = threading.Thread(target=self._run, daemon=True, name="drillbook-rules-during-fault")
        self._thread.start()

    def fault_ending(self, at: float) -> None:
        """Stop measuring (without waiting: the probe traffic drains while the drill's own does)."""
        if self._thread is not None and not self._stop.is_set():
            self.lasted_s = at - self.started
        self._stop.set()

    def before_revert(self, at: float) -> None:
        """Wait for the probe requests in flight: one the fault slowed must not land in the recovery's window."""
        self.fault_ending(at)
        self.close()

    def close(self) -> None:
        """Stop, and wait for the last reading and the probe traffic's requests in flight."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    def outcomes(self) -> list[RuleOutcome]:
        self.close()
        return [self._outcome(t) for t in self.thresholds if t.key in self._evaluators]

    def _outcome(self, threshold: Threshold) -> RuleOutcome:
        evaluator = self._evaluators[threshold.key]
        verdict, rule = evaluator.verdict(final=True), evaluator.rule
        if verdict.first_breach is not None:
            first = verdict.first_breach
            return RuleOutcome(threshold, rule.window_s, round(first.at - self.started, 3),
                               f"{format_value(rule, first)} at the first breach", self.unreadable, self.ticks)
        if verdict.worst is not None:
            measured = f"worst {format_value(rule, verdict.worst)}"
        else:
            measured = f"no data ({self._why_no_data(threshold, rule.window_s)})"
        return RuleOutcome(threshold, rule.window_s, None, measured, self.unreadable, self.ticks)

    def _why_no_data(self, threshold: Threshold, window_s: float) -> str:
        if self.lasted_s is not None and self.lasted_s < window_s:
            return f"the fault lasted {self.lasted_s:.1f} s, less than the rule's {window_s:g} s window"
        if self.last_problem:
            return self.last_problem
        if threshold.kind == "gauge":
            source = "drillbook's probes" if self.client_side else self.env.config.metrics.source
            return f"the metrics source ({source}) reports no {threshold.key} points"
        return "too few requests in every window"

    def _run(self) -> None:
        with build_client(self.env.http_target, breaker=Breaker(enabled=False)) as probes, \
                build_client(self.env.http_target, breaker=Breaker(enabled=False)) as reader:
            traffic = ProbeTraffic(probes, self.env.config.metrics.probe_routes, rps=self.rps,
                                   max_requests=int(self.rps * SPARE_S) + 1, duration_s=SPARE_S)
            traffic.start()
            try:
                self._tick(traffic, reader)
            finally:
                traffic.stop()

    def _tick(self, traffic: ProbeTraffic, reader) -> None:
        source, last = None, self.started
        while not self._stop.wait(TICK_S):
            now = time.time()
            self.ticks += 1
            try:  # the source is built on the first readable tick: a target down at the fault's start has none yet
                source = source or self._source(reader, traffic)
                reading = source.read(last, now)
            except Exception as exc:  # noqa: BLE001 - counted and shown: a thread that died would read as calm
                self.unreadable, self.last_problem = self.unreadable + 1, _one_line(exc)
                continue
            last = now
            for key, evaluator in self._evaluators.items():
                evaluator.add(replace(reading.sample_for(self._threshold(key)), at=now))
        if source is not None:
            source.close()

    def _source(self, reader, traffic: ProbeTraffic):
        if self.client_side:
            from drillbook.metrics.probe import ProbeSource

            return ProbeSource(traffic, f"drillbook's probes of {self.env.base_url} (client side)")
        return metrics.create_source(self.env, reader, traffic=traffic)

    def _threshold(self, key: str) -> Threshold:
        return next(t for t in self.thresholds if t.key == key)


def _one_line(exc: Exception) -> str:
    return one_line(str(exc) if isinstance(exc, DrillbookError) else f"{type(exc).__name__}: {exc}")[:300]
