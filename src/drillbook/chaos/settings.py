"""``[chaos]``: the windows, the error budget and the recovery objective of the chaos drills.

Unset windows and probe rate come from the drill profile (``chaos.profiles``): a real
target's, the sandbox's, or the sandbox's short one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from drillbook.config import schema
from drillbook.chaos import profiles
from drillbook.config.schema import Field

if TYPE_CHECKING:
    from drillbook.config.environments import Environment


def to_seconds_by_drill(value: Any) -> dict[str, float]:
    """``{ redis-outage = 30, service-down = 120 }``: an RTO per drill, in seconds."""
    if not isinstance(value, dict):
        raise ValueError("expected a table of drill name = seconds, e.g. { redis-outage = 30 }")
    return {str(name): schema.to_positive(seconds) for name, seconds in value.items()}


schema.register_section("chaos", {  # chaos drills
    # unset: the drill profile's (30 and 10 on a real target, 10 and 6 on the sandbox; chaos.profiles)
    "steady_window_s": Field(schema.to_positive, None, "30"),  # error rate and p95 before the fault, and after
    "observe_s": Field(schema.to_positive, None, "10"),  # how long the fault stays applied while probed
    "min_requests": Field(schema.to_positive, 10.0, "10"),  # a steady-state window with fewer is no data
    # synthetic traffic in the windows; unset: enough for twice min_requests in each (at least 5)
    "probe_rps": Field(schema.to_positive, None, "5"),
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
    profile: str = "default"

    @classmethod
    def for_drill(cls, env: Environment, drill: str, profile: str = "default") -> ChaosSettings:
        """``[chaos]`` under the drill profile, with the drill's own RTO when ``drill_rto_s`` names it."""
        section = resolved(env, profile)
        rto = section["drill_rto_s"].get(drill, section["rto_s"])
        return cls(section["steady_window_s"], section["observe_s"], int(section["min_requests"]),
                   section["probe_rps"], section["error_budget_pct"], rto, section["fault_ttl_s"],
                   section["latency_ms"], int(section["backlog_jobs"]), section["restart_down_s"], profile)


def resolved(env: Environment, profile: str = "default") -> dict[str, Any]:
    """The environment's ``[chaos]`` with the profile's windows and probe rate filled in."""
    return profiles.resolve(env.section("chaos"), tier=env.tier, profile=profile,
                            probe_routes=len(env.section("metrics")["probe_routes"]))


def refuse_thin_windows(env: Environment | None, profile: str, items: list) -> None:
    """Refuse, before anything runs, selected chaos drills whose windows could only end "no data"."""
    import pytest

    if env is None or not any(item.get_closest_marker("chaos") for item in items):
        return
    problem = profiles.thin_windows(resolved(env, profile), tier=env.tier,
                                    probe_routes=len(env.section("metrics")["probe_routes"]))
    if problem:
        raise pytest.UsageError(f"{env.path.name}: {problem}")
