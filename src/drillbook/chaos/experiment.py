"""One chaos drill: steady state -> inject -> observe -> revert (always) -> recovery within the RTO.

A drill whose steady state does not hold injects nothing and says why. The
revert runs through ``faults.applied``: on return, failure, SIGINT and SIGTERM.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass, field

from drillbook.chaos.context import DrillContext, Finding
from drillbook.chaos.drills import Drill
from drillbook.chaos.steady import health_findings, measured_window, steady_state
from drillbook.chaos.window import MetricsWindow
from drillbook.errors import MetricsError
from drillbook.faults import UndoJournal, applied
from drillbook.runtime.waiting import Waited, wait_until

POLL_S = 0.25


@dataclass
class DrillRecord:
    """What happened, phase by phase: the measured ``time_to_recover_s`` against ``rto_objective_s``."""

    drill: str
    fault: str
    rto_objective_s: float
    steady: list[Finding] = field(default_factory=list)
    observed: list[Finding] = field(default_factory=list)
    recovery: list[Finding] = field(default_factory=list)
    injected: bool = False
    injected_at: float | None = None  # seconds since the drill started
    reverted_at: float | None = None
    time_to_recover_s: float | None = None
    marks: dict = field(default_factory=dict)  # notifications held or not, annotations written (chaos.marks)

    def failures(self) -> list[Finding]:
        return [f for f in (*self.steady, *self.observed, *self.recovery) if not f.ok]

    def figures(self) -> dict:
        return {"drill": self.drill, "fault": self.fault, "injected": self.injected,
                "time_to_recover_s": self.time_to_recover_s, "rto_objective_s": self.rto_objective_s,
                "injected_at_s": self.injected_at, "reverted_at_s": self.reverted_at, "monitoring": self.marks,
                "findings": [{"phase": phase, "check": f.check, "ok": f.ok, "measured": f.detail}
                             for phase, found in (("steady state", self.steady), ("during the fault", self.observed),
                                                  ("recovery", self.recovery)) for f in found]}


def run_experiment(ctx: DrillContext, drill: Drill, journal: UndoJournal) -> DrillRecord:
    fault = drill.fault(ctx)
    record = DrillRecord(drill.name, fault.describe(), ctx.settings.rto_s)
    if drill.prepare:
        ctx.progress.enter("prepare")
        record.steady += drill.prepare(ctx)
    if all(f.ok for f in record.steady):
        record.steady += steady_state(ctx)
    if not all(f.ok for f in record.steady):
        ctx.log(f"steady state does not hold, {fault.describe()} not injected")
        return record
    record.injected, record.injected_at = True, ctx.now()
    ctx.state["injected_mono"] = time.monotonic()
    revert_started = None
    ctx.progress.enter("inject")
    try:
        with applied(fault, journal, log=ctx.log):
            ctx.on_phase("fault", fault.describe())
            ctx.tell_watchers("fault_started")  # applied: the time to detect counts from here
            try:
                record.observed = observe(ctx, drill)
                ctx.tell_watchers("before_revert")  # their requests end inside the fault, not in the recovery's window
                revert_started = time.monotonic()
            finally:
                ctx.progress.enter("revert")
    finally:
        record.reverted_at = ctx.now()
        ctx.on_phase("revert", fault.describe())
    record.recovery = recover(ctx, drill, record, revert_started)
    return record


def observe(ctx: DrillContext, drill: Drill) -> list[Finding]:
    """Poll the drill's probes for ``observe_s``; window probes judge the metrics of the whole span."""
    looks: dict[str, list[tuple[bool, str]]] = {probe.name: [] for probe in drill.probes}
    if drill.during:
        ctx.progress.enter("observe")
        drill.during(ctx)
    measuring = MetricsWindow(ctx.env, rps=ctx.settings.probe_rps) if drill.window_probes else nullcontext()
    with measuring as window:
        ctx.progress.enter("observe", planned_s=ctx.settings.observe_s, status=lambda: _so_far(looks, window),
                           say=_observing(ctx, drill))
        def look_once() -> None:
            for probe in drill.probes:
                held, seen = probe.look(ctx)
                looks[probe.name].append((held, seen))
                ctx.mark(probe.name, held)

        started = time.monotonic()
        wait_until(look_once, lambda _: drill.until_seen and _all_seen(drill, looks), timeout_s=ctx.settings.observe_s,
                   poll_s=POLL_S)
        ctx.tell_watchers("fault_ending")  # now, so their traffic drains while the window's does
        span = f"{time.monotonic() - started:.1f} s of the fault"
        findings = [probe.judge(ctx, looks[probe.name], span) for probe in drill.probes]
        if window is not None:
            findings += _judge_window(ctx, drill, window)
    return findings


def _observing(ctx: DrillContext, drill: Drill) -> str:
    checks = [p.name for p in drill.probes] + [p.name for p in drill.window_probes]
    until = " (until each has been seen)" if drill.until_seen else ""
    return f"up to {ctx.settings.observe_s:g} s{until}: {'; '.join(checks)}"


def _so_far(looks: dict[str, list[tuple[bool, str]]], window: MetricsWindow | None) -> str:
    """``/health/live stays up 12/12 held; ...``: each probe's looks so far, and the window's traffic."""
    parts = [f"{name} {sum(ok for ok, _ in seen)}/{len(seen)} held" for name, seen in list(looks.items())]
    return "; ".join(parts + ([window.so_far()] if window is not None else []))


def _judge_window(ctx: DrillContext, drill: Drill, window: MetricsWindow) -> list[Finding]:
    try:
        reading = window.read()
    except MetricsError as exc:  # an unreadable source noticed nothing: each window probe fails with why
        return [Finding(probe.name, False, f"no data: {exc}", "slow-response-times", ctx.env.base_url)
                for probe in drill.window_probes]
    return [probe.judge(ctx, reading) for probe in drill.window_probes]


def _all_seen(drill: Drill, looks: dict[str, list[tuple[bool, str]]]) -> bool:
    return all(any(ok for ok, _ in looks[p.name]) for p in drill.probes if p.rule == "eventually")


def recover(ctx: DrillContext, drill: Drill, record: DrillRecord, revert_started: float | None) -> list[Finding]:
    """Steady state back within the RTO (health, readiness, the drill's own), then its metrics window."""
    started = ctx.state["injected_mono"] if drill.clock == "inject" else (revert_started or time.monotonic())
    since = "the injection" if drill.clock == "inject" else "the revert"
    findings: list[Finding] = []
    ctx.progress.enter("recover", planned_s=ctx.settings.rto_s, status=lambda: _still_down(findings),
                       say=f"waiting for the steady state (RTO {ctx.settings.rto_s:g} s since {since})")

    def mark(look: Waited[list[Finding]]) -> None:
        nonlocal findings
        findings = look.last
        for finding in findings:
            ctx.mark(finding.check, finding.ok)

    def look() -> list[Finding]:
        return health_findings(ctx) + [p.judge(ctx, [p.look(ctx)], "1 look") for p in drill.recovery]

    recovery = wait_until(look, lambda found: all(f.ok for f in found), timeout_s=ctx.settings.rto_s, poll_s=POLL_S,
                          since=started, on_look=mark)
    took = recovery.took_s
    if not recovery.held:
        return [Finding(f"steady state back within the RTO of {ctx.settings.rto_s:g} s", False,
                        f"not back after {took:.1f} s: {_still_down(findings)}", "recovery-objectives",
                        ctx.url("/health/ready"), window=f"{took:.1f} s since {since}")]
    record.time_to_recover_s = round(took, 3)
    ctx.log(f"recovered in {took:.2f} s since {since} (RTO {ctx.settings.rto_s:g} s)")
    back = Finding(f"steady state back within the RTO of {ctx.settings.rto_s:g} s", True,
                   f"back after {took:.2f} s", "recovery-objectives", ctx.url("/health/ready"))
    return [back, *(_after(f) for f in measured_window(ctx, "steady state after recovery"))]


def _still_down(findings: list[Finding]) -> str:
    return "; ".join(f"{f.check}: {f.detail}" for f in findings if not f.ok) or "not read yet"


def _after(finding: Finding) -> Finding:
    return Finding(f"after recovery: {finding.check}", finding.ok, finding.detail, finding.section, finding.source,
                   finding.window)
