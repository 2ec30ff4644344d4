"""``[chaos]``: the windows, the error budget and the recovery objective of the chaos drills.

Defaults suit a real target; a sandbox drill compresses them (tests use windows of a few seconds).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drillbook import schema
from drillbook.schema import Field


def to_seconds_by_drill(value: Any) -> dict[str, float]:
    """``{ redis-outage = 30, service-down = 120 }``: an RTO per drill, in seconds."""
    if not isinstance(value, dict):
        raise ValueError("expected a table of drill name = seconds, e.g. { redis-outage = 30 }")
    return {str(name): schema.to_positive(seconds) for name, seconds in value.items()}


schema.register_section("chaos", {  # chaos drills
    "steady_window_s": Field(schema.to_positive, 30.0, "30"),  # error rate and p95 before the fault, and after
    "observe_s": Field(schema.to_positive, 10.0, "10"),  # how long the fault stays applied while probed
    "min_requests": Field(schema.to_positive, 10.0, "10"),  # a steady-state window with fewer is no data
    "probe_rps": Field(schema.to_positive, 5.0, "5"),  # synthetic traffic during the steady-state windows
    "error_budget_pct": Field(schema.to_number, 5.0, "5"),  # errors allowed on degraded reads during a fault
    "rto_s": Field(schema.to_positive, 120.0, "120"),  # objective: steady state back within this after the revert
    "drill_rto_s": Field(to_seconds_by_drill, {}, "{ redis-outage = 30 }"),
    "fault_ttl_s": Field(schema.to_positive, 300.0, "300"),  # sandbox faults also end on their own
    "latency_ms": Field(schema.to_positive, 1500.0, "1500"),  # the injected latency of the latency drill
    # jobs enqueued while the worker is stalled: above the queue limit ([thresholds] servicebus_queue, 1000),
    # so the runbook's queue check must fire
    "backlog_jobs": Field(schema.to_positive, 1100.0, "1100"),
    "restart_down_s": Field(schema.to_positive, 5.0, "5"),  # the service-down drill: the API is down this long
})


@dataclass(frozen=True)
class ChaosSettings:
    steady_window_s: float
    observe_s: float
    min_requests: int
    probe_rps: float
    error_budget_pct: float
    rto_s: float
    fault_ttl_s: float
    latency_ms: float
    backlog_jobs: int
    restart_down_s: float

    @classmethod
    def for_drill(cls, section: dict, drill: str) -> ChaosSettings:
        """The section's values, with the drill's own RTO when ``drill_rto_s`` names it."""
        rto = section["drill_rto_s"].get(drill, section["rto_s"])
        return cls(section["steady_window_s"], section["observe_s"], int(section["min_requests"]),
                   section["probe_rps"], section["error_budget_pct"], rto, section["fault_ttl_s"],
                   section["latency_ms"], int(section["backlog_jobs"]), section["restart_down_s"])
