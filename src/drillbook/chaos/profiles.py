"""Drill profiles: how long the chaos drills' windows are, and a probe rate that fills them.

``--drill-profile default`` takes ``[chaos]`` from the environment file; a window
key it leaves unset is the tier's: 30 s steady state and 10 s of observation on a
real target, 10 s and 6 s on the sandbox, which answers in milliseconds and
recovers in well under a second. ``--drill-profile short`` (the sandbox only)
sets 3 s and 4 s whatever the file says. An unset ``probe_rps``, and any rate
under the short profile, is raised until every window holds ``FILL`` times
``min_requests``: per probe route during the latency drill, whose answers take
``latency_ms`` and so finish that much later. A short window never passes on
"no data": it gets more requests, never a smaller minimum.

>>> resolve(ChaosSection(), tier="local", profile="short", probe_routes=3).probe_rps
24.0
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from drillbook.config.sections import ChaosSection
from drillbook.config.tiers import fault_backend
from drillbook.errors import ConfigError

if TYPE_CHECKING:
    import pytest

PROFILES = ("default", "short")
WINDOWS = {  # (profile, where) -> the window keys it sets
    ("default", "remote"): {"steady_window_s": 30.0, "observe_s": 10.0},
    ("default", "local"): {"steady_window_s": 10.0, "observe_s": 6.0},
    ("short", "local"): {"steady_window_s": 3.0, "observe_s": 4.0, "restart_down_s": 2.0},
}
FILL = 2.0  # a derived probe rate expects twice the minimum: a busy machine sends some requests late
MIN_PROBE_RPS = 5.0


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("drillbook-chaos", "drillbook: chaos and DR drills (-m chaos, -m dr)")
    group.addoption("--drill-profile", default="default", choices=PROFILES,
                    help="chaos windows: default ([chaos] of the environment, else the tier's: 10 s steady state "
                         "and 6 s observed on the sandbox) or short (the sandbox only: 3 s and 4 s, the probe rate "
                         "raised to fill them)")


def check_profile(profile: str, tier: str) -> None:
    """Refuse a profile the tier has no windows for (the short profile is the sandbox's)."""
    if (profile, _where(tier)) not in WINDOWS:
        raise ConfigError(f"--drill-profile {profile}: only for the sandbox (tier local), this target is tier {tier} "
                          "-> drop the option; a real target's windows are its environment file's [chaos]")


def resolve(chaos: ChaosSection, *, tier: str, profile: str, probe_routes: int) -> ChaosSection:
    """``[chaos]`` with the profile's windows and a probe rate that fills them."""
    check_profile(profile, tier)
    windows = {key: value for key, value in WINDOWS[(profile, _where(tier))].items()
               if profile != "default" or getattr(chaos, key) is None}  # the command line's profile wins over the file
    chaos = chaos.model_copy(update=windows)
    needed = max(_per_second_needed(chaos, tier, probe_routes).values())
    if (chaos.probe_rps is None or profile != "default") and math.isfinite(needed):
        rps = float(max(chaos.probe_rps or MIN_PROBE_RPS, math.ceil(FILL * needed)))
        chaos = chaos.model_copy(update={"probe_rps": rps})
    return chaos


def thin_windows(chaos: ChaosSection, *, tier: str, probe_routes: int) -> str | None:
    """Why a window could only end "no data" at this probe rate, with the fix; None when each can hold enough."""
    rates = _per_second_needed(chaos, tier, probe_routes)
    binding = max(rates, key=rates.get)  # the window that needs the most requests per second
    needed = rates[binding]
    if chaos.probe_rps is not None and chaos.probe_rps >= needed:
        return None
    if not math.isfinite(needed):
        return (f"[chaos] observe_s = {chaos.observe_s:g} is no longer than the latency drill's latency_ms = "
                f"{chaos.latency_ms:g}, so no slowed answer could finish while it is observed -> set observe_s "
                f"= {math.ceil(chaos.latency_ms / 1000.0) + 3} or more")
    return (f"[chaos] probe_rps = {chaos.probe_rps:g} cannot fill steady_window_s = {chaos.steady_window_s:g} "
            f"and observe_s = {chaos.observe_s:g} (the latency drill's answers take {chaos.latency_ms:g} ms) "
            f"with min_requests = {chaos.min_requests:g} per window, so a drill could only end with no data "
            f"-> set probe_rps = {math.ceil(FILL * needed)}, lengthen {binding}, or leave probe_rps unset to have it "
            "derived")


def _per_second_needed(chaos: ChaosSection, tier: str, probe_routes: int) -> dict[str, float]:
    """Per window key, the probe rate at which that window holds exactly ``min_requests``."""
    minimum = chaos.min_requests
    rates = {"steady_window_s": minimum / chaos.steady_window_s}  # the steady-state rules count every route
    if fault_backend(tier) == "sandbox":  # the cosmos-latency drill: one route, answered latency_ms later
        usable = chaos.observe_s - chaos.latency_ms / 1000.0
        rates["observe_s"] = math.inf if usable <= 0 else minimum * max(probe_routes, 1) / usable
    return rates


def _where(tier: str) -> str:
    return "local" if fault_backend(tier) == "sandbox" else "remote"
