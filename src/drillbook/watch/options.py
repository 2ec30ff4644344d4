"""The watch's settings, taken from the command line with the environment's ``[metrics]`` as defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import pytest

from drillbook.config.durations import parse_duration
from drillbook.config.environments import Environment
from drillbook.errors import ConfigError

if TYPE_CHECKING:
    from drillbook.runbook import Threshold
    from drillbook.watch.loop import WatchPlan


@dataclass(frozen=True)
class WatchSettings:
    duration_s: float
    interval_s: float
    window_s: float | None
    min_requests: int
    probe_rps: float
    allow_inconclusive: bool
    min_points_share: float
    max_unreadable_share: float
    interval_follows_s: float | None = None  # no --watch-interval: [metrics] interval_s, capped at the watch's length


def from_config(option: Any, env: Environment) -> WatchSettings:
    """Validate the watch options now, so a typo fails the run before any drill starts."""
    metrics = env.config.metrics
    duration = parse_duration(option.watch, option="--watch")
    interval = parse_duration(option.watch_interval, option="--watch-interval") if option.watch_interval \
        else min(metrics.interval_s, duration)
    window = parse_duration(option.watch_window, option="--watch-window") if option.watch_window else None
    _refuse_below("--watch-probe-rps", option.watch_probe_rps, 0, "0 (no probe traffic) or more", "5")
    _refuse_below("--watch-min-requests", option.watch_min_requests, 1, "at least 1", "20")
    rps = metrics.probe_rps if option.watch_probe_rps is None else option.watch_probe_rps
    min_requests = option.watch_min_requests if option.watch_min_requests is not None else metrics.min_requests
    return WatchSettings(duration, interval, window, max(1, int(min_requests)), rps, option.allow_inconclusive,
                         metrics.min_points_share, metrics.max_unreadable_share,
                         None if option.watch_interval else metrics.interval_s)


def _refuse_below(name: str, value: float | None, low: float, allowed: str, example: str) -> None:
    if value is not None and value < low:
        raise ConfigError(f"{name} {value:g}: must be {allowed} -> e.g. {name} {example}")


def plan_for(settings: WatchSettings, lookup: Callable[[str], Threshold]) -> WatchPlan:
    """The watch's plan from its settings and the runbook's thresholds (with an environment's overrides)."""
    from drillbook.watch.loop import WatchPlan

    return WatchPlan.for_runbook(lookup, duration_s=settings.duration_s, interval_s=settings.interval_s,
                                 min_requests=settings.min_requests, window_s=settings.window_s,
                                 min_points_share=settings.min_points_share,
                                 max_unreadable_share=settings.max_unreadable_share)


def show_line(config: pytest.Config, line: str) -> None:
    """Print past pytest's capture: the watch is long and the operator wants to see it move."""
    capture = config.pluginmanager.getplugin("capturemanager")
    reporter = config.pluginmanager.getplugin("terminalreporter")
    if reporter is None:
        return
    with capture.global_and_fixture_disabled() if capture else _nothing():
        reporter.write_line(line)
        reporter.flush()  # a pipe (CI, a log file) buffers: the line is due now, not when the run ends


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
