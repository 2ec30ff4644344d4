"""A chaos drill's record: the figures as JSON, a chart of the probes over the drill, and the journal's line."""

from __future__ import annotations

import json

from drillbook.record import charts
from drillbook.chaos.context import DrillContext
from drillbook.chaos.experiment import DrillRecord


def attach_record(record: DrillRecord, ctx: DrillContext) -> None:
    """Allure attachments: the figures and findings (JSON) and the probe chart (PNG)."""
    import allure

    allure.attach(json.dumps({**record.figures(), "timeline": ctx.timeline}, indent=2), name="chaos drill record",
                  attachment_type=allure.attachment_type.JSON)
    if ctx.timeline:
        allure.attach(render_timeline(record, ctx.timeline), name="probes over the drill",
                      attachment_type=allure.attachment_type.PNG)


def journal_figures(record: DrillRecord) -> dict:
    """What the drill journal keeps of a chaos drill: the fault, the measured recovery and its objective.

    Every recovery record names them so: ``time_to_recover_s`` measured, ``rto_objective_s`` the objective.
    """
    return {"drill": record.drill, "fault": record.fault, "injected": record.injected,
            "time_to_recover_s": record.time_to_recover_s, "rto_objective_s": record.rto_objective_s}


def render_timeline(record: DrillRecord, timeline: list[tuple[float, str, bool]]) -> bytes:
    """One row per probe, a dot per look (green held, red not), the fault span and the RTO deadline shaded."""
    names = list(dict.fromkeys(name for _, name, _ in timeline))

    def draw(axes) -> None:
        for held, colour in ((True, "tab:green"), (False, "tab:red")):
            points = [(at, names.index(name)) for at, name, ok in timeline if ok is held]
            if points:
                axes.plot(*zip(*points), "o", markersize=3, color=colour, label="held" if held else "did not hold")
        _shade(axes, record)
        axes.set_yticks(range(len(names)), names, fontsize=7)
        axes.set_xlabel("seconds since the drill started")
        axes.set_title(f"{record.drill}: {record.fault}", fontsize=9)
        axes.legend(fontsize=7, loc="upper right")

    return charts.render_png(draw, (9, 0.5 * len(names) + 1.6))


def _shade(axes, record: DrillRecord) -> None:
    if record.injected_at is not None and record.reverted_at is not None:
        axes.axvspan(record.injected_at, record.reverted_at, color="tab:orange", alpha=0.15, label="fault applied")
        axes.axvline(record.reverted_at + record.rto_objective_s, color="tab:red", linestyle="--", linewidth=1,
                     label=f"RTO {record.rto_objective_s:g} s")
