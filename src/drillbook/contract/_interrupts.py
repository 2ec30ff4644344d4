"""Ctrl-C during a contract run always stops it, even when a library swallows the KeyboardInterrupt.

Hypothesis runs a gc callback (an exception raised there is only printed as
"ignored") and both Hypothesis and schemathesis catch broadly around the test
function, so a KeyboardInterrupt raised at the wrong moment can vanish. The
handler here also sets a flag, and the run checks the flag between requests.

>>> with InterruptGuard() as guard:
...     guard.check()          # raises KeyboardInterrupt once Ctrl-C was pressed, however it was handled
...     with guard.deferred():  # a second Ctrl-C during cleanup is noted, not raised
...         clean_up()
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator


class InterruptGuard:
    """Installs a SIGINT handler that remembers the interrupt; a no-op outside the main thread."""

    def __init__(self) -> None:
        self.interrupted = False
        self._raising = True
        self._previous = None

    def __enter__(self) -> InterruptGuard:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _on_sigint(self, signum, frame) -> None:
        self.interrupted = True
        if self._raising:
            raise KeyboardInterrupt

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed, even if its first raise was swallowed."""
        if self.interrupted:
            raise KeyboardInterrupt

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Cleanup that must finish (it is bounded by timeouts): Ctrl-C only sets the flag meanwhile."""
        self._raising = False
        try:
            yield
        finally:
            self._raising = True
