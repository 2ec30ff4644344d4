"""The cache-clear drill catches a clear that goes too far, one that does nothing, and a cache that cannot warm."""

import pytest

from clear_proxy import ClearProxy
from redis_faults import config_changed

CLEAR = ("-m", "cache and destructive")
CHECKS = ("checks/test_cache.py",)
REMEDY = "-> runbook §Cache issues: *"


@pytest.fixture
def behind_proxy(sandbox, sandbox_redis, env_file):
    """An environment file whose target is a proxy with a misbehaving clear, in front of the real sandbox."""
    def build(proxy: ClearProxy) -> str:
        path = env_file(f'\n[redis]\nurl = "{sandbox.redis_url}"\n', base_url=proxy.url)
        return f"--env-file={path}"
    return build


def test_clear_through_the_admin_api_passes_on_the_sandbox(run_drill, faults):
    result = run_drill(*CLEAR, paths=CHECKS)
    result.assert_outcomes(passed=1)


def test_clear_that_ignores_the_pattern_fails_on_the_sentinel(run_drill, faults, sandbox, sandbox_redis, behind_proxy):
    with ClearProxy(sandbox.url, sandbox_redis, mode="everything") as proxy:
        result = run_drill(*CLEAR, behind_proxy(proxy), paths=CHECKS)
    assert proxy.clears == [{"pattern": "shard_cache:*"}]
    result.stdout.fnmatch_lines(["*clearing shard_cache:* also deleted drillbook:sentinel:*, a key outside the "
                                 f"pattern (source: redis://127.0.0.1:*/0) {REMEDY}"])
    result.assert_outcomes(failed=1)


def test_clear_that_deletes_nothing_fails_with_the_keys_left(run_drill, faults, sandbox, sandbox_redis, behind_proxy):
    with ClearProxy(sandbox.url, sandbox_redis, mode="nothing") as proxy:
        result = run_drill(*CLEAR, behind_proxy(proxy), paths=CHECKS)
    result.stdout.fnmatch_lines(["*clearing shard_cache:* left 4 of 4 matching keys in place (e.g. shard_cache:*) "
                                 f"(source: *{REMEDY}"])
    result.assert_outcomes(failed=1)


def test_cache_that_cannot_warm_after_the_clear_fails(run_drill, faults, sandbox, sandbox_redis, behind_proxy):
    with config_changed(sandbox_redis, maxmemory="64mb", maxmemory_policy="allkeys-lru"):  # undo the proxy's OOM
        with ClearProxy(sandbox.url, sandbox_redis, mode="then_full") as proxy:
            result = run_drill(*CLEAR, behind_proxy(proxy), paths=CHECKS)
    result.stdout.fnmatch_lines(["*cache did not warm again: GET /api/shards/* answered X-Cache miss then miss "
                                 f"(expected miss, then hit) (source: http://127.0.0.1:*/api/shards/*) {REMEDY}"])
    result.assert_outcomes(failed=1)


def test_failing_clear_endpoint_fails_with_its_status(run_drill, faults):
    faults.inject("/api/admin/cache/clear", status=500, error_rate=1.0)
    result = run_drill(*CLEAR, paths=CHECKS)
    result.stdout.fnmatch_lines([f"*POST /api/admin/cache/clear returned 500 (expected 200)*{REMEDY}"])
    result.assert_outcomes(failed=1)


def test_clear_drill_is_refused_on_production_without_approval(run_drill, env_file):
    path = env_file('\n[redis]\nurl = "redis://127.0.0.1:9/0"\nread_paths = ["/api/shards/x"]\n',
                    tier="production", base_url="https://api.castiel.invalid")
    result = run_drill(*CLEAR, f"--env-file={path}", paths=CHECKS)
    result.stdout.fnmatch_lines(["*refused: destructive drill on production*"])
    result.assert_outcomes(skipped=1)
