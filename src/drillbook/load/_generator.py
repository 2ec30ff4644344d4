"""The load generator's own health: how busy each locust process was, and whether it held the planned users.

A saturated generator measures itself: a response waits in locust's event loop
before it is timed, so latencies grow while the API is fine. The rule: a
process is saturated in an interval when its main thread spent more than 90 %
of it on a CPU or waiting for one (locust's own warning is "CPU usage above
90%"). A client-side latency breach whose window holds a saturated reading is
inconclusive, not a failure of the API; a pass stays a pass (saturation only
makes figures worse), with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable

from drillbook.load._settings import Stage

SATURATED_PCT = 90.0
WAIT_SHOWN_PCT = 10.0  # below this, waiting for a core is left out of the wording
SPAWN_SLACK_S = 3.0  # spawning and dispatching users lags the shape by this much on a busy machine
GRID_S = 0.25
FIX = "add --load-workers or a bigger runner"
REMEDY = f"the figures measure the generator, not the API -> {FIX}"


@dataclass(frozen=True)
class GeneratorReading:
    """One locust process over one interval ending at ``at``: share on a CPU and waiting for one."""

    at: float
    process: str  # host:pid
    role: str  # local, worker or master
    cpu_pct: float
    wait_pct: float

    @classmethod
    def from_record(cls, record: dict) -> GeneratorReading | None:
        raw = record.get("generator")
        if not raw:
            return None
        return cls(float(record["at"]), str(record.get("process", record["pid"])), str(record.get("role", "local")),
                   float(raw["cpu_pct"]), float(raw["wait_pct"]))

    @property
    def busy_pct(self) -> float:
        return self.cpu_pct + self.wait_pct

    @property
    def saturated(self) -> bool:
        return self.busy_pct > SATURATED_PCT

    def load(self) -> str:
        """``cpu 97 %`` or ``cpu 55 % + 42 % waiting for a core``."""
        waiting = f" + {self.wait_pct:.0f} % waiting for a core" if self.wait_pct >= WAIT_SHOWN_PCT else ""
        return f"cpu {self.cpu_pct:.0f} %{waiting}"


def worst_saturated(readings: Iterable[GeneratorReading], start: float = float("-inf"),
                    end: float = float("inf")) -> GeneratorReading | None:
    """The busiest saturated reading in the window (start, end], or None."""
    inside = [r for r in readings if r.saturated and start < r.at <= end]
    return max(inside, key=lambda r: r.busy_pct, default=None)


def saturation_note(reading: GeneratorReading, name: Callable[[str], str]) -> str:
    """``generator saturated (cpu 97 % on worker-2 (pid 1234) at 12:03:10Z): the figures measure ...``."""
    return f"generator saturated ({reading.load()} on {name(reading.process)} at {clock(reading.at)}): {REMEDY}"


def clock(at: float) -> str:
    """``12:03:10Z``: a time of day in UTC, as operators read logs."""
    return datetime.fromtimestamp(at, tz=timezone.utc).strftime("%H:%M:%SZ")


def planned_users(stages: tuple[Stage, ...], t: float) -> float:
    """Users the shape asks for ``t`` s in: a stage ramps up from the last level at its spawn rate (down at once)."""
    level, start = 0.0, 0.0
    for stage in stages:
        ramped = stage.spawn_rate * max(0.0, min(t, start + stage.duration_s) - start)
        level = min(stage.users, level + ramped) if stage.users > level else float(stage.users)
        if t < start + stage.duration_s:
            return level
        start += stage.duration_s
    return 0.0


def users_expected(stages: tuple[Stage, ...], elapsed: float, interval_s: float) -> int:
    """The fewest users the shape asked for around an interval ending ``elapsed`` s in (ramp and clock slack)."""
    low, high = elapsed - interval_s - SPAWN_SLACK_S, elapsed + SPAWN_SLACK_S
    points = [low + k * GRID_S for k in range(int((high - low) / GRID_S) + 1)]
    return int(min(planned_users(stages, max(0.0, t)) for t in points))
