"""Ctrl-C always ends a drill run as interrupted, even when a library swallows the KeyboardInterrupt.

Hypothesis runs a gc callback (what is raised there is only printed as
"Exception ignored"), and Hypothesis and schemathesis catch broadly around the
test function, so a KeyboardInterrupt raised at the wrong moment can vanish and
the run goes on. The handler here also sets a latch: long loops (the contract
run) check it between requests, and the plugin checks it after every test and
after the last one, so a swallowed Ctrl-C still ends the run with exit code 2.

>>> with guarded() as guard:
...     guard.check()          # raises KeyboardInterrupt once Ctrl-C was pressed, however it was handled
...     with guard.deferred():  # cleanup that must finish: a Ctrl-C meanwhile is noted, raised after
...         clean_up()
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager
from typing import Callable, Iterator

import pytest

from drillbook.errors import CtrlC, Terminated

# Module state, not a StashKey: library code (the contract run) reaches the run's guard without the config.
_installed: InterruptGuard | None = None


class InterruptGuard:
    """A SIGINT handler that raises CtrlC and remembers it; a no-op outside the main thread."""

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
            self._previous = None

    def _on_sigint(self, signum, frame) -> None:
        self.interrupted = True
        if self._raising and not _in_gc_callback(frame):
            raise CtrlC

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed, even if its first raise was swallowed."""
        if self.interrupted:
            raise CtrlC

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Cleanup that must finish (bounded by its timeouts): Ctrl-C only sets the latch meanwhile."""
        raising, self._raising = self._raising, False
        try:
            yield
        finally:
            self._raising = raising


@contextmanager
def guarded() -> Iterator[InterruptGuard]:
    """The run's guard under pytest; elsewhere one for the duration of the block."""
    if _installed is not None:
        yield _installed
        return
    with InterruptGuard() as guard:
        yield guard


def _in_gc_callback(frame) -> bool:
    """Python only prints what a gc callback raises; the next check() raises it instead."""
    return frame is not None and frame.f_code.co_name == "gc_callback"


def _unreported_ctrl_c() -> Callable[[], None]:
    """Drop a Ctrl-C that landed in a finalizer or a weakref callback from sys.unraisablehook; returns the undo.

    Python cannot raise it there and reports it ("Exception ignored in", a traceback; pytest repeats it as a
    warning). It is not lost: the latch raises it at the next check().
    """
    report = sys.unraisablehook

    def hook(unraisable) -> None:
        if not isinstance(unraisable.exc_value, CtrlC):
            report(unraisable)

    def undo() -> None:
        if sys.unraisablehook is hook:
            sys.unraisablehook = report

    sys.unraisablehook = hook
    return undo


# --- the pytest side: install for the run, check after every test -------------------------

def pytest_configure(config: pytest.Config) -> None:
    global _installed
    _installed = InterruptGuard().__enter__()


def pytest_sessionstart(session: pytest.Session) -> None:
    # Not at configure: pytest installs its own hook at its configure, after drillbook's. Cleanups run last in,
    # first out, so this undo runs before pytest restores the hook it found.
    session.config.add_cleanup(_unreported_ctrl_c())


def pytest_unconfigure(config: pytest.Config) -> None:
    global _installed
    if _installed is not None:
        _installed.__exit__(None, None, None)
        _installed = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    result = yield
    if _installed is not None:
        _installed.check()
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    return (yield from _an_error_after_ctrl_c_is_the_ctrl_c())


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    return (yield from _an_error_after_ctrl_c_is_the_ctrl_c())


def _an_error_after_ctrl_c_is_the_ctrl_c():
    """A drill that fails once Ctrl-C was pressed is interrupted, not failed: no verdict, no traceback.

    The KeyboardInterrupt may reach pytest as another error: Python 3.11 wraps what ``__set_name__`` raises in a
    RuntimeError (a Ctrl-C while Hypothesis' classes are created), and libraries turn errors into findings.
    Teardown is left alone: a revert that fails after Ctrl-C must still be reported.
    """
    try:
        return (yield)
    except Exception:
        if _installed is not None and _installed.interrupted:
            raise CtrlC from None
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session):
    try:
        result = yield
        if _installed is not None:  # swallowed during the last test: the run still ends as interrupted
            _installed.check()
    except KeyboardInterrupt as exc:
        if not _from_a_signal(exc):  # a stop on purpose (pytest's -x, xdist's) says why already
            raise
        # pytest reports a KeyboardInterrupt with a pointer into whatever code the signal landed in (this
        # module's handler, mostly); its own Interrupted is reported as one line. Reverts ran on the way here.
        raise session.Interrupted(f"{_cause(exc)}: the run stopped and ends as interrupted (exit code 2)") from None
    return result


def _from_a_signal(exc: KeyboardInterrupt) -> bool:
    return type(exc) is KeyboardInterrupt or isinstance(exc, (CtrlC, Terminated))


def _cause(exc: KeyboardInterrupt) -> str:
    """``Ctrl-C``, or what a SIGTERM handler said it was (``SIGTERM while a fault was applied``)."""
    return str(exc) or "Ctrl-C"


@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo) -> None:
    """Drop frames without a line number before pytest reports the interrupt.

    Python 3.11 leaves ``tb_lineno`` None when a signal lands on an instruction without one, and pytest's
    report of the KeyboardInterrupt then crashes (TypeError, exit code 1 instead of 2).
    """
    from _pytest._code import Traceback, TracebackEntry

    raw, entries = excinfo.tb, []
    while raw is not None:
        if raw.tb_lineno is not None:
            entries.append(TracebackEntry(raw))
        raw = raw.tb_next
    excinfo.traceback = Traceback(entries)
