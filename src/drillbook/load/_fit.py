"""Whether a load drill's windows can complete within its shape; refused before it starts, with fixes that fit.

A window longer than the load (``--load-window 2m`` on a 60 s load), or an interval so long that no
compressed window fits (a window spans at least two intervals), leaves the drill nothing to judge: it could
only end inconclusive. Every fix offered is checked against the same test first.

>>> unfit(settings)
'--load-window 2m is longer than the load (60 s), ... -> use --load-window 30s, or --load-duration 4m ...'
"""

from __future__ import annotations

from dataclasses import replace

from drillbook.config.durations import format_duration
from drillbook.load._judge import PER_ROUTE, REQUIRED, compressed_window, windows_for
from drillbook.load._settings import LoadSettings, Stage


def unfit(settings: LoadSettings) -> str | None:
    """Why no window of the drill could complete, with fixes that pass this same check; None when they do."""
    found = _problem(settings)
    if found is None:
        return None
    reason, fixes = found
    offered = [_render(fix) for fix in fixes if _problem(applied(settings, fix)) is None]
    return f"{reason}, and the drill could only end inconclusive -> use {', or '.join(offered)}"


def _problem(settings: LoadSettings) -> tuple[str, list[dict[str, float]]] | None:
    duration, interval, window = settings.duration_s, settings.interval_s, settings.window_s
    longer = {"--load-duration": max(4 * interval, 2 * (window or 0))}  # room for two windows of two intervals
    if interval > duration + 1e-9:
        return (f"an interval of {interval:g} s is longer than the {duration:g} s load, so no interval of it is "
                "judged", [{"--load-interval": duration / 4}, longer])
    if not _too_long(settings):
        return None
    if window:
        return (f"--load-window {format_duration(window)} is longer than the load ({duration:g} s), so no window "
                "could complete", [{"--load-window": compressed_window(duration, interval)}, longer])
    return (f"an interval of {interval:g} s leaves no room for a window in a {duration:g} s load (a window spans "
            "at least two intervals)", [{"--load-interval": duration / 4}, longer])


def applied(settings: LoadSettings, options: dict[str, float]) -> LoadSettings:
    """The settings with ``options`` given on the command line (``--load-duration`` makes one steady stage)."""
    stages = settings.stages
    if "--load-duration" in options:
        stages = (Stage(options["--load-duration"], settings.peak_users, stages[-1].spawn_rate),)
    return replace(settings, stages=stages, interval_s=options.get("--load-interval", settings.interval_s),
                   window_s=options.get("--load-window", settings.window_s))


def _too_long(settings: LoadSettings) -> list[str]:
    from drillbook.runbook import threshold

    thresholds = {key: threshold(key) for key in set(REQUIRED + PER_ROUTE)}  # windows do not depend on the limits
    windows = windows_for(thresholds, settings.duration_s, settings.interval_s, settings.window_s)
    return sorted(key for key, window in windows.items() if window > settings.duration_s + 1e-9)


def _render(fix: dict[str, float]) -> str:
    return " ".join(f"{name} {format_duration(value)}" for name, value in fix.items())
