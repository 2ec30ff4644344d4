"""The watch's settings, taken from the command line with the environment's ``[metrics]`` as defaults."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from drillbook.durations import parse_duration
from drillbook.environments import Environment


@dataclass(frozen=True)
class WatchSettings:
    duration_s: float
    interval_s: float
    window_s: float | None
    min_requests: int
    probe_rps: float
    allow_inconclusive: bool


def from_config(option: Any, env: Environment) -> WatchSettings:
    """Validate the watch options now, so a typo fails the run before any drill starts."""
    metrics = env.section("metrics")
    duration = parse_duration(option.watch, option="--watch")
    interval = parse_duration(option.watch_interval, option="--watch-interval") if option.watch_interval \
        else min(metrics["interval_s"], duration)
    window = parse_duration(option.watch_window, option="--watch-window") if option.watch_window else None
    rps = metrics["probe_rps"] if option.watch_probe_rps is None else max(0.0, option.watch_probe_rps)
    min_requests = option.watch_min_requests if option.watch_min_requests is not None else metrics["min_requests"]
    return WatchSettings(duration, interval, window, max(1, int(min_requests)), rps, option.allow_inconclusive)


def show_line(config: pytest.Config, line: str) -> None:
    """Print past pytest's capture: the watch is long and the operator wants to see it move."""
    capture = config.pluginmanager.getplugin("capturemanager")
    reporter = config.pluginmanager.getplugin("terminalreporter")
    if reporter is None:
        return
    with capture.global_and_fixture_disabled() if capture else _nothing():
        reporter.write_line(line)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
