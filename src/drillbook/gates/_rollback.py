"""The slot swap, timed by what users see: from the swap call until ``/health`` reports the other version.

>>> flip = swap_and_watch(slots, http, expect="1.4.3", objective_s=300, poll_s=1)
>>> flip.finding("swap")          # None when it flipped within the objective
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx

from drillbook.errors import TargetError

LATE_FACTOR = 2  # keep watching past the objective, up to this many times it, to say how late a flip was


@dataclass(frozen=True)
class Flip:
    """What one swap did: the version expected, the one last seen, and how long until it flipped."""

    expected: str
    seen: str
    took_s: float
    flipped: bool
    objective_s: float

    def finding(self, step: str) -> str | None:
        if not self.flipped:
            return (f"after the {step}, /health still reports {self.seen} (expected {self.expected}) "
                    f"{self.took_s:.1f} s later; objective {self.objective_s:g} s")
        if self.took_s > self.objective_s:
            return f"the {step} to {self.expected} took {self.took_s:.1f} s > objective {self.objective_s:g} s"
        return None


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
    deadline = started + LATE_FACTOR * objective_s
    while True:
        seen = live_version(http)
        took = time.monotonic() - started
        if seen == expect or time.monotonic() >= deadline:
            return Flip(expect, seen, took, seen == expect, objective_s)
        time.sleep(min(poll_s, max(0.0, deadline - time.monotonic())))
