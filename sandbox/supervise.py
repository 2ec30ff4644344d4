"""Background threads that never die silently: a crash is logged, counted, reported, and restarted.

A bare thread that raises simply ends, and whatever depended on it stalls
without a word. A supervised one logs the traceback, says "restarting" to
whoever asks (readiness), waits a backoff that grows while the crashes keep
coming, and runs its loop again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

FIRST_DELAY_S = 0.5
MAX_DELAY_S = 5.0
STEADY_S = 30.0  # a loop that ran this long before crashing starts its backoff afresh

log = logging.getLogger("sandbox.supervise")


class Supervised:
    """One daemon thread running ``loop`` until ``stopping`` is set, restarted whenever it raises.

    >>> worker = Supervised("embedding-worker", jobs.loop, stopping)
    >>> worker.start(); worker.status()
    {'state': 'running', 'crashes': 0}
    """

    def __init__(self, name: str, loop: Callable[[], None], stopping: threading.Event,
                 first_delay_s: float = FIRST_DELAY_S, max_delay_s: float = MAX_DELAY_S):
        self.name, self.loop, self.stopping = name, loop, stopping
        self.first_delay_s, self.max_delay_s = first_delay_s, max_delay_s
        self.crashes = 0
        self.last_crash: str | None = None
        self.restart_at: float | None = None  # monotonic time of the next restart while one is pending
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._supervise, name=self.name, daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def state(self) -> str:
        """'running', 'restarting' (crashed, waiting out its backoff), 'stopped' or 'dead'."""
        if self._thread is None or self.stopping.is_set():
            return "stopped"
        if not self._thread.is_alive():
            return "dead"  # the supervisor itself was killed: nothing will restart it
        return "restarting" if self.restart_at is not None else "running"

    def status(self) -> dict:
        """What readiness shows: the state, how often it crashed, and the last crash."""
        status = {"state": self.state, "crashes": self.crashes}
        if self.last_crash:
            status["last_crash"] = self.last_crash
        return status

    def problem(self) -> str | None:
        """Why the thread is not doing its work right now, in one line (None when it is)."""
        state = self.state
        if state == "running":
            return None
        if state == "restarting":
            wait_s = max(0.0, (self.restart_at or 0) - time.monotonic())
            return (f"{self.name} thread crashed ({self.last_crash}) and restarts in {wait_s:.1f} s "
                    f"(crash {self.crashes})")
        return f"{self.name} thread is {state}" + (f" (last crash: {self.last_crash})" if self.last_crash else "")

    def _supervise(self) -> None:
        delay = self.first_delay_s
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.loop()
                return  # the loop returns only when asked to stop
            except Exception as err:  # noqa: BLE001 - any crash is logged and restarted, never silent
                if time.monotonic() - started >= STEADY_S:
                    delay = self.first_delay_s
                self._crashed(err, delay)
            self.stopping.wait(delay)
            self.restart_at = None
            delay = min(delay * 2, self.max_delay_s)

    def _crashed(self, err: Exception, delay: float) -> None:
        self.crashes += 1
        self.last_crash = f"{type(err).__name__}: {err}".splitlines()[0][:200]
        self.restart_at = time.monotonic() + delay
        log.error("%s thread crashed (crash %d), restarting in %.1f s", self.name, self.crashes, delay,
                  exc_info=err)
