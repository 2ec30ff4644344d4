"""Whether a watch can reach a verdict at all, and the options that would let it; refused before it starts.

A watch could only end inconclusive when it never evaluates (its interval is longer than itself), when a
rule's window cannot complete by its last evaluation, or when its probe traffic cannot bring a window the
requests it needs. Each refusal names its fix as options, and every fix offered is first checked against
these same tests (a fix that runs into another problem takes that problem's fix too):

>>> unfit(settings)
'--watch 5m is shorter than the window of api_p95 (600 s), ... -> use --watch 10m or longer, or --watch-window 5m ...'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pytest

from drillbook.config.durations import format_duration
from drillbook.watch.options import WatchSettings, plan_for

if TYPE_CHECKING:
    from drillbook.watch.loop import WatchPlan

PROBE_MARGIN = 2  # a suggested window holds twice the probe requests it needs: probes start late and run short
MAX_STEPS = 4  # a fix that leads into another problem takes that one's fix; never more than this in a chain
ORDER = ("--watch", "--watch-interval", "--watch-window", "--watch-probe-rps", "--watch-min-requests")


@dataclass(frozen=True)
class Fix:
    """Options to set (name -> value) and, when they are all of it, what the change is for."""

    options: tuple[tuple[str, float], ...]
    note: str = ""

    @classmethod
    def of(cls, note: str = "", **options: float) -> Fix:
        return cls(tuple((f"--{name.replace('_', '-')}", value) for name, value in options.items()), note)

    def render(self) -> str:
        ordered = sorted(self.options, key=lambda option: ORDER.index(option[0]))
        text = " ".join(f"{name} {_value_text(name, value)}" for name, value in ordered)
        return f"{text} {self.note}" if self.note else text


def refuse_unfit_watch(settings: WatchSettings | None, items: list[pytest.Item]) -> None:
    """Refuse, before anything runs, a selected watch that could only end inconclusive."""
    if settings is None or not any(item.get_closest_marker("watch") for item in items):
        return
    problem = unfit(settings)
    if problem:
        raise pytest.UsageError(problem)


def unfit(settings: WatchSettings) -> str | None:
    """Why the watch could only end inconclusive, with fixes that pass these checks; None when it can decide."""
    found = _problem(settings)
    if found is None:
        return None
    reason, fixes = found
    completed = [_completed(settings, fix) for fix in fixes]
    offered = list(dict.fromkeys(fix.render() for fix in completed if fix))  # in order, each once
    return f"{reason} -> use {', or '.join(offered)}"


def applied(settings: WatchSettings, options: dict[str, float]) -> WatchSettings:
    """The settings with ``options`` given on the command line (an interval not given follows the watch's length)."""
    duration = options.get("--watch", settings.duration_s)
    follows = None if "--watch-interval" in options else settings.interval_follows_s
    interval = options.get("--watch-interval", min(follows, duration) if follows else settings.interval_s)
    return replace(settings, duration_s=duration, interval_s=interval, interval_follows_s=follows,
                   window_s=options.get("--watch-window", settings.window_s),
                   probe_rps=options.get("--watch-probe-rps", settings.probe_rps),
                   min_requests=int(options.get("--watch-min-requests", settings.min_requests)))


def _completed(settings: WatchSettings, fix: Fix) -> Fix | None:
    """``fix``, with the first fix of each problem it still leads into, once nothing is left; None if it never ends."""
    options = dict(fix.options)
    for _ in range(MAX_STEPS):
        found = _problem(applied(settings, options))
        if found is None:
            return Fix(tuple(options.items()), fix.note if options == dict(fix.options) else "")
        options.update(found[1][0].options)
    return None


def _problem(settings: WatchSettings) -> tuple[str, list[Fix]] | None:
    from drillbook.runbook import threshold

    plan = plan_for(settings, threshold)  # windows do not depend on an environment's limits
    return _never_evaluates(plan) or _windows_too_long(plan, settings) or _probes_too_sparse(plan, settings)


def _never_evaluates(plan: WatchPlan) -> tuple[str, list[Fix]] | None:
    if plan.interval_s <= plan.duration_s + 1e-9:
        return None
    return (f"--watch-interval {format_duration(plan.interval_s)} is longer than the watch "
            f"({format_duration(plan.duration_s)}), so it would never evaluate and could only end inconclusive",
            [Fix.of(watch_interval=plan.duration_s), Fix.of("or longer", watch=plan.interval_s)])


def _windows_too_long(plan: WatchPlan, settings: WatchSettings) -> tuple[str, list[Fix]] | None:
    rules = plan.too_long_windows()
    if not rules:
        return None
    last, longest = plan.last_evaluation_s, max(plan.window_of(key) for key in plan.thresholds)
    watch = format_duration(plan.duration_s)
    reason = (f"--watch {watch} is shorter than the window of {', '.join(rules)}" if last >= plan.duration_s - 1e-9
              else f"--watch {watch} evaluates every {format_duration(plan.interval_s)}, last at "
                   f"{format_duration(last)}, before the window of {', '.join(rules)} completes")
    # a watch long enough ends on an evaluation; an interval not given follows the watch's length up to its default
    interval = min(settings.interval_follows_s, longest) if settings.interval_follows_s else plan.interval_s
    long_enough = math.ceil(longest / interval - 1e-9) * interval
    return (f"{reason}, so the watch could only end inconclusive",
            [Fix.of("or longer", watch=long_enough),
             Fix.of("to judge every rule over a shorter window", watch_window=last)])


def _probes_too_sparse(plan: WatchPlan, settings: WatchSettings) -> tuple[str, list[Fix]] | None:
    """Probe traffic that cannot bring a window of a required rule the requests it needs (0: none is sent)."""
    probe_rps = settings.probe_rps
    from drillbook.watch.loop import REQUIRED  # only when a watch is selected: every run asks whether one is

    window = min(plan.window_of(key) for key in REQUIRED)
    span = max(window, plan.interval_s)  # a window shorter than the interval still holds one whole interval
    if probe_rps <= 0 or probe_rps * span >= plan.min_requests:
        return None
    wider = Fix.of("to give each window enough probe requests",
                   watch_window=_seconds_up(PROBE_MARGIN * plan.min_requests / probe_rps))
    faster = Fix.of(watch_probe_rps=_rate_up(PROBE_MARGIN * plan.min_requests / span))
    return (f"probe traffic of {probe_rps:g} rps brings each window about {probe_rps * span:g} requests "
            f"({format_duration(span)} of traffic), fewer than the {plan.min_requests} it needs "
            "(--watch-min-requests), so the watch could only end inconclusive",
            [wider, faster] if plan.window_s else [faster, wider])  # keep the user's kind of watch first


def _seconds_up(seconds: float) -> float:
    return float(math.ceil(seconds)) if seconds < 120 else 60.0 * math.ceil(seconds / 60)


def _rate_up(rps: float) -> float:
    return math.ceil(rps * 10) / 10 if rps < 1 else float(math.ceil(rps))


def _value_text(name: str, value: float) -> str:
    if name in ("--watch", "--watch-interval", "--watch-window"):
        return format_duration(value)
    return f"{value:g}"
