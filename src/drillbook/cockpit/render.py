"""The cockpit's text: ``drillbook list`` as a table, ``drillbook plan`` as one block per drill."""

from __future__ import annotations

from drillbook.cockpit.catalogue import DrillFacts
from drillbook.cockpit.durations import Duration
from drillbook.cockpit.plan import REFUSED, SKIPPED, WOULD_RUN, Plan

COLUMNS = ("DRILL", "MARKERS", "SECTION", "SEV", "OWNER", "DESTRUCTIVE", "TOUCHES", "FAULTS", "DURATION")


def table(drills: list[DrillFacts]) -> str:
    rows = [COLUMNS] + [_row(facts) for facts in drills]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines + [f"{len(drills)} drills"]) + "\n"


def _row(facts: DrillFacts) -> tuple[str, ...]:
    return (facts.nodeid, ",".join(facts.markers) or "-", facts.section or "-", facts.severity or "-",
            (facts.owner or "-").split(" (")[0], "yes" if facts.destructive else "no",
            ",".join(facts.touches) or "-", ",".join(f.kind for f in facts.faults) or "-",
            facts.duration.describe())


def plan_text(plan: Plan, header: str) -> str:
    lines = [header.replace("drillbook:", "drillbook plan:", 1)]
    for step in plan.steps:
        lines += _step(step)
    lines.append(f"drillbook plan: {plan.count(WOULD_RUN)} would run, {plan.count(REFUSED)} refused, "
                 f"{plan.count(SKIPPED)} skipped; expected {Duration(plan.expected_s, plan.at_most_s, '').describe()}")
    if plan.note:
        lines.append(plan.note)
    if plan.run_refused:
        lines.append(f"drillbook plan: the run would be refused before any drill starts: {plan.run_refused}")
    return "\n".join(lines) + "\n"


def _step(step) -> list[str]:
    facts = step.facts
    section = f"§{facts.section_title} ({facts.severity}, {facts.owner})" if facts.section else "no runbook section"
    lines = [f"{step.status.upper():13} {facts.nodeid}  [{', '.join(facts.markers)}]  {section}"]
    if step.reason:
        lines.append(f"    why: {step.reason}")
    lines.append(f"    touches: {', '.join(facts.touches) or 'nothing on the target (files only)'}")
    for fault in facts.faults:
        lines.append(f"    fault: {fault.kind}: {fault.does}; undone: {fault.undo}")
    if facts.sends:
        lines.append(f"    sends: {facts.sends}")
    lines.append(f"    secrets: {'; '.join(facts.secrets) or 'none'}")
    if facts.roles:
        lines.append(f"    Azure roles: {', '.join(facts.roles)}")
    lines.append(f"    takes: {facts.duration.describe()} ({facts.duration.basis})")
    return lines
