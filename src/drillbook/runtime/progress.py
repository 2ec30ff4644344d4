"""Progress of a long drill: a line when something happens, and one after every few seconds of silence.

>>> with Progress(print, every_s=3) as progress:
...     progress.enter("steady state", planned_s=10, status=lambda: "48 probe requests, 0 failed")
...     time.sleep(10)      # prints "12:04:31Z steady state 3 s of 10 s: 48 probe requests, 0 failed", ...

Each line starts with its UTC time (ISO-8601), so a log read later still shows
when each phase moved. The silence ticker runs in its own thread: a phase that
blocks in one call (a revert that waits on Azure, a lock held by another run)
still speaks.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

EVERY_S = 3.0  # at most this long without a line (the operator's bound is 5 s; the rest is scheduling slack)

Status = Callable[[], str]


def utc_clock(epoch: float | None = None) -> str:
    """``16:11:34Z``: the time of day in UTC, ISO-8601."""
    return time.strftime("%H:%M:%SZ", time.gmtime(time.time() if epoch is None else epoch))


class Progress:
    """Lines through ``show``, each stamped and prefixed; silent phases get a line every ``every_s``."""

    def __init__(self, show: Callable[[str], None] = lambda line: None, *, prefix: str = "",
                 every_s: float = EVERY_S) -> None:
        self._show, self._prefix, self._every_s = show, prefix, every_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._last = time.monotonic()
        self._phase, self._since, self._planned_s, self._status = "", time.monotonic(), None, None

    def __enter__(self) -> Progress:
        self._stop.clear()
        self._ticker = threading.Thread(target=self._tick, daemon=True, name="drillbook-progress")
        self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=5)

    def line(self, text: str) -> None:
        with self._lock:
            self._last = time.monotonic()
            self._show(f"{utc_clock()} {self._prefix}{text}")

    def enter(self, phase: str, *, planned_s: float | None = None, status: Status | None = None,
              say: str | None = None) -> None:
        """The phase the silence lines name from now on; ``say`` is printed as the phase starts."""
        self._phase, self._since, self._planned_s, self._status = phase, time.monotonic(), planned_s, status
        if say:
            self.line(f"{phase}: {say}")

    def still(self) -> str:
        """``observe 3 s of 6 s: ...``: the phase, how long it has run, and its status."""
        elapsed = f"{time.monotonic() - self._since:.0f} s" + (f" of {self._planned_s:g} s" if self._planned_s else "")
        status = self._status() if self._status else ""
        return f"{self._phase or 'running'} {elapsed}" + (f": {status}" if status else "")

    def _tick(self) -> None:
        while not self._stop.wait(min(0.25, self._every_s / 4)):
            if time.monotonic() - self._last >= self._every_s:
                try:
                    text = self.still()
                except Exception as exc:  # noqa: BLE001 - a status that fails must not silence the drill
                    text = f"{self._phase} (status unreadable: {exc})"
                self.line(text)
