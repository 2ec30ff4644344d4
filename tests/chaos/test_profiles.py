"""Drill profiles: the tier's windows when the file sets none, the short profile on the sandbox only, and a probe
rate that fills every window (a short window gets more requests, never a smaller minimum)."""

from __future__ import annotations

import pytest

from drillbook.chaos.profiles import FILL, resolve, thin_windows
from drillbook.chaos.settings import ChaosSettings
from drillbook.config.environments import load_environment
from drillbook.config.sections import ChaosSection
from drillbook.errors import ConfigError

UNSET = ChaosSection()  # no windows, no probe rate: min_requests 10, latency_ms 1500, restart_down_s 5


def slow_route_requests(values: ChaosSection, routes: int = 3) -> float:
    """Answers of the latency drill's one slowed route that finish inside its observation."""
    return values.probe_rps / routes * (values.observe_s - values.latency_ms / 1000)


def test_a_real_target_keeps_the_windows_it_always_had():
    settings = ChaosSettings.for_drill(load_environment("staging"), "redis-outage")
    assert (settings.steady_window_s, settings.observe_s, settings.probe_rps) == (30, 10, 5)


def test_the_sandbox_default_profile_is_shorter_and_its_probe_rate_fills_each_window():
    settings = ChaosSettings.for_drill(load_environment("local"), "cosmos-latency")
    assert (settings.steady_window_s, settings.observe_s) == (10, 6)
    values = ChaosSection(steady_window_s=10.0, observe_s=6.0, probe_rps=settings.probe_rps)
    assert slow_route_requests(values) >= FILL * settings.min_requests
    assert settings.min_requests == 10  # the minimum is the file's: only the rate moved


@pytest.mark.parametrize("profile", ["default", "short"])
def test_every_sandbox_profile_leaves_the_latency_drill_twice_the_requests_it_needs(profile):
    values = resolve(UNSET, tier="local", profile=profile, probe_routes=3)
    assert slow_route_requests(values) >= FILL * values.min_requests
    assert thin_windows(values, tier="local", probe_routes=3) is None


def test_windows_set_by_hand_get_the_probe_rate_they_need():
    # the local.toml: steady_window_s = 5, observe_s = 5 ended "no data (6 requests < 10 needed)" at 5 rps
    values = resolve(ChaosSection(steady_window_s=5.0, observe_s=5.0), tier="local", profile="default",
                     probe_routes=3)
    assert (values.steady_window_s, values.observe_s) == (5, 5)
    assert slow_route_requests(values) >= FILL * 10


def test_the_short_profile_wins_over_the_file_and_raises_a_rate_set_too_low():
    values = resolve(ChaosSection(steady_window_s=30.0, observe_s=10.0, probe_rps=5.0), tier="local",
                     profile="short", probe_routes=3)
    assert (values.steady_window_s, values.observe_s, values.restart_down_s) == (3, 4, 2)
    assert slow_route_requests(values) >= FILL * 10


def test_a_rate_set_by_hand_that_cannot_fill_the_windows_is_refused_with_a_rate_that_can():
    values = resolve(ChaosSection(steady_window_s=5.0, observe_s=5.0, probe_rps=5.0), tier="local",
                     profile="default", probe_routes=3)
    problem = thin_windows(values, tier="local", probe_routes=3)
    assert problem.startswith("[chaos] probe_rps = 5 cannot fill steady_window_s = 5 and observe_s = 5")
    assert problem.endswith("-> set probe_rps = 18, lengthen observe_s, or leave probe_rps unset to have it derived")
    assert thin_windows(values.model_copy(update={"probe_rps": 18.0}), tier="local", probe_routes=3) is None


def test_an_observation_no_longer_than_the_latency_is_refused():
    values = resolve(ChaosSection(observe_s=1.5), tier="local", profile="default", probe_routes=3)
    assert "observe_s = 1.5 is no longer than the latency drill's latency_ms = 1500" in thin_windows(
        values, tier="local", probe_routes=3)


def test_the_short_profile_is_refused_on_a_real_target():
    with pytest.raises(ConfigError, match=r"^--drill-profile short: only for the sandbox \(tier local\), this target "
                                          r"is tier staging -> drop the option"):
        ChaosSettings.for_drill(load_environment("staging"), "redis-outage", "short")
