"""The queue checks' verdicts: Service Bus depths and dead letters, the Redis work queue, its worker, embeddings.

>>> check_servicebus_depth(admin, settings, threshold("servicebus_queue"))
>>> check_worker_drains(target, ["queue:embedding_jobs"], http, redis_settings)

The embedding failure rate is the delta of ``embedding_jobs_total{outcome}``
between two scrapes of the target's /metrics around a bounded burst of jobs,
read with the scrape source's parser. ``checks/test_queue.py`` calls these.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from drillbook.clients.redis import RedisTarget
from drillbook.clients.servicebus import read_queue_depths
from drillbook.errors import ServiceBusError
from drillbook.components.check import attach_figures, call, expect_status, fail, no_data, source_of
from drillbook.errors import TargetError
from drillbook.metrics.scrape import Names, diff_snapshots, parse_snapshot
from drillbook.runbook import Threshold

BACKLOG = "queue-backlog"
EMBEDDING = "embedding-failures"
JOBS_PATH = "/api/embeddings/jobs"
DRAIN_PROBE_JOBS = 5
POLL_S = 0.1
READING = "1 reading of runtime properties"


def read_depths(admin: Any, queues: list[str]) -> list[Any]:
    __tracebackhide__ = True
    try:
        return read_queue_depths(admin, queues)
    except ServiceBusError as exc:
        problem = str(exc)
    fail(BACKLOG, problem, source=f"sb://{admin.namespace}", kind="unreachable")  # outside except: no chained trace


def llen(target: RedisTarget, queue: str) -> int:
    __tracebackhide__ = True
    try:
        return int(target.run("llen", queue))
    except TargetError as exc:
        problem = str(exc)
    fail(BACKLOG, f"work queue {queue}: {problem}", source=target.source, kind="unreachable")


def check_servicebus_depth(admin: Any, settings: dict, limit: Threshold) -> None:
    """Active messages of every ``[servicebus] queues`` queue under the runbook's limit."""
    __tracebackhide__ = True
    depths = read_depths(admin, settings.queues)
    attach_figures("queue runtime properties", {d.name: vars(d) for d in depths})
    over = [d for d in depths if limit.to_rule().breaches(d.active)]
    if over:
        listed = "; ".join(f"Service Bus queue {d.name}: {d.active} active messages > {limit.limit:g} messages"
                           for d in over)
        fail(BACKLOG, listed, source=admin.source(over[0].name), window=READING, rule=limit.key,
             value=over[0].active, limit=limit.limit, unit=limit.unit)


def check_dead_letters(admin: Any, settings: dict) -> None:
    """Dead-lettered messages of every queue within ``[servicebus] max_dead_letters``."""
    __tracebackhide__ = True
    allowed = settings.max_dead_letters
    depths = read_depths(admin, settings.queues)
    attach_figures("queue runtime properties", {d.name: vars(d) for d in depths})
    over = [d for d in depths if d.dead_letter > allowed]
    if over:
        listed = "; ".join(f"Service Bus queue {d.name}: {d.dead_letter} dead-lettered messages > {allowed:g} allowed"
                           for d in over)
        fail(BACKLOG, f"{listed} ([servicebus] max_dead_letters)", source=admin.source(over[0].name),
             window=READING, value=over[0].dead_letter, limit=allowed, unit="messages")


def check_work_queue_depth(target: RedisTarget, queues: list[str], limit: Threshold) -> None:
    """Waiting jobs (LLEN) of every Redis work queue under the runbook's queue limit."""
    __tracebackhide__ = True
    depths = {queue: llen(target, queue) for queue in queues}
    attach_figures("work queue depths (LLEN)", depths)
    over = {queue: depth for queue, depth in depths.items() if limit.to_rule().breaches(depth)}
    if over:
        listed = "; ".join(f"work queue {q}: {d} waiting jobs > {limit.limit:g} messages" for q, d in over.items())
        fail(BACKLOG, listed, source=target.source, window="1 LLEN reading", rule=limit.key,
             value=next(iter(over.values())), limit=limit.limit, unit=limit.unit)


def check_worker_drains(target: RedisTarget, queues: list[str], http: httpx.Client, settings: dict) -> None:
    """A few probe jobs enqueued through the API leave the first work queue within ``[redis] drain_timeout_s``."""
    __tracebackhide__ = True
    queue, timeout_s = queues[0], settings.drain_timeout_s
    before = llen(target, queue)
    enqueue_jobs(http, DRAIN_PROBE_JOBS, section=BACKLOG)
    started, series = time.monotonic(), []
    while (depth := llen(target, queue)) > before and time.monotonic() < started + timeout_s:
        series.append((round(time.monotonic() - started, 2), depth))
        time.sleep(POLL_S)
    attach_figures("depth while draining (s, jobs)", {"before": before, "series": [*series, ("end", depth)]})
    if depth > before:
        fail(BACKLOG, f"work queue {queue}: depth {before} -> {depth} after {DRAIN_PROBE_JOBS} jobs were enqueued; "
             f"the worker did not drain it within {timeout_s:g} s (stalled or down?)",
             source=f"{target.source} {queue}", window=f"{timeout_s:g} s", value=depth, limit=before, unit="jobs")


def check_embedding_failures(env_name: str, metrics: dict, http: httpx.Client, settings: dict, limit: Threshold, *,
                             allow_inconclusive: bool = False) -> None:
    """Failed over finished embedding jobs, from /metrics scraped around a burst of probe jobs."""
    __tracebackhide__ = True
    if metrics.source != "scrape":
        pytest.skip(f"not applicable: {env_name} is measured by [metrics] source = {metrics.source}; "
                    "its embedding failure rate is judged by the watch's embedding_failures rule (-m watch)")
    jobs = int(settings.probe_jobs)
    names, path = Names.from_settings(metrics), metrics.path
    first = scrape(http, path, names)
    enqueue_jobs(http, jobs, section=EMBEDDING)
    reading = wait_for_jobs(http, path, names, first, jobs, settings.drain_timeout_s)
    window = f"{jobs} jobs enqueued, {reading.end - reading.start:.1f} s"
    finished, failed = reading.embedding_jobs, reading.embedding_failures
    attach_figures("embedding_jobs_total deltas", {"enqueued": jobs, "finished": finished, "failed": failed,
                                                   "window": window, "source": reading.query})
    if finished < max(1, jobs // 2):
        no_data(EMBEDDING, f"embedding failure rate: no data, {finished} of {jobs} enqueued jobs finished "
                f"(embedding_jobs_total)", source=reading.query, window=window, allow_inconclusive=allow_inconclusive)
    rate = 100.0 * failed / finished
    if limit.to_rule().breaches(rate):
        fail(EMBEDDING, f"embedding failure rate {rate:.1f} % ({failed} of {finished} jobs failed) > "
             f"{limit.limit:g} %", source=reading.query, window=window, rule=limit.key, value=rate,
             limit=limit.limit, unit=limit.unit)


def enqueue_jobs(http: httpx.Client, count: int, *, section: str) -> None:
    __tracebackhide__ = True
    for index in range(count):
        body = {"text": f"drillbook queue probe {index}"}
        expect_status(call(http, "POST", JOBS_PATH, json=body, section=section), (200, 201, 202), section=section)


def scrape(http: httpx.Client, path: str, names: Names) -> Any:
    __tracebackhide__ = True
    response = call(http, "GET", path, section=EMBEDDING)
    expect_status(response, 200, section=EMBEDDING)
    try:
        return parse_snapshot(response.text, names, time.time())
    except ValueError as exc:
        problem = f"GET {path} is not Prometheus text format ({exc})"
    fail(EMBEDDING, problem, source=source_of(response))


def wait_for_jobs(http: httpx.Client, path: str, names: Names, first: Any, jobs: int, timeout_s: float) -> Any:
    """Scrape until ``jobs`` more jobs have finished, or the time is up; the reading since ``first``."""
    source = f"{http.base_url}{path}"
    deadline = time.monotonic() + timeout_s
    while True:
        reading = diff_snapshots(first, scrape(http, path, names), source=source, memory_limit_mb=None)
        if reading.embedding_jobs >= jobs or time.monotonic() >= deadline:
            return reading
        time.sleep(POLL_S * 2)
