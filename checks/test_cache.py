"""Cache issues: Redis memory, hit rate, eviction policy, TTL hygiene, latency, and the cache-clear drill.

The checks' logic is ``drillbook.components.cache``; each test names the procedure and calls it.
"""

import pytest

from drillbook.components import cache

pytestmark = pytest.mark.cache
SECTION = cache.SECTION


@pytest.mark.runbook(SECTION)
def test_redis_memory_below_limit(redis_target, thresholds):
    cache.check_memory(redis_target, thresholds("redis_memory"))


@pytest.mark.runbook(SECTION)
def test_eviction_policy_is_set(redis_target):
    cache.check_eviction_policy(redis_target)


@pytest.mark.runbook(SECTION)
def test_cache_hit_rate_above_limit(redis_target, cache_reads, quiet_http, thresholds, redis_settings, pytestconfig,
                                    exclusive_cache):
    cache.check_hit_rate(redis_target, cache_reads, quiet_http, thresholds("cache_hit_rate"), redis_settings,
                         allow_inconclusive=pytestconfig.option.allow_inconclusive)


@pytest.mark.runbook(SECTION)
def test_cache_keys_carry_ttls(redis_target, redis_settings, cache_reads, quiet_http, pytestconfig, exclusive_cache):
    cache.check_ttls(redis_target, redis_settings, cache_reads, quiet_http,
                     allow_inconclusive=pytestconfig.option.allow_inconclusive)


@pytest.mark.runbook(SECTION)
def test_redis_ping_within_budget(redis_target, redis_settings):
    cache.check_ping(redis_target, redis_settings)


@pytest.mark.destructive
@pytest.mark.runbook(SECTION)
def test_cache_clear_removes_only_the_pattern(redis_target, redis_settings, cache_reads, http, quiet_http,
                                              admin_http, exclusive_cache):
    cache.check_clear(redis_target, redis_settings, cache_reads, http=http, quiet_http=quiet_http,
                      admin_http=admin_http)
