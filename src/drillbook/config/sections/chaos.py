"""``[chaos]``: the windows, the error budget and the recovery objectives of the chaos drills.

Unset windows and probe rate come from the drill profile (``drillbook.chaos.profiles``): a real target's,
the sandbox's, or the sandbox's short one.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from drillbook.config.model import Count, Number, Positive, Section, setting
from drillbook.config.values import to_positive


def to_seconds_by_drill(value: Any) -> dict[str, float]:
    """``{ redis-outage = 30, service-down = 120 }``: an RTO per drill, in seconds."""
    if not isinstance(value, dict):
        raise ValueError("expected a table of drill name = seconds, e.g. { redis-outage = 30 }")
    return {str(name): to_positive(seconds) for name, seconds in value.items()}


SecondsByDrill = Annotated[dict[str, Annotated[float, Field(gt=0)]], BeforeValidator(to_seconds_by_drill)]


class ChaosSection(Section):
    """The chaos drills' windows and objectives; an unset window is the drill profile's."""

    steady_window_s: Positive | None = setting(None, "30", "error rate and p95 before the fault, and after; "
                                                           "unset: 30 on a real target, 10 on the sandbox")
    observe_s: Positive | None = setting(None, "10", "how long the fault stays applied while probed; "
                                                     "unset: 10 on a real target, 6 on the sandbox")
    min_requests: Count = setting(10, "10", "a steady-state window with fewer requests is no data")
    probe_rps: Positive | None = setting(None, "5", "synthetic traffic in the windows; unset: enough for twice "
                                                    "min_requests in each (at least 5)")
    error_budget_pct: Number = setting(5.0, "5", "errors allowed on degraded reads during a fault, in %")
    rto_s: Positive = setting(120.0, "120", "objective: steady state back within this after the revert")
    drill_rto_s: SecondsByDrill = setting({}, "{ redis-outage = 30 }", "an objective per drill, over rto_s")
    fault_ttl_s: Positive = setting(300.0, "300", "sandbox faults also end on their own after this")
    latency_ms: Positive = setting(1500.0, "1500", "the injected latency of the latency drill")
    backlog_jobs: Count = setting(1100, "1100", "jobs enqueued while the worker is stalled: above the queue limit "
                                                "([thresholds] servicebus_queue), so the queue check must fire")
    restart_down_s: Positive = setting(5.0, "5", "the service-down drill: the API is down this long")

    def rto_for(self, drill: str) -> float:
        """The drill's own objective when ``drill_rto_s`` names it, else ``rto_s``."""
        return self.drill_rto_s.get(drill, self.rto_s)
