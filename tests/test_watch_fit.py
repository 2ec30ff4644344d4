"""A watch that could only end inconclusive is refused before it starts, and every fix it offers would work.

The fixes are read back from the refusal's text, given as options again and checked by the same validation
that refused the original: a suggestion that leads into another refusal is a defect.
"""

from __future__ import annotations

import itertools
import re
from types import SimpleNamespace

import pytest

from drillbook.config.environments import load_environment
from drillbook.errors import ConfigError
from drillbook.watch.fit import unfit
from drillbook.watch.options import WatchSettings, from_config

FIX = re.compile(r"(--watch[a-z-]*) (\S+)")
LOCAL = load_environment("local")


def options(watch="15m", interval=None, window=None, rps=None, min_requests=None, **_) -> SimpleNamespace:
    """The watch options as the command line gives them (strings for durations, numbers for the rest)."""
    return SimpleNamespace(watch=watch, watch_interval=interval, watch_window=window, watch_probe_rps=rps,
                           watch_min_requests=min_requests, allow_inconclusive=False)


def refusal(**given) -> str | None:
    return unfit(from_config(options(**given), LOCAL))


def suggestions(message: str) -> list[dict[str, str]]:
    """Each alternative after "-> use", as the options it sets (``{"--watch": "10m"}``)."""
    return [dict(FIX.findall(alternative)) for alternative in message.split(" -> use ", 1)[1].split(", or ")]


def with_fix(given: dict, fix: dict[str, str]) -> dict:
    names = {"--watch": "watch", "--watch-interval": "interval", "--watch-window": "window",
             "--watch-probe-rps": "rps", "--watch-min-requests": "min_requests"}
    numbers = {"rps": float, "min_requests": int}
    changed = {names[option]: numbers.get(names[option], str)(value) for option, value in fix.items()}
    return {**given, **changed}


def settings(duration_s, window_s=None):
    return WatchSettings(duration_s, 30.0, window_s, 20, 5.0, False, 0.8, 0.2)


def test_a_watch_shorter_than_the_p95_window_is_refused_with_the_fix():
    assert unfit(settings(300)) == (
        "--watch 5m is shorter than the window of api_p95 (600 s), so the watch could only end inconclusive "
        "-> use --watch 10m or longer, or --watch-window 5m to judge every rule over a shorter window")


@pytest.mark.parametrize(("duration_s", "window_s"), [(900, None), (600, None), (300, 300), (60, 10)])
def test_a_watch_that_fits_every_window_is_not_refused(duration_s, window_s):
    assert unfit(settings(duration_s, window_s)) is None


def test_an_interval_longer_than_the_watch_is_refused():
    assert refusal(watch="20s", interval="30s", window="10s") == (
        "--watch-interval 30s is longer than the watch (20s), so it would never evaluate and could only end "
        "inconclusive -> use --watch-interval 20s, or --watch 30s or longer")


def test_an_interval_that_skips_past_the_window_is_refused():
    assert refusal(watch="10s", interval="3s", window="10s").startswith(
        "--watch 10s evaluates every 3s, last at 9s, before the window of api_error_rate (10 s), ")


def test_the_short_watch_hint_no_longer_leads_into_a_window_the_probes_cannot_fill():
    message = refusal(watch="1s")
    assert message.endswith("-> use --watch 10m or longer, or --watch 8s --watch-window 8s")
    assert refusal(watch="1s", window="1s") == (
        "probe traffic of 5 rps brings each window about 5 requests (1s of traffic), fewer than the 20 it needs "
        "(--watch-min-requests), so the watch could only end inconclusive -> use --watch 8s --watch-window 8s, "
        "or --watch-probe-rps 40")


def test_no_probe_traffic_is_not_judged_by_the_probes():
    assert refusal(watch="6s", interval="1s", window="2s", rps=0.0) is None  # the target's own traffic may fill it


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("rps", -1.0, "--watch-probe-rps -1: must be 0 (no probe traffic) or more -> e.g. --watch-probe-rps 5"),
    ("min_requests", 0, "--watch-min-requests 0: must be at least 1 -> e.g. --watch-min-requests 20"),
])
def test_a_negative_rate_or_no_minimum_is_refused_not_silently_changed(name, value, expected):
    with pytest.raises(ConfigError) as error:
        from_config(options(**{name: value}), LOCAL)
    assert str(error.value) == expected


GRID = {"watch": ["1s", "6s", "10s", "45s", "5m", "15m"], "interval": [None, "1s", "3s", "30s", "2m"],
        "window": [None, "1s", "2s", "10s"], "rps": [None, 0.0, 0.5, 30.0], "min_requests": [None, 3, 50]}


def test_every_fix_offered_passes_the_validation_that_refused_the_original():
    refused = 0
    for values in itertools.product(*GRID.values()):
        given = dict(zip(GRID, values))
        message = refusal(**given)
        if message is None:
            continue
        refused += 1
        fixes = suggestions(message)
        assert fixes and all(fixes), f"{given}: no fix offered: {message}"
        for fix in fixes:
            assert refusal(**with_fix(given, fix)) is None, f"{given} + {fix} is refused too; it came from: {message}"
    assert refused > 500  # the grid reaches every kind of refusal
