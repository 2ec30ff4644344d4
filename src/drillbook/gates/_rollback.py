"""The slot swap, timed by what users see: from the swap call until ``/health`` reports the other version.

>>> flip = swap_and_watch(slots, http, expect="1.4.3", objective_s=300, poll_s=1)
>>> flip.finding("swap")          # None when it flipped within the objective
>>> record.timed("swap", flip.took_s, flip.describe("swap"))   # a RollbackRecord: the line shown, the time kept
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import httpx

from drillbook.errors import TargetError
from drillbook.runtime.waiting import wait_until

LATE_FACTOR = 2  # keep watching past the objective, up to this many times it, to say how late a flip was


@dataclass(frozen=True)
class Flip:
    """What one swap did: the version expected, the one last seen, and how long until it flipped."""

    expected: str
    seen: str
    took_s: float
    flipped: bool
    objective_s: float

    def describe(self, step: str) -> str:
        """``swap to 1.4.3: /health flipped in 0.42 s (objective 300 s)``, or what it still reported."""
        seen = (f"/health flipped in {self.took_s:.2f} s" if self.flipped
                else f"/health still reports {self.seen} after {self.took_s:.2f} s")
        return f"{step} to {self.expected}: {seen} (objective {self.objective_s:g} s)"

    def finding(self, step: str) -> str | None:
        if not self.flipped:
            return (f"after the {step}, /health still reports {self.seen} (expected {self.expected}) "
                    f"{self.took_s:.1f} s later; objective {self.objective_s:g} s")
        if self.took_s > self.objective_s:
            return f"the {step} to {self.expected} took {self.took_s:.1f} s > objective {self.objective_s:g} s"
        return None


@dataclass
class RollbackRecord:
    """A rollback drill's timed steps, each measured apart from the objective it is judged against.

    The ``recovery`` step (the swap back, the revert's restart) is the time to recover: every recovery
    record in the journal names it ``time_to_recover_s`` and its objective ``rto_objective_s``.
    """

    drill: str
    objective_s: float
    recovery: str
    log: Callable[[str], None] = lambda line: None  # each step's line, as it ends
    steps: dict[str, float] = field(default_factory=dict)  # step -> measured seconds

    def timed(self, step: str, took_s: float, line: str) -> None:
        self.steps[step] = round(took_s, 3)
        self.log(f"rollback drill: {line}")

    def figures(self) -> dict:
        """``{"drill": "slot-swap", "swap_s": 0.42, "swap_back_s": 0.4, "time_to_recover_s": 0.4, ...}``."""
        measured = {f"{step.replace(' ', '_')}_s": took for step, took in self.steps.items()}
        return {"drill": self.drill, **measured, "time_to_recover_s": self.steps.get(self.recovery),
                "rto_objective_s": self.objective_s}


def read_health(http: httpx.Client, path: str = "/health") -> tuple[str | None, str]:
    """``(version, seen)``: the version of a healthy 200 answer (else None), and what was seen, for messages."""
    try:
        response = http.get(path)
    except TargetError as exc:
        return None, f"no answer ({exc})"
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    version, status = body.get("version"), body.get("status", "no status")
    if response.status_code == 200 and status == "healthy" and version:
        return str(version), str(version)
    return None, f"HTTP {response.status_code}, status {status}, version {version or 'none'}"


def health_url(http: httpx.Client) -> str:
    """Where /health was read, for failure messages."""
    return str(http.base_url).rstrip("/") + "/health"


def live_version(http: httpx.Client) -> str:
    """The version /health reports, or what came back instead."""
    return read_health(http)[1]


def swap_and_watch(slots, http: httpx.Client, *, expect: str, objective_s: float, poll_s: float) -> Flip:
    """Swap, then read /health until it reports ``expect`` or twice the objective has passed."""
    started = time.monotonic()
    slots.swap()
    flip = wait_until(lambda: live_version(http), lambda seen: seen == expect, timeout_s=LATE_FACTOR * objective_s,
                      poll_s=poll_s, since=started)
    return Flip(expect, flip.last, flip.took_s, flip.held, objective_s)
