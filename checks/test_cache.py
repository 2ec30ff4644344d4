"""Cache issues: Redis memory, hit rate, eviction policy, TTL hygiene, latency, and the cache-clear drill.

Memory, policy and TTLs are read from INFO, SCAN and TTL (Azure Cache for Redis
disables CONFIG). The hit rate is the delta of INFO's keyspace counters over
this check's own window, never the lifetime totals; a window with too few
lookups is no data, never a pass. A Redis without maxmemory is judged against
the host's memory (INFO total_system_memory), and fails the eviction-policy
check instead: without a limit no policy ever applies.
"""

import statistics
import time
from contextlib import suppress

import pytest

from drillbook.components.check import call, expect_status, fail, json_body, source_of
from drillbook.clients import redis as cache
from drillbook.errors import TargetError

pytestmark = pytest.mark.cache
SECTION = "cache-issues"
PINGS = 5
MEMORY_FIELDS = ("used_memory", "maxmemory", "maxmemory_policy", "total_system_memory", "used_memory_peak")


def measure(target, step, *args):
    """Run one Redis measurement; an unreachable or failing Redis fails the check with the remedy."""
    __tracebackhide__ = True
    try:
        return step(target, *args)
    except TargetError as exc:
        problem = str(exc)
    fail(SECTION, problem, source=target.source)  # outside except: no chained traceback


@pytest.mark.runbook(SECTION)
def test_redis_memory_below_limit(redis_target, thresholds, attach_figures):
    limit = thresholds("redis_memory")
    info = measure(redis_target, cache.read_info, "memory")
    attach_figures("INFO memory", {k: info.get(k) for k in MEMORY_FIELDS})
    usage = cache.memory_usage(info)
    if usage is None:
        pytest.skip(f"not applicable: {redis_target.source} reports neither maxmemory nor total_system_memory")
    if limit.to_rule().breaches(usage.percent):
        fail(SECTION, f"Redis memory {usage.describe()} > {limit.limit:g} %", source=redis_target.source,
             window="1 INFO reading")


@pytest.mark.runbook(SECTION)
def test_eviction_policy_is_set(redis_target):
    info = measure(redis_target, cache.read_info, "memory")
    policy = info.get("maxmemory_policy", "unknown")
    if policy == "noeviction":
        fail(SECTION, "Redis maxmemory-policy is noeviction: a full cache refuses writes instead of evicting "
             "(set allkeys-lru or volatile-lru)", source=redis_target.source)
    if not int(info.get("maxmemory") or 0):
        fail(SECTION, f"Redis has no maxmemory, so the eviction policy {policy} never applies and the cache grows "
             "until the host runs out of memory (set maxmemory)", source=redis_target.source)


@pytest.mark.runbook(SECTION)
def test_cache_hit_rate_above_limit(redis_target, cache_reads, quiet_http, thresholds, redis_settings, no_data,
                                    exclusive_cache, attach_figures):
    limit = thresholds("cache_hit_rate")
    cache_reads.read_all(quiet_http, section=SECTION)  # warm: the window measures reads the cache should serve
    before, started = measure(redis_target, cache.keyspace_counts), time.monotonic()
    window = _drive_window(cache_reads, quiet_http, redis_settings.hit_rate_window_s)
    after = measure(redis_target, cache.keyspace_counts)
    hits, misses = after[0] - before[0], after[1] - before[1]
    window += f", {time.monotonic() - started:.1f} s"
    attach_figures("keyspace counters", {"before": before, "after": after, "hits": hits, "misses": misses,
                                         "window": window, "paths": cache_reads.paths})
    if hits + misses < redis_settings.min_lookups:
        no_data(SECTION, f"cache hit rate: no data, {hits + misses} lookups (INFO keyspace_hits + keyspace_misses) "
                f"< {redis_settings.min_lookups:g} needed", source=redis_target.source, window=window)
    rate = 100.0 * hits / (hits + misses)
    if limit.to_rule().breaches(rate):
        fail(SECTION, f"cache hit rate {rate:.1f} % ({hits} hits, {misses} misses) < {limit.limit:g} %",
             source=redis_target.source, window=window)


def _drive_window(reads, http, passive_s: float) -> str:
    """Read the paths ``rounds`` times, or, with none to read, wait for live traffic; returns the window."""
    if not reads.paths:
        time.sleep(passive_s)
        return f"{passive_s:g} s of live traffic"
    for _ in range(reads.rounds):
        reads.read_all(http, section=SECTION)
    return f"{reads.rounds * len(reads.paths)} reads of {len(reads.paths)} API paths"


@pytest.mark.runbook(SECTION)
def test_cache_keys_carry_ttls(redis_target, redis_settings, cache_reads, quiet_http, no_data, exclusive_cache,
                               attach_figures):
    cache_reads.read_all(quiet_http, section=SECTION)  # so that the prefixes hold keys to sample
    prefixes, limit = redis_settings.key_prefixes, redis_settings.scan_sample
    sample = measure(redis_target, cache.sample_ttls, prefixes, limit)
    attach_figures("TTL sample", {"prefixes": prefixes, "checked": sample.checked, "without_ttl": sample.without_ttl})
    window = f"SCAN sample of {sample.checked} keys under {', '.join(prefixes)}"
    if not sample.checked:
        no_data(SECTION, f"TTL hygiene: no data, no keys under {', '.join(prefixes)} to sample",
                source=redis_target.source, window=window)
    if sample.without_ttl:
        shown = ", ".join(sample.without_ttl[:3])
        fail(SECTION, f"{len(sample.without_ttl)} of {sample.checked} cache keys have no TTL and never expire "
             f"(e.g. {shown})", source=redis_target.source, window=window)


@pytest.mark.runbook(SECTION)
def test_redis_ping_within_budget(redis_target, redis_settings, attach_figures):
    budget = redis_settings.ping_budget_ms
    times = measure(redis_target, cache.ping_times_ms, PINGS)
    attach_figures("PING round trips (ms)", {"times_ms": [round(t, 2) for t in times], "budget_ms": budget})
    median = statistics.median(times)
    if median > budget:
        shown = ", ".join(f"{t:.0f}" for t in times)
        fail(SECTION, f"Redis PING median {median:.1f} ms > budget {budget:g} ms ({shown} ms)",
             source=redis_target.source, window=f"{PINGS} PINGs")


@pytest.mark.destructive
@pytest.mark.runbook(SECTION)
def test_cache_clear_removes_only_the_pattern(redis_target, redis_settings, cache_reads, http, quiet_http,
                                              admin_http, exclusive_cache):
    if not cache_reads.paths:
        pytest.skip("no API reads to warm the cache with -> set [redis] read_paths to run the cache-clear drill")
    pattern = redis_settings.clear_pattern
    cache_reads.read_all(quiet_http, section=SECTION)
    matching = measure(redis_target, cache.scan_keys, pattern, redis_settings.scan_sample)
    if not matching:
        fail(SECTION, f"cache-clear drill: no keys match {pattern} after reading {len(cache_reads.paths)} API paths, "
             "so the clear cannot be verified", source=redis_target.source)
    sentinel = measure(redis_target, cache.seed_sentinel)
    try:
        before = measure(redis_target, cache.pttls, matching)
        _clear(admin_http, pattern)
        _expect_only_pattern_cleared(redis_target, pattern, matching, before, sentinel)
    finally:
        with suppress(TargetError):
            redis_target.run("delete", sentinel)
    _expect_cache_warms(redis_target, http, cache_reads.paths[0], pattern)


def _clear(admin_http, pattern: str) -> None:
    __tracebackhide__ = True
    response = call(admin_http, "POST", "/api/admin/cache/clear", json={"pattern": pattern}, section=SECTION)
    expect_status(response, 200, section=SECTION)
    json_body(response, section=SECTION)


def _expect_only_pattern_cleared(target, pattern: str, matching: list[str], before: list[int], sentinel: str):
    """The sentinel survived, and every sampled matching key is gone (or was written again since, by live reads)."""
    __tracebackhide__ = True
    if not measure(target, cache.count_existing, [sentinel]):
        fail(SECTION, f"clearing {pattern} also deleted {sentinel}, a key outside the pattern",
             source=target.source)
    left = cache.keys_left_behind(matching, before, measure(target, cache.pttls, matching))
    if left:
        fail(SECTION, f"clearing {pattern} left {len(left)} of {len(matching)} matching keys in place "
             f"(e.g. {left[0]})", source=target.source)


def _expect_cache_warms(target, http, path: str, pattern: str) -> None:
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
