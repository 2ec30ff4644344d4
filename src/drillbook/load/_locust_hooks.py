"""drillbook's hooks inside locust: per-interval, per-route histograms to JSONL, and the load shape as data.

drillbook passes this file next to the locustfile (``-f castiel.py,_locust_hooks.py``). It
runs inside locust's gevent-patched process and is never imported by pytest. Each
process that runs users (the local runner, or each worker) writes one JSON line per
interval of the wall clock, even an empty one, so the reader can tell "no requests"
from "no report". Histograms keep every bound, empty ones included, so percentiles
come from merged buckets, never from averaged percentiles.

A worker on the drill's machine appends to the stats directory itself; a worker on
another machine (no DRILLBOOK_LOAD_STATS there) ships its lines with its reports to
the master, which appends them for it.

Each line also says how busy the generator was: the share of the interval its
main thread (the gevent loop) spent on a CPU and waiting in the run queue for
one (Linux schedstat). Locust's own "CPU usage above 90%" samples every 10 s and
misses a process starved by other load; on-CPU plus waiting does not. The master
writes a line of its own per interval: its CPU and each worker's state
("missing" when its heartbeats stopped).

A request that never reached the API (no TLS session, refused, no such host; see
_locust_reach) is counted apart, with its kind and cause, outside the histogram and the
failures: the API's error rate and latency are judged on the requests it received.

Environment: DRILLBOOK_LOAD_STATS (directory), DRILLBOOK_LOAD_INTERVAL_S (seconds; the
same on every machine), DRILLBOOK_LOAD_STAGES (JSON list of {"duration_s", "users", "spawn_rate"}),
and the trust of _locust_reach (DRILLBOOK_LOAD_CA_BUNDLE, DRILLBOOK_LOAD_VERIFY_TLS).
"""

from __future__ import annotations

import bisect
import json
import os
import socket
import time
from collections import Counter

import gevent
from locust import LoadTestShape, events
from locust.runners import MasterRunner, WorkerRunner

from _locust_reach import trust_every_session, unreached  # beside this file: locust puts its folder on the path

# Upper bounds in ms; the last bucket (above 60 s) is +Inf. Fine where the runbook's limits are (500, 1000 ms).
BOUNDS = (5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 125, 150, 175, 200, 250, 300, 350, 400, 450, 500, 550,
          600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 1750, 2000, 2500, 3000, 4000, 5000, 7500,
          10000, 15000, 20000, 30000, 60000)
STATS_DIR = os.environ.get("DRILLBOOK_LOAD_STATS", "")
INTERVAL_S = float(os.environ.get("DRILLBOOK_LOAD_INTERVAL_S", "2"))
STAGES = json.loads(os.environ.get("DRILLBOOK_LOAD_STAGES", "[]"))
ERROR_KINDS = 5  # distinct error texts kept per route and interval
PROCESS = f"{socket.gethostname()}:{os.getpid()}"  # unique across machines, unlike a pid
SHIPPED = "drillbook_intervals"  # the key of a remote worker's lines in its report to the master
# main thread: ns on a CPU, ns runnable but waiting for one, timeslices. Read here, not through psutil: psutil
# has no run-queue wait (its cpu_times are user and system time), and both figures must come from one reading.
SCHEDSTAT = "/proc/self/schedstat"


class CpuMeter:
    """How busy this process' main thread was since the last sample: on a CPU, and waiting for one."""

    def __init__(self) -> None:
        self.last: tuple[float, float, float] | None = None

    def sample(self) -> dict | None:
        now = (time.monotonic(), *_cpu_and_wait_s())
        last, self.last = self.last, now
        if last is None or now[0] - last[0] < 0.2:  # too short to mean anything
            return None
        wall = now[0] - last[0]
        return {"cpu_pct": round(100 * (now[1] - last[1]) / wall, 1),
                "wait_pct": round(100 * (now[2] - last[2]) / wall, 1)}


def _cpu_and_wait_s() -> tuple[float, float]:
    try:
        with open(SCHEDSTAT) as stat:
            on_cpu, waiting = stat.read().split()[:2]
        return int(on_cpu) / 1e9, int(waiting) / 1e9
    except (OSError, ValueError):  # not Linux: CPU time of the whole process, no wait
        return time.process_time(), 0.0


class IntervalStats:
    """Requests of this process, by interval index (wall clock // interval) and route."""

    def __init__(self, path: str | None, interval_s: float) -> None:
        self.path, self.interval_s = path, interval_s  # no path: lines wait in the outbox for the master
        self.outbox: list[str] = []
        self.open: dict[int, dict[str, dict]] = {}
        self.next_flush: int | None = None  # first interval index not written yet
        self.runner = None
        self.meter = CpuMeter()

    def start(self) -> None:
        if self.next_flush is None:
            self.next_flush = int(time.time() // self.interval_s)
            self.meter.sample()

    def add(self, route: str, ms: float, error: object, missed: tuple[str, str] | None = None) -> None:
        """One request; ``missed`` (kind, cause) when it never reached the API: no latency, no API error."""
        index = int(time.time() // self.interval_s)
        routes = self.open.get(index) or self.open.setdefault(index, {})
        counts = routes.get(route) or routes.setdefault(route, _empty_route())  # built once per interval, not per call
        counts["count"] += 1
        if missed is not None:  # every one counted: the reached requests are the count less these
            seen = counts["unreached"]
            seen[missed if missed in seen or len(seen) < ERROR_KINDS else (missed[0], "(other causes)")] += 1
            return
        counts["buckets"][bisect.bisect_left(BOUNDS, ms)] += 1
        if error is not None:
            counts["failures"] += 1
            text = str(error)[:160]
            if text in counts["errors"] or len(counts["errors"]) < ERROR_KINDS:
                counts["errors"][text] += 1

    def flush(self, upto: int | None = None) -> None:
        """Write every interval before ``upto`` (None: all, the current one included)."""
        if self.next_flush is None:
            return
        last = upto if upto is not None else int(time.time() // self.interval_s) + 1
        generator = self.meter.sample() if last > self.next_flush else None
        lines = [self._line(k, generator) for k in range(self.next_flush, last)]
        self.next_flush = max(self.next_flush, last)
        if lines and self.path is None:
            self.outbox += lines
        elif lines:
            append_lines(self.path, lines)

    def _line(self, index: int, generator: dict | None) -> str:
        routes = self.open.pop(index, {})
        users = getattr(self.runner, "user_count", 0)
        worker = isinstance(self.runner, WorkerRunner)
        record = {"at": (index + 1) * self.interval_s, "interval_s": self.interval_s, "pid": os.getpid(),
                  "process": PROCESS, "role": "worker" if worker else "local", "users": users, "bounds": BOUNDS,
                  "generator": generator, "client_id": getattr(self.runner, "client_id", None) if worker else None,
                  "routes": {name: _route_record(c) for name, c in routes.items()}}
        return json.dumps(record) + "\n"


def append_lines(path: str, lines: list[str]) -> None:
    with open(path, "a") as out:
        out.write("".join(lines))


def _empty_route() -> dict:
    return {"count": 0, "failures": 0, "buckets": [0] * (len(BOUNDS) + 1), "errors": Counter(), "unreached": Counter()}


def _route_record(counts: dict) -> dict:
    """JSON for one route: error texts as an object, unreached requests as [kind, cause, count] triples."""
    unreached_list = [[kind, cause, n] for (kind, cause), n in counts["unreached"].items()]
    return {**counts, "errors": dict(counts["errors"]), "unreached": unreached_list}


STATS = IntervalStats(os.path.join(STATS_DIR, f"stats-{os.getpid()}.jsonl") if STATS_DIR else None, INTERVAL_S)


def _sleep_to_next_interval() -> int:
    """Sleep until just after the current interval ends; the index of the interval now open."""
    gevent.sleep(INTERVAL_S - time.time() % INTERVAL_S + 0.05)
    return int(time.time() // INTERVAL_S)


def _flush_every_interval() -> None:
    while True:
        STATS.flush(upto=_sleep_to_next_interval())


def _master_every_interval(runner) -> None:
    """The master's line per interval: its own CPU and every worker's state, as locust's heartbeats see them."""
    meter, path = CpuMeter(), os.path.join(STATS_DIR, f"stats-master-{os.getpid()}.jsonl")
    meter.sample()
    while True:
        index = _sleep_to_next_interval()
        workers = {node.id: node.state for node in list(runner.clients.values())}
        append_lines(path, [json.dumps({"at": index * INTERVAL_S, "interval_s": INTERVAL_S, "pid": os.getpid(),
                                        "process": PROCESS, "role": "master", "generator": meter.sample(),
                                        "workers": workers}) + "\n"])


@events.init.add_listener
def _on_init(environment, **_kwargs) -> None:
    trust_every_session(environment)
    runner = environment.runner
    if isinstance(runner, MasterRunner):  # the master runs no users; it writes what remote workers ship
        if STATS_DIR:
            environment.events.worker_report.add_listener(_write_shipped)
            gevent.spawn(_master_every_interval, runner)
        return
    if STATS.path is None and not isinstance(runner, WorkerRunner):  # plain locust: nobody reads intervals
        return
    if STATS.path is None:
        environment.events.report_to_master.add_listener(_ship)
    STATS.runner = runner
    environment.events.request.add_listener(_on_request)
    environment.events.test_start.add_listener(lambda **_: STATS.start())
    environment.events.test_stop.add_listener(lambda **_: STATS.flush())
    environment.events.quitting.add_listener(lambda **_: STATS.flush())
    gevent.spawn(_flush_every_interval)


def _ship(client_id, data, **_kwargs) -> None:
    data[SHIPPED], STATS.outbox = STATS.outbox, []


def _write_shipped(client_id, data, **_kwargs) -> None:
    if data.get(SHIPPED):
        append_lines(os.path.join(STATS_DIR, f"stats-shipped-{os.getpid()}.jsonl"), data[SHIPPED])


def _on_request(request_type, name, response_time, exception=None, response=None, **_kwargs) -> None:
    STATS.start()
    STATS.add(f"{request_type} {name}", response_time or 0.0, exception, unreached(response, exception))


if STAGES:
    class DrillStages(LoadTestShape):
        """The drill's stages, each its own length: ramp, steady, spike; then stop."""

        def tick(self):
            elapsed, end = self.get_run_time(), 0.0
            for stage in STAGES:
                end += stage["duration_s"]
                if elapsed < end:
                    return stage["users"], stage["spawn_rate"]
            return None
