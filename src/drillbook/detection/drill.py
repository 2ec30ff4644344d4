"""A drill's detection: its expected alerts watched from the fault's start, and what comes of it.

>>> detection = watch_for(env, "cosmos-outage", rps=24, min_requests=10)
>>> ctx.watchers.append(detection)       # the chaos experiment tells it when the fault starts and ends
>>> result = detection.finish(progress)  # result.findings (failing the drill), .lines (the report), .figures()

On an Azure tier the runbook's alerts are read from Azure Resource Manager and an
expected alert that did not fire in time fails the drill, naming the alert, the
fault and the signal measured during the fault. On the sandbox the same rules,
evaluated on its metrics, say when they would have fired; the Azure alerts are
reported as not checked, which is not a pass of them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from drillbook import findings
from drillbook.config.environments import Environment
from drillbook.config.tiers import fault_backend
from drillbook.detection.azure_alerts import AlertsOnAzure, Where
from drillbook.detection.judge import AlertOutcome
from drillbook.detection.rules_during import RuleOutcome, RulesDuringFault
from drillbook.expected_alerts import SECTION, Expected, expected_for
from drillbook.runbook import threshold
from drillbook.runtime.progress import Progress, utc_clock

NOT_CHECKED_LOCALLY = "Azure Monitor alerts were not checked: the sandbox has no Azure Monitor"


@dataclass
class DetectionResult:
    """What the drill's report and journal say of its alerts, and the findings that fail it."""

    drill: str
    expected: Expected
    checked: str  # "azure", "not checked (sandbox)", "not checked (unreadable)", "none expected"
    lines: list[str] = field(default_factory=list)
    findings: list[findings.Finding] = field(default_factory=list)
    alerts: list[dict] = field(default_factory=list)
    rules: list[dict] = field(default_factory=list)

    def figures(self) -> dict:
        return {"checked": self.checked, "expected": list(self.expected.alerts), "why": self.expected.why,
                "alerts": self.alerts, "rules": self.rules}


class Detection:
    """Forwards the fault's start and end to the rules during the fault and, on Azure, to the fired alerts."""

    def __init__(self, drill: str, fault: str, expected: Expected, rules: RulesDuringFault,
                 azure: AlertsOnAzure | None) -> None:
        self.drill, self.fault, self.expected, self.rules, self.azure = drill, fault, expected, rules, azure

    def fault_started(self, at: float) -> None:
        self.rules.fault_started(at)
        if self.azure is not None:
            self.azure.fault_started(at)

    def fault_ending(self, at: float) -> None:
        self.rules.fault_ending(at)
        if self.azure is not None:
            self.azure.fault_ending(at)

    def before_revert(self, at: float) -> None:
        self.rules.before_revert(at)

    def close(self) -> None:
        self.rules.close()
        if self.azure is not None:
            self.azure.close()

    def finish(self, progress: Progress, fault: str | None = None) -> DetectionResult:
        self.rules.close()  # a drill that failed while observing still stops measuring
        fault = fault or self.fault
        ruled = self.rules.outcomes()
        result = DetectionResult(self.drill, self.expected, "none expected",
                                 rules=[_rule_figures(o) for o in ruled])
        if not self.expected.alerts:
            result.lines.append(f"alerts: none expected of {self.drill}, because {self.expected.why}")
            return result
        if self.azure is None:
            result.checked = "not checked (sandbox)"
            result.lines += [f"alerts: {NOT_CHECKED_LOCALLY}; drillbook's own rules on the sandbox's metrics:"]
            result.lines += [f"  {o.describe()}" for o in ruled] or ["  not measured: the fault was never applied"]
            return result
        self.azure.finish(progress)
        signals = {o.threshold.key: f"measured during the fault: {o.threshold.title} {o.measured}" for o in ruled}
        return judged(result, self.azure, f"fault: {fault}", signals)


def judged(result: DetectionResult, azure: AlertsOnAzure, cause: str, signals: dict[str, str]) -> DetectionResult:
    """Each expected alert as read: fired (its time to detect) or a finding naming it, ``cause`` (the fault) and
    ``signals`` (per alert, what drillbook measured meanwhile); a reading that never answered is "not checked"."""
    if azure.timing is None:
        result.checked = "not checked (the fault was never applied)"
        return result
    if not azure.ever_read:
        result.checked = "not checked (unreadable)"
        message = (f"{result.drill}: the expected alerts ({', '.join(result.expected.alerts)}) were not checked, "
                   f"which is not a pass: {azure.problem}")
        result.lines.append(f"alerts: {message}")
        result.findings.append(findings.Finding("unreachable", None, message, source=azure.where.describe()))
        return result
    result.checked = "azure"
    now = time.time()
    for outcome in azure.outcomes:
        status = outcome.status(now)
        if status != "fired" and azure.problem:  # the reads stopped answering: a later alert would not be seen
            status = "not checked"
        result.alerts.append({**outcome.figures(now), "status": status})
        result.lines.append(f"alerts: {_said(outcome, status, azure.timing.what)}")
        result.lines += [f"  {note}" for note in outcome.notes]
        if status != "fired":
            signal = signals.get(outcome.threshold.key, f"measured during the fault: {outcome.threshold.title} "
                                                        "not measured")
            result.findings.append(_missed(outcome, azure, cause, signal))
    result.lines += [f"  {note}" for note in azure.others]
    return result


def _said(outcome: AlertOutcome, status: str, what: str) -> str:
    key = outcome.threshold.key
    if outcome.fired_at is None:
        return f"{key} did not fire by {utc_clock(outcome.deadline)} ({status})"
    resolved = f"resolved at {utc_clock(outcome.resolved_at)}" if outcome.resolved_at else "not resolved yet"
    return (f"{key} fired ({outcome.rule}) at {utc_clock(outcome.fired_at)}, time to detect "
            f"{outcome.time_to_detect_s:.0f} s after {what} started; {resolved}")


def _missed(outcome: AlertOutcome, azure: AlertsOnAzure, cause: str, signal: str) -> findings.Finding:
    t, timing = outcome.threshold, azure.timing
    if azure.problem:  # the reads stopped answering before the deadline: what came after is unknown
        message = (f"expected alert {t.key} was not checked up to its deadline {utc_clock(outcome.deadline)}, which "
                   f"is not a pass: the fired alerts were last read at {utc_clock(azure.read_at)}, then: "
                   f"{azure.problem}")
        return findings.Finding("unreachable", None, message, source=azure.where.describe())
    noted = f"; {'; '.join(outcome.notes)}" if outcome.notes else ""
    detail = (f"expected alert {t.key} ({t.describe()}) did not fire within {timing.allowed_s(t):g} s of "
              f"{timing.what}'s start (window {t.window_s:g} s + evaluation {timing.frequency_s:g} s + grace "
              f"{timing.grace_s:g} s); {cause}; {signal}{noted}")
    return findings.Finding("threshold", SECTION, detail, source=azure.where.describe(),
                            window=f"{utc_clock(timing.start_of(t))} to {utc_clock(outcome.deadline)}", rule=t.key)


def _rule_figures(outcome: RuleOutcome) -> dict:
    return {"alert": outcome.threshold.key, "window_s": outcome.window_s, "would_fire_after_s": outcome.fired_after_s,
            "measured": outcome.measured}


def watch_for(env: Environment, drill: str, *, fault: str = "", rps: float, min_requests: int,
              client_options: dict[str, Any] | None = None) -> Detection:
    """The drill's detection on this environment: Azure's fired alerts off the sandbox, the rules everywhere."""
    expected = expected_for(drill)
    overrides = env.config.thresholds.overrides()
    thresholds = [threshold(key, overrides) for key in expected.alerts]
    section, on_azure = env.config.alerts, fault_backend(env.tier) != "sandbox"
    rules = RulesDuringFault(env, thresholds, window_s=section.local_window_s, min_requests=min_requests, rps=rps,
                             client_side=on_azure)
    azure = None
    if thresholds and on_azure:
        azure = AlertsOnAzure(where_of(env), thresholds, section, client_options)
    return Detection(drill, fault, expected, rules, azure)


def where_of(env: Environment) -> Where:
    """The ``[azure]`` subscription, resource group and resource names whose alerts count."""
    from drillbook.chaos.azure import azure_resource
    from drillbook.config.sections.azure import RESOURCES

    group = azure_resource(env, "resource_group")  # a ConfigError names what is missing
    azure = env.config.azure
    names = {getattr(azure, key) for key in (*RESOURCES, "servicebus_namespace") if key != "resource_group"}
    return Where(group.subscription, group.resource_group, frozenset(n for n in names if n))


def attach(result: DetectionResult) -> None:
    """Allure: a step naming each expected alert with its time to detect, and the figures as JSON."""
    import json

    import allure

    with allure.step(f"alerts of {result.drill}: {result.checked}"):
        allure.attach("\n".join(result.lines), name="expected alerts", attachment_type=allure.attachment_type.TEXT)
        allure.attach(json.dumps(result.figures(), indent=2), name="expected alerts (figures)",
                      attachment_type=allure.attachment_type.JSON)
