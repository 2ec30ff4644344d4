"""A chaos drill's settings: the environment's ``[chaos]`` under the ``--drill-profile``, with the drill's own RTO.

Unset windows and probe rate come from the drill profile (``chaos.profiles``): a real
target's, the sandbox's, or the sandbox's short one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from drillbook.chaos import profiles
from drillbook.config.sections import ChaosSection

if TYPE_CHECKING:
    from drillbook.config.environments import Environment


@dataclass(frozen=True)
class ChaosSettings:
    """``[chaos]`` resolved for one drill: every window and the probe rate set, the objective the drill's own."""

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
        chaos = resolved(env, profile)
        return cls(chaos.steady_window_s, chaos.observe_s, chaos.min_requests, chaos.probe_rps,
                   chaos.error_budget_pct, chaos.rto_for(drill), chaos.fault_ttl_s, chaos.latency_ms,
                   chaos.backlog_jobs, chaos.restart_down_s, profile)


def resolved(env: Environment, profile: str = "default") -> ChaosSection:
    """The environment's ``[chaos]`` with the profile's windows and probe rate filled in."""
    return profiles.resolve(env.config.chaos, tier=env.tier, profile=profile,
                            probe_routes=len(env.config.metrics.probe_routes))


def refuse_thin_windows(env: Environment | None, profile: str, items: list) -> None:
    """Refuse, before anything runs, selected chaos drills whose windows could only end "no data"."""
    import pytest

    if env is None or not any(item.get_closest_marker("chaos") for item in items):
        return
    problem = profiles.thin_windows(resolved(env, profile), tier=env.tier,
                                    probe_routes=len(env.config.metrics.probe_routes))
    if problem:
        raise pytest.UsageError(f"{env.path.name}: {problem}")
