"""The load drill's alerts: did monitoring notice what the load breached, and how fast.

>>> alerts = LoadAlerts(env, thresholds)      # on an Azure tier, reading starts with the load
>>> alerts.load_started(time.time()); run = run_load_drill(...)
>>> result = alerts.finish(run, progress)      # result.findings fail the drill; .lines, .figures() for the record

A load has no fault: what it breached is known when it has run. So the fired alerts
are read from the load's start (expecting any alert a breach could raise), and when
the load has ended each breached rule's expected alert (``expected_alerts``,
``load: <rule>``) is judged from the breach's start: the start of the first window
in which the load drill measured it. An alert the load did not breach is noted, never
claimed; with no breach nothing is expected, and what fires anyway is noted. On the
sandbox the runbook's rules, as the load measured them, say when they would have
fired, and the Azure alerts are reported as not checked.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from drillbook.config.environments import Environment
from drillbook.config.tiers import fault_backend
from drillbook.detection.azure_alerts import AlertsOnAzure
from drillbook.detection.drill import NOT_CHECKED_LOCALLY, DetectionResult, judged, where_of
from drillbook.detection.judge import iso_seconds
from drillbook.expected_alerts import EXPECTED, Expected, expected_for
from drillbook.load import Breach, alert_rules, breaches
from drillbook.runbook import Threshold
from drillbook.runtime.progress import Progress, utc_clock

PREFIX = "load: "  # the load drill's breach scenarios in expected_alerts
FROM = "the breach"  # time to detect runs from the breach's start (its first breaching window's), not the load's


class LoadAlerts:
    """``lookup``: the drill's thresholds (the runbook's, with the environment's overrides), as the load judges them."""

    def __init__(self, env: Environment, lookup: Callable[[str], Threshold],
                 client_options: dict[str, Any] | None = None) -> None:
        self.lookup = lookup
        self.azure: AlertsOnAzure | None = None
        if fault_backend(env.tier) != "sandbox":
            self.azure = AlertsOnAzure(where_of(env), self._thresholds(_any_breach()), env.config.alerts,
                                       client_options)

    def load_started(self, at: float) -> None:
        if self.azure is not None:
            self.azure.fault_started(at)

    def close(self) -> None:
        if self.azure is not None:
            self.azure.close()

    def finish(self, run, progress: Progress) -> DetectionResult:
        """Expect the alerts of what ``run`` breached, wait for them on Azure (saying what for), and judge them."""
        found = breaches(run)
        expected, notes = _expected(found)
        result = DetectionResult("load", _summary(found, expected, run.status), "none expected", notes,
                                 rules=alert_rules(run))
        if self.azure is None:
            return _on_the_sandbox(result)
        if self.azure.timing is None:
            result.checked = "not checked (the load never started)"
            return result
        self.azure.fault_ending(run.ended)
        since = {key: breach.started for key, breach in expected.items()}
        self.azure.expect(self._thresholds(expected), since, FROM)
        self.azure.finish(progress)
        return _read(result, self.azure, run, expected)

    def _thresholds(self, keys: Iterable[str]) -> list[Threshold]:
        return [self.lookup(key) for key in keys]


def _any_breach() -> list[str]:
    """While the load runs: every alert a breach of it could raise, read from its start."""
    return list(dict.fromkeys(key for drill, entry in EXPECTED.items() if drill.startswith(PREFIX)
                              for key in entry.alerts))


def _expected(found: list[Breach]) -> tuple[dict[str, Breach], list[str]]:
    """Each expected alert with the breach that should raise it (the earliest), and the breaches that expect none."""
    expected: dict[str, Breach] = {}
    notes = []
    for breach in sorted(found, key=lambda b: b.started):
        entry = expected_for(PREFIX + breach.key)
        if breach.route is not None:
            notes.append(f"alerts: none expected of the breach on {breach.route} alone, because the runbook's alerts "
                         f"measure every request: {breach.measured}")
        elif not entry.alerts:
            notes.append(f"alerts: none expected of {PREFIX}{breach.key}, because {entry.why}: {breach.measured}")
        for key in entry.alerts if breach.route is None else ():
            expected.setdefault(key, breach)
    return expected, notes


def _summary(found: list[Breach], expected: dict[str, Breach], status: str) -> Expected:
    if not found and status == "pass":
        return Expected((), "the load breached no rule")
    if not found:  # unreachable or inconclusive: it did not show that nothing breached, so it never says so
        return Expected((), f"the load ended {status} and named no breach: no alert is expected of it")
    breached = ", ".join(sorted({PREFIX + b.key for b in found}))
    return Expected(tuple(expected), f"the load breached {breached}")


def _on_the_sandbox(result: DetectionResult) -> DetectionResult:
    """The Azure alerts were not checked; the runbook's alert rules as the load measured them say when they would
    have fired (their windows compressed for a short drill)."""
    result.checked = "not checked (sandbox)"
    result.lines.insert(0, f"alerts: {NOT_CHECKED_LOCALLY}; the runbook's alert rules on the load's own metrics:")
    for rule in result.rules:
        after = rule["would_fire_after_s"]
        when = "would not have fired" if after is None else f"would have fired {after:.1f} s after the load started"
        result.lines.append(f"  {rule['alert']} (window {rule['window_s']:g} s) {when}: {rule['measured']}")
    return result


def _read(result: DetectionResult, azure: AlertsOnAzure, run, expected: dict[str, Breach]) -> DetectionResult:
    if not expected:
        return _nothing_expected(result, azure)
    signals = {key: f"breach measured by the load drill from {utc_clock(b.started)}: {b.measured}"
               for key, b in expected.items()}
    judged(result, azure, f"load: {run.settings.describe()}", signals)
    for figures in result.alerts:  # time to detect runs from this breach's start
        breach = expected[figures["alert"]]
        figures.update({"from": f"the {PREFIX}{breach.key} breach's start",
                        "breach_started": iso_seconds(breach.started)})
    return result


def _nothing_expected(result: DetectionResult, azure: AlertsOnAzure) -> DetectionResult:
    """No breach (or none that expects an alert): what fired meanwhile is noted, a false alarm worth a look."""
    if not azure.ever_read:
        result.checked = "not checked (unreadable)"
        result.lines.append(f"alerts: none expected, but the fired alerts were not checked, so an alert that fired "
                            f"anyway would not be seen: {azure.problem}")
        return result
    result.checked = "azure"
    if azure.others:
        result.lines.append("alerts: none expected, yet these fired during the load (a false alarm is worth a look):")
        result.lines += [f"  {note}" for note in azure.others]
    else:
        result.lines.append(f"alerts: none expected, and none fired on {azure.where.resource_group} during the load")
    return result
