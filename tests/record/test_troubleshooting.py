"""When a watch, load or chaos drill fails, the runbook's troubleshooting for its sections is run and attached."""

import json
import time

import pytest

from drillbook.troubleshooting import run as troubleshooting
from drillbook.config.environments import load_environment, resolve_secrets

WATCH = ("-m", "watch", "--watch", "40s", "--watch-window", "4s", "--watch-interval", "1s",
         "--watch-probe-rps", "20", "--watch-min-requests", "5")
ERRORS_STEP = "exceptions and failing operations (target)"


def troubleshooting_of(run_drill) -> dict:
    found = [json.loads(p.read_text()) for p in run_drill.results.glob("*-attachment.json")]
    return next(f for f in found if "sections" in f)


def test_a_high_error_rate_attaches_the_exceptions_by_type_and_the_failing_operations(run_drill, faults):
    faults.inject("/api/shards", error_rate=0.5, status=500)
    run_drill(*WATCH).assert_outcomes(failed=1)
    found = troubleshooting_of(run_drill)
    assert found["drill"] == "watch" and "high-error-rate" in found["sections"]
    assert found["failing operations (watch)"][0]["operation"] == "GET /api/shards"
    assert 20 < found["failing operations (watch)"][0]["error_rate_pct"] < 80
    errors = found[ERRORS_STEP]  # the target's own figures: what App Insights gives on Azure
    assert errors["exceptions by type"][0]["type"] == "InjectedFault" and errors["exceptions by type"][0]["count"] > 5
    assert {"operation": "GET /api/shards", "status": 500} == {k: errors["failing operations"][0][k]
                                                                for k in ("operation", "status")}
    assert found["dependency readiness"]["status"] == 200 and found["could not run"] == []


def test_slow_responses_attach_the_slowest_endpoints_and_the_cache(run_drill, faults):
    faults.inject("/api/shards", latency_ms=1500)
    run_drill(*WATCH, "--watch-probe-rps", "9").assert_outcomes(failed=1)
    found = troubleshooting_of(run_drill)
    assert "slow-response-times" in found["sections"]
    assert found["slowest endpoints (watch)"][0]["endpoint"] == "GET /api/shards"
    assert found["slowest endpoints (watch)"][0]["p99_ms"] >= 1000
    assert found["slow endpoints (target)"]["status"] == 200 and found["cache stats (target)"]["status"] == 200
    assert set(found["cache hit rate (watch)"]) == {"hits", "misses", "hit_rate_pct"}
    assert found["redis memory and evictions"]["used_memory"] > 0


def test_a_passing_watch_attaches_no_troubleshooting(run_drill, faults):
    run_drill("-m", "watch", "--watch", "4s", "--watch-window", "2s", "--watch-interval", "1s",
              "--watch-probe-rps", "10", "--watch-min-requests", "3").assert_outcomes(passed=1)
    assert not [p for p in run_drill.results.glob("*-attachment.json") if "sections" in json.loads(p.read_text())]


def test_a_step_that_hangs_or_fails_is_reported_and_the_verdict_stands(run_drill, faults, env_file):
    faults.inject("/api/shards", error_rate=0.5, status=500)
    faults.inject("/api/admin/errors", hang=True, ttl_s=60)  # the errors step: no answer
    faults.inject("/health/ready", status=500)  # the readiness step answers, but with an error: a finding
    limits = env_file("[troubleshooting]\nstep_timeout_s = 2\nbudget_s = 4\n")
    started = time.monotonic()
    result = run_drill(*WATCH, f"--env-file={limits}")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*watch failed after * s of 40 s*", "*-> runbook §High error rate*"])
    found = troubleshooting_of(run_drill)
    assert found[ERRORS_STEP].startswith(f"troubleshooting step {ERRORS_STEP} could not run: ")
    assert found["could not run"] == [found[ERRORS_STEP]]
    assert found["dependency readiness"]["status"] == 500
    assert time.monotonic() - started < 120


def test_the_runner_leaves_a_hanging_step_behind_and_reports_one_that_raises():
    def hangs(timeout_s):
        time.sleep(60)

    def raises(timeout_s):
        raise ConnectionError("redis://127.0.0.1:1 refused\nsecond line")

    steps = [troubleshooting.Step("hangs", hangs), troubleshooting.Step("raises", raises),
             troubleshooting.Step("answers", lambda timeout_s: {"timeout_s": timeout_s})]
    started = time.monotonic()
    found = troubleshooting.run_steps(steps, troubleshooting.Limits(step_timeout_s=1.0, budget_s=5.0))
    assert time.monotonic() - started < 5
    assert found["hangs"].startswith("troubleshooting step hangs could not run: no answer after 1.")
    assert found["raises"] == "troubleshooting step raises could not run: ConnectionError: redis://127.0.0.1:1 refused"
    assert found["answers"] == {"timeout_s": 1.0}


def test_the_whole_troubleshooting_keeps_to_its_budget(sandbox):
    steps = [troubleshooting.Step(f"hangs {n}", lambda timeout_s: time.sleep(60)) for n in range(3)]
    started = time.monotonic()
    found = troubleshooting.run_steps(steps, troubleshooting.Limits(step_timeout_s=30.0, budget_s=1.0))
    assert time.monotonic() - started < 5
    assert all(" could not run: no answer after " in found[f"hangs {n}"] for n in range(3))


@pytest.fixture
def sandbox_env(sandbox, env_file, monkeypatch):
    monkeypatch.setenv("CASTIEL_ADMIN_TOKEN", sandbox.admin_token)
    path = env_file(f'[redis]\nurl = "{sandbox.redis_url}"\n', base_url=sandbox.url)
    return resolve_secrets(load_environment(path=path))


def test_cache_trouble_reads_redis_memory_and_the_evictions_of_a_full_cache(sandbox_env, sandbox_redis):
    before = sandbox_redis.info("stats")["evicted_keys"]
    saved = sandbox_redis.config_get("maxmemory*")
    sandbox_redis.config_set("maxmemory-policy", "allkeys-lru")
    sandbox_redis.config_set("maxmemory", int(sandbox_redis.info("memory")["used_memory"]) + 2 * 1024 * 1024)
    try:
        for n in range(400):  # 4 MB into 2 MB of room: the cache evicts, as a full production cache would
            sandbox_redis.set(f"drillbook-test:troubleshooting:{n}", "x" * 10_000, ex=60)
        trouble = troubleshooting.Trouble("watch", ("cache-issues",), time.time() - 60, time.time())
        found = troubleshooting.findings(trouble, sandbox_env)
    finally:
        sandbox_redis.config_set("maxmemory", saved["maxmemory"])
        sandbox_redis.config_set("maxmemory-policy", saved["maxmemory-policy"])
        for key in sandbox_redis.scan_iter("drillbook-test:troubleshooting:*"):
            sandbox_redis.delete(key)
    redis = found["redis memory and evictions"]
    assert redis["evicted_keys"] > before and redis["maxmemory_policy"] == "allkeys-lru"
    assert redis["maxmemory"] > 0 and redis["memory"].endswith("MB)") and "of maxmemory" in redis["memory"]
    assert redis["source"].startswith("redis://127.0.0.1:")
    assert found["cache stats (target)"]["body"]["evicted_keys"] > before, found["cache stats (target)"]


def test_database_trouble_reads_the_cosmos_readiness_and_the_failed_calls(sandbox_env, faults):
    faults.dependency("cosmos", "stop")
    try:
        import httpx

        for _ in range(3):
            httpx.post(f"{sandbox_env.base_url}/api/shards", json={"tenantId": "drillbook-test", "name": "t"},
                       timeout=10)
        trouble = troubleshooting.Trouble("watch", ("database-connection",), time.time() - 60, time.time())
        found = troubleshooting.findings(trouble, sandbox_env)
    finally:
        faults.dependency("cosmos", "start")
    cosmos = found["cosmos (target)"]
    assert cosmos["readiness"]["status"] == 503 and cosmos["readiness"]["cosmos"]["status"] == "down"
    assert cosmos["failed calls"]["failed_calls"] >= 3 and cosmos["failed calls"]["throttled_429"] == 0
    assert found["dependency readiness"]["status"] == 503


def test_a_failed_load_drill_attaches_the_troubleshooting_of_its_failing_rule(run_drill, faults):
    from load_drill import LOAD, PATHS

    faults.inject("/api/shards/{id}", error_rate=0.25, status=500)
    run_drill(*LOAD, "--load-duration", "60s", paths=PATHS).assert_outcomes(failed=1)
    found = troubleshooting_of(run_drill)
    assert found["drill"] == "load" and found["sections"] == ["high-error-rate"]
    assert found[ERRORS_STEP]["exceptions by type"][0]["type"] == "InjectedFault"
    failing = {op["operation"] for op in found[ERRORS_STEP]["failing operations"]}
    assert "GET /api/shards/{id}" in failing, failing  # the locustfile's clean-up DELETEs can outnumber the reads


def test_a_failed_chaos_drill_attaches_the_cache_and_database_steps(run_drill, faults, env_file):
    lying = {"status": "ready", "dependencies": {n: {"status": "up"} for n in ("redis", "cosmos", "embedding_queue")}}
    faults.inject("/health/ready", status=200, body=lying, ttl_s=300)  # the drill's readiness probe never sees redis go
    chaos = "[chaos]\nsteady_window_s = 2\nobserve_s = 3\nmin_requests = 5\nprobe_rps = 10\nrto_s = 20\n"
    result = run_drill("-m", "chaos", "-k", "redis_outage", f"--env-file={env_file(chaos)}", paths=("chaos",))
    result.assert_outcomes(failed=1)
    found = troubleshooting_of(run_drill)
    assert found["drill"] == "chaos redis-outage"
    assert found["sections"] == ["cache-issues", "dependency-readiness"]
    assert found["redis memory and evictions"]["used_memory"] > 0  # read after the revert: Redis is back
    assert found["cache stats (target)"]["status"] == 200
    assert found["cosmos (target)"]["readiness"]["status"] == 200
