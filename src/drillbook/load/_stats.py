"""Read the per-interval JSONL that the locust hooks write, and merge it into one interval of samples.

Every process that runs users writes one line per interval. An interval is
complete once every process seen so far has reported it, or ``settle_s`` after
its end (a process that stops reporting must not stall the verdict); a line
that arrives after its interval was judged is counted as late, never lost
silently. The master's lines (its CPU, its workers' states) are no process
that runs users: they ride along with the next interval handed out.

>>> reader = StatsReader(run_dir / "stats")
>>> for interval in reader.complete(now=time.time()):
...     interval.sample().count, interval.routes["GET /api/shards/{id}"].percentile(0.95)
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from drillbook.load._generator import GeneratorReading
from drillbook.rules import Sample, histogram_quantile, merge_buckets


@dataclass
class RouteCounts:
    """One route's requests in one interval: counts, failures, a histogram that keeps every bound, error texts.

    ``count`` is every request locust made; ``unreached`` those that never reached the API, by (kind, cause).
    The histogram, the failures and the error texts are the requests that reached it.
    """

    count: int = 0
    failures: int = 0
    buckets: dict[float, int] = field(default_factory=dict)
    errors: Counter = field(default_factory=Counter)
    unreached: Counter = field(default_factory=Counter)

    def add(self, other: RouteCounts) -> None:
        self.count += other.count
        self.failures += other.failures
        self.buckets = merge_buckets([self.buckets, other.buckets])
        self.errors.update(other.errors)
        self.unreached.update(other.unreached)

    def percentile(self, q: float) -> float | None:
        return histogram_quantile(q, self.buckets)

    @property
    def missed(self) -> int:
        """Requests that never reached the API."""
        return sum(self.unreached.values())

    @property
    def reached(self) -> int:
        return self.count - self.missed

    @property
    def error_pct(self) -> float | None:
        """The API's error rate: failures over the requests that reached it."""
        return 100.0 * self.failures / self.reached if self.reached else None

    @classmethod
    def from_record(cls, bounds: list[float], raw: dict) -> RouteCounts:
        keys = [float(b) for b in bounds] + [math.inf]
        unreached = Counter({(str(kind), str(cause)): int(n) for kind, cause, n in raw.get("unreached", [])})
        return cls(int(raw["count"]), int(raw["failures"]), dict(zip(keys, map(int, raw["buckets"]))),
                   Counter(raw.get("errors", {})), unreached)


@dataclass
class Interval:
    """Every process' report for the interval ending at ``at`` (epoch seconds), merged."""

    at: float
    length_s: float
    users: int = 0
    processes: set[str] = field(default_factory=set)
    routes: dict[str, RouteCounts] = field(default_factory=dict)
    generator: list[GeneratorReading] = field(default_factory=list)  # how busy each locust process was

    def add_record(self, record: dict) -> None:
        self.users += int(record.get("users", 0))
        self.processes.add(process_of(record))
        self.generator += filter(None, [GeneratorReading.from_record(record)])
        for name, raw in record["routes"].items():
            self.routes.setdefault(name, RouteCounts()).add(RouteCounts.from_record(record["bounds"], raw))

    def total(self) -> RouteCounts:
        merged = RouteCounts()
        for counts in self.routes.values():
            merged.add(counts)
        return merged

    def sample(self, route: str | None = None) -> Sample:
        """The interval as one rules.Sample of the requests that reached the API: rates over them, their buckets."""
        counts = self.total() if route is None else self.routes.get(route, RouteCounts())
        return Sample(self.at, count=counts.reached, hits=counts.failures, buckets=counts.buckets)


def process_of(record: dict) -> str:
    """The reporting process: ``host:pid`` (workers on several machines may share a pid)."""
    return str(record.get("process", record["pid"]))


class StatsReader:
    """Follows every ``stats-*.jsonl`` in a directory and hands out intervals once they are complete."""

    def __init__(self, directory: Path, settle_s: float = 3.0) -> None:
        self.directory, self.settle_s = directory, settle_s
        self.pending: dict[float, Interval] = {}
        self.processes: set[str] = set()
        self.worker_states: dict[str, str] = {}  # locust's client id -> state, as the master last wrote it
        self.clients: dict[str, str] = {}  # locust's client id -> host:pid of the worker
        self._master: list[GeneratorReading] = []
        self.late = 0
        self.unreadable = 0
        self._offsets: dict[Path, int] = {}
        self._judged_until = -math.inf

    def poll(self) -> None:
        """Read the complete lines appended since the last poll."""
        for path in sorted(self.directory.glob("stats-*.jsonl")):
            for line in self._new_lines(path):
                self._take(line)

    def complete(self, now: float) -> list[Interval]:
        """Intervals every known process has reported, or that ended ``settle_s`` ago; in time order."""
        self.poll()
        ready = []
        for at in sorted(self.pending):
            interval = self.pending[at]
            if at > now or (interval.processes < self.processes and now < at + self.settle_s):
                break
            ready.append(self.pending.pop(at))
        return self._hand_out(ready)

    def drain(self) -> list[Interval]:
        """Every interval still pending, once the processes have stopped."""
        self.poll()
        return self._hand_out([self.pending.pop(at) for at in sorted(self.pending)])

    def _hand_out(self, ready: list[Interval]) -> list[Interval]:
        if ready:
            self._judged_until = ready[-1].at
            ready[-1].generator += self._master
            self._master = []
        return ready

    def _take(self, line: str) -> None:
        try:
            record = json.loads(line)
            at, length = float(record["at"]), float(record["interval_s"])
        except (ValueError, KeyError, TypeError):
            self.unreadable += 1
            return
        if record.get("role") == "master":
            self._take_master(record)
            return
        if record.get("client_id"):
            self.clients[record["client_id"]] = process_of(record)
        self.processes.add(process_of(record))
        if at <= self._judged_until:
            self.late += 1
            return
        self.pending.setdefault(at, Interval(at, length)).add_record(record)

    def _take_master(self, record: dict) -> None:
        self.worker_states.update(record.get("workers") or {})
        self._master += filter(None, [GeneratorReading.from_record(record)])

    def _new_lines(self, path: Path) -> list[str]:
        offset = self._offsets.get(path, 0)
        with open(path, "rb") as stream:
            stream.seek(offset)
            data = stream.read()
        end = data.rfind(b"\n") + 1  # a line still being written waits for the next poll
        self._offsets[path] = offset + end
        return data[:end].decode(errors="replace").splitlines()
