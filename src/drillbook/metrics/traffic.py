"""Synthetic probe traffic: bounded in count and in time, paced, and measured from the client side.

>>> with ProbeTraffic(client, ["/health"], rps=5, max_requests=300, duration_s=60) as traffic:
...     time.sleep(10)
...     traffic.observations_between(start, end)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from drillbook.errors import TargetError

MAX_WORKERS = 16


@dataclass(frozen=True)
class Observation:
    """One probe request: when it finished (epoch s), what it asked, and what came back."""

    at: float
    method: str
    route: str
    status: int  # 0 = no answer (timeout or connection error)
    elapsed_ms: float


class ProbeTraffic:
    """Sends GETs round-robin over ``routes`` at ``rps`` until ``max_requests`` or ``duration_s``."""

    def __init__(self, client: httpx.Client, routes: list[str], *, rps: float, max_requests: int,
                 duration_s: float) -> None:
        self._client, self._routes, self._rps = client, list(routes), rps
        self._max_requests, self._duration_s = max_requests, duration_s
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._next = 0
        self._observations: list[Observation] = []
        self._threads: list[threading.Thread] = []
        self._t0 = 0.0

    def __enter__(self) -> ProbeTraffic:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        if self._rps <= 0 or not self._routes:
            return
        self._t0 = time.monotonic()
        workers = min(MAX_WORKERS, max(2, int(self._rps * 2)))
        self._threads = [threading.Thread(target=self._work, daemon=True, name=f"probe-{i}") for i in range(workers)]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    @property
    def sent(self) -> int:
        return len(self._observations)

    def observations_between(self, start: float, end: float) -> list[Observation]:
        with self._lock:
            return [o for o in self._observations if start <= o.at < end]

    def _work(self) -> None:
        while (slot := self._claim()) is not None:
            index, due = slot
            if self._stop.wait(max(0.0, due - time.monotonic())):
                return
            self._record(self._send(self._routes[index % len(self._routes)]))

    def _claim(self) -> tuple[int, float] | None:
        with self._lock:
            due = self._t0 + self._next / self._rps
            if self._stop.is_set() or self._next >= self._max_requests or due - self._t0 >= self._duration_s:
                return None
            self._next += 1
            return self._next - 1, due

    def _send(self, route: str) -> Observation:
        started = time.perf_counter()
        try:
            status = self._client.get(route).status_code
        except (TargetError, httpx.HTTPError):
            status = 0
        return Observation(time.time(), "GET", route.split("?")[0], status, (time.perf_counter() - started) * 1000)

    def _record(self, observation: Observation) -> None:
        with self._lock:
            self._observations.append(observation)
