"""Polling with a deadline, for tests that wait on a process or a sandbox to change state."""

from __future__ import annotations

import time
from typing import Callable


def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    """Poll ``check`` every 0.1 s until it holds or ``timeout`` passes; the last look decides."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()
