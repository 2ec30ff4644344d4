"""The cache checks' verdicts (Redis): memory, eviction policy, hit rate, TTL hygiene, latency and the clear drill.

>>> check_memory(target, threshold("redis_memory"))         # INFO memory against the limit
>>> check_hit_rate(target, reads, http, threshold("cache_hit_rate"), settings)

Memory, policy and TTLs are read from INFO, SCAN and TTL (Azure Cache for Redis
disables CONFIG). The hit rate is the delta of INFO's keyspace counters over
this check's own window, never the lifetime totals; a window with too few
lookups is no data, never a pass. A Redis without maxmemory is judged against
the host's memory (INFO total_system_memory), and fails the eviction-policy
check instead: without a limit no policy ever applies. ``checks/test_cache.py``
calls these.
"""

from __future__ import annotations

import statistics
import time
from contextlib import suppress
from typing import Any, Callable

import httpx
import pytest

from drillbook.clients import redis as cache
from drillbook.clients.redis import RedisTarget
from drillbook.components.check import attach_figures, call, expect_status, fail, json_body, no_data, source_of
from drillbook.errors import TargetError
from drillbook.runbook import Threshold

SECTION = "cache-issues"
PINGS = 5
MEMORY_FIELDS = ("used_memory", "maxmemory", "maxmemory_policy", "total_system_memory", "used_memory_peak")


def measure(target: RedisTarget, step: Callable[..., Any], *args: Any) -> Any:
    """Run one Redis measurement; an unreachable or failing Redis fails the check with the remedy."""
    __tracebackhide__ = True
    try:
        return step(target, *args)
    except TargetError as exc:
        problem = str(exc)
    fail(SECTION, problem, source=target.source, kind="unreachable")  # outside except: no chained traceback


def check_memory(target: RedisTarget, limit: Threshold) -> None:
    """Used memory as a share of maxmemory (or of the host's memory) under the runbook's limit."""
    __tracebackhide__ = True
    info = measure(target, cache.read_info, "memory")
    attach_figures("INFO memory", {k: info.get(k) for k in MEMORY_FIELDS})
    usage = cache.memory_usage(info)
    if usage is None:
        pytest.skip(f"not applicable: {target.source} reports neither maxmemory nor total_system_memory")
    if limit.to_rule().breaches(usage.percent):
        fail(SECTION, f"Redis memory {usage.describe()} > {limit.limit:g} %", source=target.source,
             window="1 INFO reading", rule=limit.key, value=usage.percent, limit=limit.limit, unit=limit.unit)


def check_eviction_policy(target: RedisTarget) -> None:
    """A policy that evicts, and a maxmemory for it to apply at."""
    __tracebackhide__ = True
    info = measure(target, cache.read_info, "memory")
    policy = info.get("maxmemory_policy", "unknown")
    if policy == "noeviction":
        fail(SECTION, "Redis maxmemory-policy is noeviction: a full cache refuses writes instead of evicting "
             "(set allkeys-lru or volatile-lru)", source=target.source)
    if not int(info.get("maxmemory") or 0):
        fail(SECTION, f"Redis has no maxmemory, so the eviction policy {policy} never applies and the cache grows "
             "until the host runs out of memory (set maxmemory)", source=target.source)


def check_hit_rate(target: RedisTarget, reads: Any, http: httpx.Client, limit: Threshold, settings: dict, *,
                   allow_inconclusive: bool = False) -> None:
    """Hits over lookups in INFO's keyspace counters, across a window of ``reads`` (or of live traffic)."""
    __tracebackhide__ = True
    reads.read_all(http, section=SECTION)  # warm: the window measures reads the cache should serve
    before, started = measure(target, cache.keyspace_counts), time.monotonic()
    window = _drive_window(reads, http, settings.hit_rate_window_s)
    after = measure(target, cache.keyspace_counts)
    hits, misses = after[0] - before[0], after[1] - before[1]
    window += f", {time.monotonic() - started:.1f} s"
    attach_figures("keyspace counters", {"before": before, "after": after, "hits": hits, "misses": misses,
                                         "window": window, "paths": reads.paths})
    if hits + misses < settings.min_lookups:
        no_data(SECTION, f"cache hit rate: no data, {hits + misses} lookups (INFO keyspace_hits + keyspace_misses) "
                f"< {settings.min_lookups:g} needed", source=target.source, window=window,
                allow_inconclusive=allow_inconclusive)
    rate = 100.0 * hits / (hits + misses)
    if limit.to_rule().breaches(rate):
        fail(SECTION, f"cache hit rate {rate:.1f} % ({hits} hits, {misses} misses) < {limit.limit:g} %",
             source=target.source, window=window, rule=limit.key, value=rate, limit=limit.limit, unit=limit.unit)


def _drive_window(reads: Any, http: httpx.Client, passive_s: float) -> str:
    """Read the paths ``rounds`` times, or, with none to read, wait for live traffic; returns the window."""
    if not reads.paths:
        time.sleep(passive_s)
        return f"{passive_s:g} s of live traffic"
    for _ in range(reads.rounds):
        reads.read_all(http, section=SECTION)
    return f"{reads.rounds * len(reads.paths)} reads of {len(reads.paths)} API paths"


def check_ttls(target: RedisTarget, settings: dict, reads: Any, http: httpx.Client, *,
               allow_inconclusive: bool = False) -> None:
    """A SCAN sample of the cache's key prefixes: every key carries a TTL."""
    __tracebackhide__ = True
    reads.read_all(http, section=SECTION)  # so that the prefixes hold keys to sample
    prefixes, limit = settings.key_prefixes, int(settings.scan_sample)
    sample = measure(target, cache.sample_ttls, prefixes, limit)
    attach_figures("TTL sample", {"prefixes": prefixes, "checked": sample.checked, "without_ttl": sample.without_ttl})
    window = f"SCAN sample of {sample.checked} keys under {', '.join(prefixes)}"
    if not sample.checked:
        no_data(SECTION, f"TTL hygiene: no data, no keys under {', '.join(prefixes)} to sample",
                source=target.source, window=window, allow_inconclusive=allow_inconclusive)
    if sample.without_ttl:
        shown = ", ".join(sample.without_ttl[:3])
        fail(SECTION, f"{len(sample.without_ttl)} of {sample.checked} cache keys have no TTL and never expire "
             f"(e.g. {shown})", source=target.source, window=window)


def check_ping(target: RedisTarget, settings: dict) -> None:
    """The median of a few PING round trips within ``[redis] ping_budget_ms``."""
    __tracebackhide__ = True
    budget = settings.ping_budget_ms
    times = measure(target, cache.ping_times_ms, PINGS)
    attach_figures("PING round trips (ms)", {"times_ms": [round(t, 2) for t in times], "budget_ms": budget})
    median = statistics.median(times)
    if median > budget:
        shown = ", ".join(f"{t:.0f}" for t in times)
        fail(SECTION, f"Redis PING median {median:.1f} ms > budget {budget:g} ms ({shown} ms)",
             source=target.source, window=f"{PINGS} PINGs", value=median, limit=budget, unit="ms")


def check_clear(target: RedisTarget, settings: dict, reads: Any, *, http: httpx.Client, quiet_http: httpx.Client,
                admin_http: httpx.Client) -> None:
    """The cache-clear drill: clearing the pattern removes its keys and nothing else, and the cache warms again."""
    __tracebackhide__ = True
    if not reads.paths:
        pytest.skip("no API reads to warm the cache with -> set [redis] read_paths to run the cache-clear drill")
    pattern = settings.clear_pattern
    reads.read_all(quiet_http, section=SECTION)
    matching = measure(target, cache.scan_keys, pattern, int(settings.scan_sample))
    if not matching:
        fail(SECTION, f"cache-clear drill: no keys match {pattern} after reading {len(reads.paths)} API paths, "
             "so the clear cannot be verified", source=target.source)
    sentinel = measure(target, cache.seed_sentinel)
    try:
        before = measure(target, cache.pttls, matching)
        _clear(admin_http, pattern)
        _expect_only_pattern_cleared(target, pattern, matching, before, sentinel)
    finally:
        with suppress(TargetError):
            target.run("delete", sentinel)
    _expect_cache_warms(target, http, reads.paths[0], pattern)


def _clear(admin_http: httpx.Client, pattern: str) -> None:
    __tracebackhide__ = True
    response = call(admin_http, "POST", "/api/admin/cache/clear", json={"pattern": pattern}, section=SECTION)
    expect_status(response, 200, section=SECTION)
    json_body(response, section=SECTION)


def _expect_only_pattern_cleared(target: RedisTarget, pattern: str, matching: list[str], before: list[int],
                                 sentinel: str) -> None:
    """The sentinel survived, and every sampled matching key is gone (or was written again since, by live reads)."""
    __tracebackhide__ = True
    if not measure(target, cache.count_existing, [sentinel]):
        fail(SECTION, f"clearing {pattern} also deleted {sentinel}, a key outside the pattern",
             source=target.source)
    left = cache.keys_left_behind(matching, before, measure(target, cache.pttls, matching))
    if left:
        fail(SECTION, f"clearing {pattern} left {len(left)} of {len(matching)} matching keys in place "
             f"(e.g. {left[0]})", source=target.source)


def _expect_cache_warms(target: RedisTarget, http: httpx.Client, path: str, pattern: str) -> None:
    """After a clear the API still serves, the first read misses and a second one is served from the cache."""
    __tracebackhide__ = True
    first = call(http, "GET", path, section=SECTION)
    expect_status(first, 200, section=SECTION)
    second = call(http, "GET", path, section=SECTION)
    expect_status(second, 200, section=SECTION)
    states = [r.headers.get("X-Cache", "").lower() for r in (first, second)]
    if states == ["", ""]:  # the target does not say: look for the key coming back instead
        if not measure(target, cache.scan_keys, pattern, 1):
            fail(SECTION, f"cache did not warm again: no key matches {pattern} after reading {path}",
                 source=target.source)
    elif states[1] != "hit":
        fail(SECTION, f"cache did not warm again: GET {path} answered X-Cache {states[0]} then {states[1]} "
             "(expected miss, then hit)", source=source_of(second))
