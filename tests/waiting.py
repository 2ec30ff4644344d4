"""Polling with a deadline, for tests that wait on a process or a sandbox to change state."""

from __future__ import annotations

from typing import Callable

from drillbook.runtime.waiting import wait_until


def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    """Poll ``check`` every 0.1 s until it holds or ``timeout`` passes; the last look decides."""
    return wait_until(check, timeout_s=timeout, poll_s=0.1).held
