"""How long a drill takes with this environment's settings and the run's options: expected, and at most.

The long drills read the settings they run with (``--watch``, ``[load]`` stages, ``[chaos]`` windows under
``--drill-profile``, ``[dr]``, ``[slots]``, ``[contract]``); a quick check is a few requests, each bounded by
``[http] timeout_s``. Nothing is measured or contacted.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from drillbook.chaos.settings import ChaosSettings
from drillbook.cockpit.footprints import CHAOS_TESTS, test_name
from drillbook.config.environments import Environment
from drillbook.errors import ConfigError
from drillbook.plugin import WATCH_KEY

QUICK_S = 1.0  # a health or component check on a healthy target
QUICK_REQUESTS = 3  # its bound: a few requests, each within [http] timeout_s
LOCAL_RESTORE_S = 10.0  # the sandbox's scratch restore of a few shards
LOCAL_SWAP_S = 5.0  # the sandbox's swap (a route flip) and swap back


@dataclass(frozen=True)
class Duration:
    expected_s: float
    at_most_s: float
    basis: str  # the settings it follows, e.g. "--watch 15m"

    def describe(self) -> str:
        expected = _span(self.expected_s)
        return expected if self.at_most_s <= self.expected_s else f"{expected} (at most {_span(self.at_most_s)})"


def duration_of(item: pytest.Item, env: Environment, config: pytest.Config) -> Duration:
    for marker, estimate in (("watch", _watch), ("load", _load), ("chaos", _chaos), ("dr", _dr),
                             ("rollback", _rollback), ("contract", _contract)):
        if item.get_closest_marker(marker):
            return estimate(item, env, config)
    if "cache_reads" in item.fixturenames and env.tier != "local" and not env.config.redis.read_paths:
        window = env.config.redis.hit_rate_window_s
        return Duration(window, window + QUICK_REQUESTS * env.config.http.timeout_s,
                        f"[redis] hit_rate_window_s = {window:g} of live traffic")
    timeout = env.config.http.timeout_s
    return Duration(QUICK_S, QUICK_REQUESTS * timeout, f"a few requests, each within [http] timeout_s = {timeout:g}")


def _watch(item, env: Environment, config: pytest.Config) -> Duration:
    seconds = config.stash[WATCH_KEY].duration_s
    return Duration(seconds, seconds, f"--watch {config.option.watch}; it ends early once a breach is sustained")


def _load(item, env: Environment, config: pytest.Config) -> Duration:
    from drillbook.load._pytest import settings_for

    try:
        settings = settings_for(config, env)
    except ConfigError as exc:
        return Duration(0.0, 0.0, f"unknown: {exc}")
    return Duration(settings.duration_s, settings.duration_s, settings.describe())


def _chaos(item, env: Environment, config: pytest.Config) -> Duration:
    drill = CHAOS_TESTS.get(test_name(item), "")
    settings = ChaosSettings.for_drill(env, drill, config.option.drill_profile)
    expected = 2 * settings.steady_window_s + settings.observe_s  # steady state before and after the fault
    return Duration(expected, expected + settings.rto_s,
                    f"[chaos] steady_window_s = {settings.steady_window_s:g} twice, observe_s = "
                    f"{settings.observe_s:g}, rto_s = {settings.rto_s:g} (--drill-profile {settings.profile})")


def _dr(item, env: Environment, config: pytest.Config) -> Duration:
    rto = env.config.dr.rto_s
    expected = LOCAL_RESTORE_S if env.tier == "local" else rto
    return Duration(expected, rto, f"[dr] rto_s = {rto:g}")


def _rollback(item, env: Environment, config: pytest.Config) -> Duration:
    key = "swap_objective_s" if "slot_http" in item.fixturenames else "restart_objective_s"  # the swap reads the slot
    objective = getattr(env.config.slots, key)
    expected = LOCAL_SWAP_S if env.tier == "local" else 2 * objective
    return Duration(expected, 2 * objective, f"two flips, each within [slots] {key} = {objective:g}")


def _contract(item, env: Environment, config: pytest.Config) -> Duration:
    seconds = env.config.contract.max_seconds
    return Duration(seconds, seconds, f"[contract] max_seconds = {seconds:g}")


def _span(seconds: float) -> str:
    if seconds >= 120:
        return f"{round(seconds / 60, 1):g} min"
    return f"{seconds:g} s"
