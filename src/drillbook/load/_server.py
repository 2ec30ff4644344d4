"""The server's side of the load: the environment's metrics source, read every interval and judged too.

Locust measures what a client waits for; the target's own metrics (a Prometheus
scrape, Azure Monitor) measure what the app took. Both are judged by the same
rules. Client p95 far above server p95 is itself a finding: time spent in front
of the app (queueing, a gateway) or in a saturated load generator.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from drillbook import metrics
from drillbook.clients.http import Breaker, build_client
from drillbook.config.environments import Environment
from drillbook.errors import MetricsError
from drillbook.load._judge import LoadJudge
from drillbook.metrics.reading import Reading
from drillbook.rules import histogram_quantile, merge_buckets
from drillbook.runbook import Threshold

if TYPE_CHECKING:
    from drillbook.load._settings import LoadSettings

GAP_NOTE_PCT = 50  # a client p95 this much above the server's is called out


class ServerSide:
    """Reads the metrics source once per judged interval and feeds a judge of its own."""

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.judge: LoadJudge | None = None
        self.errors: list[str] = []
        self.readings: list[Reading] = []
        self.unavailable: str | None = None
        self.name = env.config.metrics.source
        self._client = None
        self._source = None
        self._last_end: float | None = None
        self._due: list[float] = []  # ends of complete intervals not read yet (waiting out the ingestion lag)

    def open(self, started: float) -> None:
        """Take the source's baseline before the load begins; a source that cannot be read is noted, not fatal."""
        if self.name == "probe":
            self.unavailable = "[metrics] source = probe measures drillbook's own probe, not the server: not read"
            return
        self._client = build_client(self.env.http_target, breaker=Breaker(enabled=False))
        try:
            self._source = metrics.create_source(self.env, self._client)
        except MetricsError as exc:
            self.unavailable = f"the metrics source could not be read: {exc}"
        self._last_end = started

    def start_judging(self, lookup: Callable[[str], Threshold], settings: LoadSettings, run_start: float) -> None:
        """Judge the server side from ``run_start`` on, with the client's interval, windows and minimum count."""
        if self._source is not None:
            # a source read by span (Azure Monitor) starts its first interval with the load, not with our baseline
            self._last_end = max(self._last_end or run_start, run_start)
            self.judge = LoadJudge.for_runbook(lookup, duration_s=settings.duration_s, interval_s=settings.interval_s,
                                               window_s=settings.window_s, min_requests=settings.min_requests,
                                               run_start=run_start, side="server")

    @property
    def lag_s(self) -> float:
        """How long after an interval ends it is read: Azure Monitor's ingestion lag, as the watch waits it out."""
        return self.env.config.azure.ingestion_lag_s if self.name == "azure-monitor" else 0.0

    def complete(self, end: float) -> None:
        """The interval up to ``end`` is over; it is read by ``read_due`` once the ingestion lag has passed."""
        last = self._due[-1] if self._due else self._last_end
        if self.judge is not None and (last is None or end > last):
            self._due.append(end)

    def read_due(self, deadline: float = float("inf")) -> None:
        """Read, oldest first, every complete interval whose lag has passed; stop reading once ``deadline`` has."""
        while self._due and self._due[0] + self.lag_s <= time.time() < deadline:
            self.read(self._due.pop(0))

    def read(self, end: float) -> Reading | None:
        """The interval up to ``end`` from the source, judged; None when it could not be read (counted)."""
        if self._source is None or self.judge is None:
            return None
        try:
            reading = self._source.read(self._last_end, end)
        except MetricsError as exc:
            self.errors.append(str(exc))
            return None
        finally:
            self._last_end = end
        self.readings.append(reading)
        self.judge.feed(reading.endpoints, lambda t: replace(reading.sample_for(t.threshold, endpoint=t.route), at=end))
        return reading

    def close(self) -> None:
        if self._source is not None:
            self._source.close()
        if self._client is not None:
            self._client.close()

    @property
    def description(self) -> str:
        """``scrape http://.../metrics``: the source and what it read, as the watch states it."""
        query = self.readings[-1].query if self.readings else ""
        return f"{self.name} {query}".strip()

    def p95(self, route: str | None = None) -> float | None:
        """The whole run's server p95 (every reading's histogram merged), over every route or one."""
        if route is None:
            histograms = [r.latency_buckets for r in self.readings]
        else:
            histograms = [r.endpoints[route].latency_buckets for r in self.readings if route in r.endpoints]
        return histogram_quantile(0.95, merge_buckets(histograms)) if histograms else None

    def notes(self) -> list[str]:
        """What the server side could not do: not read at all, or unreadable for some intervals."""
        lines = [f"server side: {self.unavailable}"] if self.unavailable else []
        if self.lag_s:
            lines.append(f"server side: read {self.lag_s:g} s late ([azure] ingestion_lag_s), so its windows trail the "
                         "client's and a short drill's last intervals are judged on the client side only")
        if self.errors:
            lines.append(f"server side: {len(self.errors)} interval(s) unreadable, e.g. {self.errors[0]}")
        return lines


def gap_line(client_p95: float | None, server_p95: float | None) -> str | None:
    """``p95 client 240 ms, server 45 ms: +195 ms in front of the app or in the generator``."""
    if client_p95 is None or server_p95 is None:
        return None
    gap = client_p95 - server_p95
    line = f"p95 over the run: client {client_p95:.0f} ms, server {server_p95:.0f} ms"
    if server_p95 > 0 and gap > server_p95 * GAP_NOTE_PCT / 100 and gap > 50:
        return f"{line}: the client waited {gap:.0f} ms more -> look for queueing in front of the app or a saturated load generator"
    return line
