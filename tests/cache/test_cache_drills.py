"""The cache checks pass on the healthy sandbox and fail on each fault with value, limit, window, source and remedy."""

from redis_faults import (
    clients_paused, config_changed, keys_vanishing, keys_without_ttl, memory_filled,
)

CACHE = ("-m", "cache")
CHECKS = ("checks/test_cache.py",)
REMEDY = "-> runbook §Cache issues: check /api/admin/cache/stats and the sandbox's redis memory*"  # never prod's


def test_cache_checks_pass_on_a_healthy_sandbox(run_drill, faults):
    result = run_drill(*CACHE, "-v", paths=CHECKS)
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*test_cache_clear_removes_only_the_pattern PASSED*"])


def test_memory_filled_past_90_percent_fails_with_the_percentage(run_drill, faults, sandbox_redis):
    with memory_filled(sandbox_redis) as percent:
        assert percent > 90, f"the fill reached only {percent:.1f} %"
        result = run_drill(*CACHE, "-k", "memory", paths=CHECKS)
    result.stdout.fnmatch_lines([f"*Redis memory * % of maxmemory (* MB of * MB) > 90 % "
                                 f"(over 1 INFO reading, source: redis://127.0.0.1:*/0) {REMEDY}"])
    result.assert_outcomes(failed=1)


def test_memory_without_maxmemory_is_measured_against_system_memory(run_drill, faults, sandbox_redis):
    with config_changed(sandbox_redis, maxmemory="0"):
        result = run_drill(*CACHE, "-k", "memory or eviction", paths=CHECKS)
    result.stdout.fnmatch_lines(["*Redis has no maxmemory, so the eviction policy allkeys-lru never applies*"
                                 f"(set maxmemory) (source: redis://127.0.0.1:*/0) {REMEDY}"])
    result.assert_outcomes(passed=1, failed=1)  # memory against the host's memory still passes


def test_noeviction_policy_fails(run_drill, faults, sandbox_redis):
    with config_changed(sandbox_redis, maxmemory_policy="noeviction"):
        result = run_drill(*CACHE, "-k", "eviction", paths=CHECKS)
    result.stdout.fnmatch_lines([f"*Redis maxmemory-policy is noeviction: a full cache refuses writes*{REMEDY}"])
    result.assert_outcomes(failed=1)


def test_hit_rate_below_80_percent_fails_over_the_checks_window(run_drill, faults, sandbox_redis):
    with keys_vanishing(sandbox_redis, "shard_cache:*"):
        result = run_drill(*CACHE, "-k", "hit_rate", paths=CHECKS)
    result.stdout.fnmatch_lines([f"*cache hit rate * % (* hits, * misses) < 80 % "
                                 f"(over 40 reads of 4 API paths, * s, source: redis://127.0.0.1:*/0) {REMEDY}"])
    result.assert_outcomes(failed=1)


def test_hit_rate_counts_only_the_window_not_lifetime_totals(run_drill, faults, sandbox_redis):
    for _ in range(500):  # lifetime misses far beyond the window's own lookups
        sandbox_redis.get("shard_cache:drillbook-test-missing")
    result = run_drill(*CACHE, "-k", "hit_rate", paths=CHECKS)
    result.assert_outcomes(passed=1)


def test_too_few_lookups_is_no_data_never_a_pass(run_drill, faults, env_file):
    path = env_file("\n[redis]\nmin_lookups = 1000\n")
    result = run_drill(*CACHE, "-k", "hit_rate", f"--env-file={path}", paths=CHECKS)
    result.stdout.fnmatch_lines(["*cache hit rate: no data, 40 lookups (INFO keyspace_hits + keyspace_misses) "
                                 "< 1000 needed (over 40 reads of 4 API paths, *"])
    result.assert_outcomes(failed=1)
    allowed = run_drill(*CACHE, "-k", "hit_rate", f"--env-file={path}", "--allow-inconclusive", paths=CHECKS)
    allowed.stdout.fnmatch_lines(["*inconclusive (allowed by --allow-inconclusive): cache hit rate: no data*"])
    allowed.assert_outcomes(skipped=1)


def test_keys_without_ttl_fail_with_examples(run_drill, faults, sandbox_redis):
    with keys_without_ttl(sandbox_redis, "shard_cache:") as keys:
        result = run_drill(*CACHE, "-k", "ttl", paths=CHECKS)
    result.stdout.fnmatch_lines([f"*3 of * cache keys have no TTL and never expire (e.g. *{keys[0][:20]}*) "
                                 f"(over SCAN sample of * keys under shard_cache:, source: redis://*) {REMEDY}"])
    result.assert_outcomes(failed=1)


def test_paused_redis_fails_ping_at_the_timeout(run_drill, faults):
    faults.dependency("redis", "pause")
    result = run_drill(*CACHE, "-k", "ping", paths=CHECKS)
    result.stdout.fnmatch_lines([f"*Redis PING failed: TimeoutError: Timeout reading from *{REMEDY}"])
    result.assert_outcomes(failed=1)
    assert result.duration < 90  # a busy machine's start, not minutes of retries


def test_slow_redis_fails_ping_with_the_median(run_drill, faults, sandbox_redis):
    with clients_paused(sandbox_redis, pause_ms=300):
        result = run_drill(*CACHE, "-k", "ping", paths=CHECKS)
    result.stdout.fnmatch_lines([f"*Redis PING median * ms > budget 50 ms (* ms) (over 5 PINGs, source: *{REMEDY}"])
    result.assert_outcomes(failed=1)
