"""Queue backlog and embedding failures: Service Bus depths and dead letters, the Redis work queue and its worker.

The embedding failure rate is the delta of ``embedding_jobs_total{outcome}``
between two scrapes of the target's /metrics around a bounded burst of jobs,
read with the scrape source's parser.
"""

import time

import pytest

from drillbook.components.check import call, expect_status, fail, source_of
from drillbook.clients.servicebus import read_queue_depths
from drillbook.errors import ServiceBusError, TargetError
from drillbook.metrics.scrape import Names, diff_snapshots, parse_snapshot

pytestmark = pytest.mark.queue
BACKLOG = "queue-backlog"
EMBEDDING = "embedding-failures"
JOBS_PATH = "/api/embeddings/jobs"
DRAIN_PROBE_JOBS = 5
POLL_S = 0.1


def read_depths(admin, queues):
    __tracebackhide__ = True
    try:
        return read_queue_depths(admin, queues)
    except ServiceBusError as exc:
        problem = str(exc)
    fail(BACKLOG, problem, source=f"sb://{admin.namespace}")  # outside except: no chained traceback


def llen(target, queue: str) -> int:
    __tracebackhide__ = True
    try:
        return int(target.run("llen", queue))
    except TargetError as exc:
        problem = str(exc)
    fail(BACKLOG, f"work queue {queue}: {problem}", source=target.source)


@pytest.mark.runbook(BACKLOG)
def test_servicebus_queue_depth_below_limit(servicebus_admin, servicebus_settings, thresholds, attach_figures):
    limit = thresholds("servicebus_queue")
    depths = read_depths(servicebus_admin, servicebus_settings.queues)
    attach_figures("queue runtime properties", {d.name: vars(d) for d in depths})
    over = [d for d in depths if limit.to_rule().breaches(d.active)]
    if over:
        listed = "; ".join(f"Service Bus queue {d.name}: {d.active} active messages > {limit.limit:g} messages"
                           for d in over)
        fail(BACKLOG, listed, source=servicebus_admin.source(over[0].name), window="1 reading of runtime properties")


@pytest.mark.runbook(BACKLOG)
def test_servicebus_dead_letters_within_limit(servicebus_admin, servicebus_settings, attach_figures):
    allowed = servicebus_settings.max_dead_letters
    depths = read_depths(servicebus_admin, servicebus_settings.queues)
    attach_figures("queue runtime properties", {d.name: vars(d) for d in depths})
    over = [d for d in depths if d.dead_letter > allowed]
    if over:
        listed = "; ".join(f"Service Bus queue {d.name}: {d.dead_letter} dead-lettered messages > {allowed:g} allowed"
                           for d in over)
        fail(BACKLOG, f"{listed} ([servicebus] max_dead_letters)", source=servicebus_admin.source(over[0].name),
             window="1 reading of runtime properties")


@pytest.mark.runbook(BACKLOG)
def test_work_queue_depth_below_limit(redis_target, work_queues, thresholds, attach_figures):
    limit = thresholds("servicebus_queue")
    depths = {queue: llen(redis_target, queue) for queue in work_queues}
    attach_figures("work queue depths (LLEN)", depths)
    over = {queue: depth for queue, depth in depths.items() if limit.to_rule().breaches(depth)}
    if over:
        listed = "; ".join(f"work queue {q}: {d} waiting jobs > {limit.limit:g} messages" for q, d in over.items())
        fail(BACKLOG, listed, source=redis_target.source, window="1 LLEN reading")


@pytest.mark.destructive
@pytest.mark.runbook(BACKLOG)
def test_worker_drains_the_queue(redis_target, work_queues, http, redis_settings, exclusive_cache, attach_figures):
    queue, timeout_s = work_queues[0], redis_settings.drain_timeout_s
    before = llen(redis_target, queue)
    enqueue_jobs(http, DRAIN_PROBE_JOBS, section=BACKLOG)
    started, series = time.monotonic(), []
    while (depth := llen(redis_target, queue)) > before and time.monotonic() < started + timeout_s:
        series.append((round(time.monotonic() - started, 2), depth))
        time.sleep(POLL_S)
    attach_figures("depth while draining (s, jobs)", {"before": before, "series": [*series, ("end", depth)]})
    if depth > before:
        fail(BACKLOG, f"work queue {queue}: depth {before} -> {depth} after {DRAIN_PROBE_JOBS} jobs were enqueued; "
             f"the worker did not drain it within {timeout_s:g} s (stalled or down?)",
             source=f"{redis_target.source} {queue}", window=f"{timeout_s:g} s")


@pytest.mark.destructive
@pytest.mark.runbook(EMBEDDING)
def test_embedding_failure_rate_below_limit(drill_env, http, redis_settings, thresholds, no_data, attach_figures):
    metrics = drill_env.config.metrics
    if metrics.source != "scrape":
        pytest.skip(f"not applicable: {drill_env.name} is measured by [metrics] source = {metrics.source}; "
                    "its embedding failure rate is judged by the watch's embedding_failures rule (-m watch)")
    limit, jobs = thresholds("embedding_failures"), redis_settings.probe_jobs
    names, path = Names.from_settings(metrics), metrics.path
    first = scrape(http, path, names)
    enqueue_jobs(http, jobs, section=EMBEDDING)
    reading = wait_for_jobs(http, path, names, first, jobs, redis_settings.drain_timeout_s)
    window = f"{jobs} jobs enqueued, {reading.end - reading.start:.1f} s"
    finished, failed = reading.embedding_jobs, reading.embedding_failures
    attach_figures("embedding_jobs_total deltas", {"enqueued": jobs, "finished": finished, "failed": failed,
                                                   "window": window, "source": reading.query})
    if finished < max(1, jobs // 2):
        no_data(EMBEDDING, f"embedding failure rate: no data, {finished} of {jobs} enqueued jobs finished "
                f"(embedding_jobs_total)", source=reading.query, window=window)
    rate = 100.0 * failed / finished
    if limit.to_rule().breaches(rate):
        fail(EMBEDDING, f"embedding failure rate {rate:.1f} % ({failed} of {finished} jobs failed) > "
             f"{limit.limit:g} %", source=reading.query, window=window)


def enqueue_jobs(http, count: int, *, section: str) -> None:
    __tracebackhide__ = True
    for index in range(count):
        body = {"text": f"drillbook queue probe {index}"}
        expect_status(call(http, "POST", JOBS_PATH, json=body, section=section), (200, 201, 202), section=section)


def scrape(http, path: str, names: Names):
    __tracebackhide__ = True
    response = call(http, "GET", path, section=EMBEDDING)
    expect_status(response, 200, section=EMBEDDING)
    try:
        return parse_snapshot(response.text, names, time.time())
    except ValueError as exc:
        problem = f"GET {path} is not Prometheus text format ({exc})"
    fail(EMBEDDING, problem, source=source_of(response))


def wait_for_jobs(http, path: str, names: Names, first, jobs: int, timeout_s: float):
    """Scrape until ``jobs`` more jobs have finished, or the time is up; the reading since ``first``."""
    source = f"{http.base_url}{path}"
    deadline = time.monotonic() + timeout_s
    while True:
        reading = diff_snapshots(first, scrape(http, path, names), source=source, memory_limit_mb=None)
        if reading.embedding_jobs >= jobs or time.monotonic() >= deadline:
            return reading
        time.sleep(POLL_S * 2)
