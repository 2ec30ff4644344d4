"""A drill's expected alerts on Azure: fired alerts read from the fault's start until each is settled.

>>> alerts = AlertsOnAzure(where, expected, timing_of=section, client_options={})
>>> alerts.fault_started(t0); ...; alerts.fault_ending(t1)
>>> alerts.finish(progress)          # polls every [alerts] poll_s until each fired and resolved, or is due

Reading starts when the fault does and goes on after the revert, in a thread, so
the drill's own phases are not held up; ``finish`` waits for what is left with a
progress line at least every few seconds naming what it waits for. A read that
fails is retried at the next poll unless asking again cannot help (a 403); a
drill whose alerts were never read is "not checked", never a pass.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from drillbook.clients.azure import one_line
from drillbook.config.sections.alerts import AlertsSection
from drillbook.detection.fired import FiredAlert, read_fired_alerts
from drillbook.detection.judge import AlertOutcome, Timing, judge_alerts, last_look, settled, unexpected
from drillbook.runbook import Threshold
from drillbook.runtime.progress import Progress, utc_clock

LOOKBACK_S = 900.0  # alerts still open from before the fault are read too, to be noted (never claimed)
JOIN_S = 0.5


@dataclass(frozen=True)
class Where:
    """Whose alerts: the subscription, the resource group and the drill's resources (empty: the whole group)."""

    subscription: str
    resource_group: str
    resources: frozenset[str] = frozenset()

    def describe(self) -> str:
        return f"azure resource manager: fired alerts of {self.resource_group}"


class AlertsOnAzure:
    def __init__(self, where: Where, expected: list[Threshold], section: AlertsSection,
                 client_options: dict[str, Any] | None = None) -> None:
        self.where, self.expected, self.section = where, expected, section
        self.client_options = dict(client_options or {})
        self.timing: Timing | None = None
        self.outcomes: list[AlertOutcome] = []
        self.others: list[str] = []
        self.reads = 0
        self.problem: str | None = None
        self.ever_read = False
        self.read_at: float | None = None  # the last read that answered
        self._mine: list[FiredAlert] = []
        self._stop = threading.Event()
        self._wake = threading.Event()  # read now: what is expected has changed
        self._lock = threading.Lock()  # the poller judges while ``expect`` may rename what is expected
        self._renamed = 0  # how often ``expect`` renamed it: a read begun before that settles nothing
        self._final = False  # a read was refused in a way asking again cannot help (a 403)
        self._thread: threading.Thread | None = None

    def fault_started(self, at: float) -> None:
        self.timing = Timing(at, None, self.section.evaluation_frequency_s, self.section.grace_s)
        self.outcomes = judge_alerts(self.expected, [], self.timing)
        self._start()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._poll, daemon=True, name="drillbook-alerts-on-azure")
        self._thread.start()

    def fault_ending(self, at: float) -> None:
        if self.timing is not None:
            self.timing = replace(self.timing, reverted=at)

    def expect(self, expected: list[Threshold], since: dict[str, float], what: str) -> None:
        """Name what is expected once it is known, each alert from its own start (the load drill's breaches, known
        when the load has run), and read again at once; reading goes on until these are settled."""
        with self._lock:
            self.expected = expected
            self.timing = replace(self.timing, since=since, what=what)
            self.outcomes = judge_alerts(expected, self._mine, self.timing)
            self.others = unexpected(expected, self._mine, self.timing)
            self.ever_read = False  # only a read begun after this says what fired by now
            self._renamed += 1
        self._wake.set()
        if self._thread is not None and not self._thread.is_alive() and not self._stop.is_set() and not self._final:
            self._start()  # the reading had settled what was expected before: read for what is expected now

    def before_revert(self, at: float) -> None:
        """Nothing to drain: the reads go to Azure, not to the target."""

    def finish(self, progress: Progress) -> None:
        """Wait until every expected alert is settled (or cannot be read), saying what it waits for."""
        if self._thread is None:
            return
        due = last_look(self.outcomes, self.timing)
        progress.enter("alerts", planned_s=max(0.0, due - time.time()), status=self.waiting_for,
                       say=f"reading the fired alerts every {self.section.poll_s:g} s until {utc_clock(due)}: "
                           f"{self.waiting_for()}")
        try:
            while self._thread.is_alive():
                self._thread.join(JOIN_S)  # short joins: Ctrl-C still reaches the drill
        finally:
            self.close()

    def close(self) -> None:
        self._stop.set()
        self._wake.set()

    def waiting_for(self) -> str:
        now = time.time()
        parts = [f"{o.threshold.key} {o.status(now)}" + (f" (until {utc_clock(o.deadline)})"
                                                          if o.status(now) == "waiting" else "")
                 for o in self.outcomes]
        unread = f"; last read failed: {self.problem}" if self.problem else ""
        return f"{', '.join(parts)} ({self.reads} reads of {self.where.resource_group}){unread}"

    def _poll(self) -> None:
        try:
            self._poll_until_settled()
        except Exception as exc:  # noqa: BLE001 - said in the result: a thread that died would read as "no alerts"
            self.problem = one_line(f"reading the fired alerts stopped: {type(exc).__name__}: {exc}")[:300]

    def _poll_until_settled(self) -> None:
        while not self._stop.is_set():
            now, renamed = time.time(), self._renamed
            read = read_fired_alerts(self.where.subscription, self.where.resource_group,
                                     self.timing.started - LOOKBACK_S, now + self.section.poll_s,
                                     **self.client_options)
            self.reads += 1
            self.problem = read.problem
            if read.problem is None:
                self._take(read.alerts, renamed)
            self._final = bool(read.problem and read.final)
            if self._final or (self.ever_read and settled(self.outcomes, self.timing, now)):
                return
            if now >= last_look(self.outcomes, self.timing) and renamed == self._renamed:
                return
            self._wake.wait(min(self.section.poll_s, max(0.0, last_look(self.outcomes, self.timing) - now)))
            self._wake.clear()

    def _take(self, alerts: list[FiredAlert], renamed: int) -> None:
        with self._lock:
            self._mine = [a for a in alerts if not self.where.resources or a.target in self.where.resources]
            self.ever_read, self.read_at = renamed == self._renamed, time.time()
            self.outcomes = judge_alerts(self.expected, self._mine, self.timing)
            self.others = unexpected(self.expected, self._mine, self.timing)
