"""Apply one fault and revert it in every case: return, error, SIGINT and SIGTERM.

SIGINT already reaches ``finally`` as KeyboardInterrupt; SIGTERM would end the
process without it, so while a fault is applied SIGTERM raises the same. The
undo journal's lease, when it cannot be renewed, raises its ``StoreError`` in
the drill the same way (``runtime.stopper``). The revert itself runs with these
signals blocked, and needs no store: a second Ctrl-C cannot skip it, and a
store that went away cannot stop it.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from drillbook.errors import FaultError, StoreError, Terminated
from drillbook.faults.undo import UndoJournal
from drillbook.runtime.stopper import STOP_SIGNAL

STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM, STOP_SIGNAL}


@contextmanager
def applied(fault, journal: UndoJournal, log: Callable[[str], None] = lambda line: None) -> Iterator[dict]:
    """Plan the undo, write it to the store, apply the fault; revert on the way out, whatever happens.

    Yields the undo record; ``log`` receives one line for the injection and one for the revert.
    """
    undo = fault.plan()
    entry = journal.plan(fault.kind, undo, fault.describe())
    failed: FaultError | None = None
    with _sigterm_interrupts(), journal.stopper.armed():
        try:
            log(f"inject: {fault.describe()}")
            fault.inject()
            yield undo
        except FaultError as exc:
            failed = exc
            raise
        finally:
            with _signals_blocked():
                try:
                    # an Azure fault reverts through the same client options (credential, transport) it injected with
                    outcome = type(fault).revert(undo, **getattr(fault, "client_options", {}))
                except FaultError as exc:
                    log(f"revert failed: {fault.describe()}: {exc} (the next drillbook run replays it)")
                    journal.release_quietly()  # left to the next run now, not when this process ends
                    before = f"{failed}; then " if failed else ""
                    raise FaultError(f"{before}revert failed: {exc} (the next drillbook run replays it)") from None
                log(f"revert: {outcome}")
                _close(journal, entry, outcome)


def _close(journal: UndoJournal, entry: str, outcome: str) -> None:
    """Record the revert; a store gone meanwhile is one line saying the fault was reverted all the same."""
    try:
        journal.close_entry(entry, outcome)
    except StoreError as exc:
        journal.release_quietly()
        raise StoreError(f"the fault was reverted ({outcome}) but its undo could not be closed (the next run "
                         f"closes it): {journal.lost or exc}") from None


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may install handlers; the caller's own finally still runs
        return

    def interrupt(signum, frame):
        raise Terminated("SIGTERM while a fault was applied")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def _signals_blocked() -> Iterator[None]:
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
