"""A background thread that finds the drill must stop (its lease was lost) raises the reason where the drill is.

>>> stopper = DrillStopper()
>>> with stopper.armed():                          # in the main thread, around the drill
...     KeptLease(lease, on_lost=stopper.stop)     # a lost lease raises its StoreError in the drill
...     observe()                                  # interrupted there, even in a sleep or a socket read

The error arrives as a signal (``STOP_SIGNAL``) sent to the main thread, whose handler raises it, as
SIGTERM raises ``Terminated``: a drill's ``finally`` (the fault's revert) runs as for Ctrl-C. The handler
stays installed once set, so a stop racing the drill's end never meets the signal's default (which ends
the process). Outside the main thread nothing is armed: the error is only kept (``stopper.error``).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

STOP_SIGNAL = signal.SIGUSR1

# Module state, not a StashKey: a signal handler is process-wide, and the stoppers armed now are too.
_armed: list[DrillStopper] = []


class DrillStopper:
    """Carries one error from a background thread into the main thread's drill."""

    def __init__(self) -> None:
        self.error: BaseException | None = None
        self.raised = False

    @contextmanager
    def armed(self) -> Iterator[DrillStopper]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        if signal.getsignal(STOP_SIGNAL) is not _raise_the_stop:
            signal.signal(STOP_SIGNAL, _raise_the_stop)
        _armed.append(self)
        try:
            if self.error is not None:  # lost before the drill got here
                self.raised = True
                raise self.error
            yield self
        finally:
            if self in _armed:  # gone already when the run stood down
                _armed.remove(self)

    def stop(self, error: BaseException) -> None:
        """From any thread: raise ``error`` in the armed drill (once); kept for later when none is armed."""
        if self.error is None:
            self.error = error
        if self in _armed:
            signal.pthread_kill(threading.main_thread().ident, STOP_SIGNAL)


def stand_down() -> None:
    """The run is ending on purpose (``stops.stop_run``): a lease lost meanwhile is not raised over that stop.

    Their errors are kept (``stopper.error``); the drills' ``finally`` blocks still revert and say what happened.
    """
    _armed.clear()


def _raise_the_stop(signum, frame) -> None:
    if any(stopper.raised for stopper in _armed):
        return  # one stop is on its way already (the revert under way says the rest); a second would bury it
    for stopper in reversed(list(_armed)):
        if stopper.error is not None and not stopper.raised:
            stopper.raised = True
            raise stopper.error
