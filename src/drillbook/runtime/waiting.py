"""Poll a condition until it holds or its time is up: the one wait loop drillbook has.

>>> waited = wait_until(lambda: live_version(http), lambda seen: seen == "1.4.3", timeout_s=60, poll_s=1)
>>> waited.held, waited.last, waited.took_s          # (False, '1.4.2', 60.0): timed out, and what it saw last

The first look is at once; the last one is at the deadline, never skipped by an oversleep, so a
condition that comes true just in time is seen. What it saw last comes back either way: a timeout
says what it was waiting for and what it got instead.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Waited(Generic[T]):
    """How a wait ended: whether the condition held, what the last look saw, when, after how many looks."""

    held: bool
    last: T
    took_s: float  # from the start (or ``since``) to the last look
    looks: int

    @property
    def timed_out(self) -> bool:
        return not self.held


def wait_until(look: Callable[[], T], until: Callable[[T], object] = bool, *, timeout_s: float, poll_s: float,
               since: float | None = None, on_look: Callable[[Waited[T]], None] | None = None) -> Waited[T]:
    """Call ``look`` until ``until(seen)`` holds or ``timeout_s`` has passed since ``since`` (a monotonic time).

    ``on_look`` hears of every look (a progress line, a dot on a chart). Sleeps at most ``poll_s`` between
    looks, and never past the deadline. An exception from ``look`` ends the wait: it is the caller's to say.
    """
    started = time.monotonic() if since is None else since
    looks = 0
    while True:
        seen = look()
        looks += 1
        took = time.monotonic() - started
        waited = Waited(bool(until(seen)), seen, took, looks)
        if on_look is not None:
            on_look(waited)
        if waited.held or took >= timeout_s:
            return waited
        time.sleep(min(poll_s, max(0.0, timeout_s - took)))
