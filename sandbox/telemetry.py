"""Request metrics in Prometheus format, plus recent latencies for /performance/slow.

Routes are labelled by template (`/api/shards/{id}`), so fuzzed ids do not
explode the label set; unknown paths share the label `unmatched`. The request
metrics can be reshaped like other real exporters (`MetricsShape`): other bucket
layouts, histograms split by status, status classes (`5xx`), and `GET /metrics`
counted as traffic, so drills can show a verdict survives them.
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest

from sandbox.errors import RecentErrors
from sandbox.http import METRICS_PATH, is_observed, route_template

# The alert and key-metric thresholds (0.5 s slow, 1 s p95) sit on bucket edges.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0)
SLOW_THRESHOLD_MS = 500.0
RECENT_WINDOW_S = 300.0
RECENT_PER_ROUTE = 2000
UNMATCHED = "unmatched"
ERROR_TYPE = "drillbook_error_type"  # the scope["state"] key a handler sets for a server error
CLIENT_GONE = 499  # nginx's code for "client closed the request before the answer"
BUCKET_PRESETS = {
    "sandbox": BUCKETS,
    "prometheus": tuple(b for b in Histogram.DEFAULT_BUCKETS if b != float("inf")),  # prometheus_client's default
    "fastapi": (0.1, 0.5, 1.0),  # a stock FastAPI instrumentation's http_request_duration_seconds
}


@dataclass(frozen=True)
class MetricsShape:
    """How /metrics exposes requests; the default is the sandbox's own layout."""

    buckets: tuple[float, ...] = BUCKETS
    split_by_status: bool = False  # the duration histogram also carries the status label
    status_classes: bool = False  # status="5xx" instead of "503"
    count_scrapes: bool = False  # GET /metrics is counted and timed like API traffic

    @classmethod
    def from_spec(cls, spec: dict) -> MetricsShape:
        """From a validated request: ``buckets`` names a preset, ``bucket_bounds`` lists seconds instead."""
        bounds = spec.get("bucket_bounds")
        layout = tuple(sorted(set(map(float, bounds)))) if bounds else BUCKET_PRESETS[spec.get("buckets", "sandbox")]
        return cls(layout, spec.get("split_by_status", False), spec.get("status_classes", False),
                   spec.get("count_scrapes", False))

    def public(self) -> dict:
        return {"buckets": list(self.buckets), "split_by_status": self.split_by_status,
                "status_classes": self.status_classes, "count_scrapes": self.count_scrapes}

    def status_label(self, status: int) -> str:
        return f"{status // 100}xx" if self.status_classes else str(status)


class RecentLatencies:
    """Per (method, route) durations of the last few minutes, for percentiles."""

    def __init__(self, window_s: float = RECENT_WINDOW_S, per_route: int = RECENT_PER_ROUTE):
        self.window_s = window_s
        self._samples: dict[tuple[str, str], deque] = defaultdict(lambda: deque(maxlen=per_route))
        self._lock = threading.Lock()

    def add(self, method: str, route: str, seconds: float) -> None:
        with self._lock:
            self._samples[(method, route)].append((time.monotonic(), seconds))

    def p95_by_route(self) -> list[tuple[str, str, float, int]]:
        """(method, route, p95 in ms, count) over the window."""
        since = time.monotonic() - self.window_s
        with self._lock:
            recent = {key: [s for t, s in samples if t >= since] for key, samples in self._samples.items()}
        return [(method, route, percentile(values, 95) * 1000, len(values))
                for (method, route), values in recent.items() if values]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with pct% of values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


class Telemetry:
    """The sandbox's metrics registry.

    >>> telemetry = Telemetry()
    >>> telemetry.observe("GET", "/health", 200, 0.004)
    >>> b"http_requests_total" in telemetry.exposition()
    True
    """

    def __init__(self):
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.shape = MetricsShape()
        self.requests, self.duration = self._request_metrics(self.shape)
        self.embedding_jobs = Counter("embedding_jobs_total", "Embedding jobs finished by the worker.",
                                      ["outcome"], registry=self.registry)
        for outcome in ("success", "failure"):
            self.embedding_jobs.labels(outcome)  # export zeros before the first job
        # Read at scrape time; EmbeddingJobs plugs itself in with set_function().
        self.queue_depth = Gauge("embedding_queue_depth",
                                 "Jobs waiting in queue:embedding_jobs (NaN if Redis is unreachable).",
                                 registry=self.registry)
        self.recent = RecentLatencies()
        self.errors = RecentErrors()

    def reshape(self, shape: MetricsShape) -> MetricsShape:
        """Expose requests in ``shape`` from now on; a new shape starts its counters from zero, as a restart does."""
        if shape != self.shape:
            self.registry.unregister(self.requests)
            self.registry.unregister(self.duration)
            self.shape = shape
            self.requests, self.duration = self._request_metrics(shape)
        return shape

    def _request_metrics(self, shape: MetricsShape) -> tuple[Counter, Histogram]:
        requests = Counter("http_requests_total", "HTTP requests served, by route template and status.",
                           ["method", "route", "status"], registry=self.registry)
        labels = ["method", "route", "status"] if shape.split_by_status else ["method", "route"]
        duration = Histogram("http_request_duration_seconds", "Time to serve an HTTP request.",
                             labels, buckets=shape.buckets, registry=self.registry)
        return requests, duration

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        shape, requests, duration = self.shape, self.requests, self.duration
        code = shape.status_label(status)
        requests.labels(method, route, code).inc()
        series = (method, route, code) if shape.split_by_status else (method, route)
        duration.labels(*series).observe(seconds)
        self.recent.add(method, route, seconds)

    def observes(self, path: str) -> bool:
        """Whether a request to ``path`` is counted: the public API, and /metrics when the shape says so."""
        return is_observed(path) or (self.shape.count_scrapes and path == METRICS_PATH)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)

    def slow_endpoints(self, threshold_ms: float = SLOW_THRESHOLD_MS) -> list[dict]:
        rows = [{"method": m, "route": r, "p95_ms": round(p95, 1), "count": n}
                for m, r, p95, n in self.recent.p95_by_route() if p95 > threshold_ms]
        return sorted(rows, key=lambda row: row["p95_ms"], reverse=True)


class TelemetryMiddleware:
    """Counts and times every public request, including injected faults."""

    def __init__(self, app, telemetry: Telemetry, routes: list):
        self.app, self.telemetry, self.routes = app, telemetry, routes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.telemetry.observes(scope["path"]):
            return await self.app(scope, receive, send)
        status = CLIENT_GONE
        route = route_template(self.routes, scope) or UNMATCHED

        async def send_and_note(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        state = scope.setdefault("state", {})  # inner layers name the error type here (ERROR_TYPE)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_and_note)
        except Exception as exc:
            status = 500  # the outer error middleware turns this into a 500
            state.setdefault(ERROR_TYPE, type(exc).__name__)
            raise
        finally:
            self.telemetry.observe(scope["method"], route, status, time.perf_counter() - started)
            if status >= 500:
                operation = f"{scope['method']} {route}"
                self.telemetry.errors.note(state.get(ERROR_TYPE) or f"HTTP {status}", operation, status)
