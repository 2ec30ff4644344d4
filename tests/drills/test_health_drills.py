"""The health checks pass on a healthy sandbox and fail, each with the right message, on each fault."""

import pytest

HEALTH = ("-m", "health")


def test_health_checks_pass_on_a_healthy_sandbox(run_drill, faults):
    result = run_drill(*HEALTH, "--expect-version", "1.4.2")
    result.assert_outcomes(passed=6)


def test_503_from_health_fails_with_the_status_and_remedy(run_drill, faults):
    faults.inject("/health", status=503, error_rate=1.0)
    result = run_drill(*HEALTH)
    result.stdout.fnmatch_lines(["*GET /health returned 503 (expected 200)*source: http://127.0.0.1:*/health)"
                                 " -> runbook §Service health: *"])
    assert result.parseoutcomes()["failed"] >= 1


def test_200_with_an_unhealthy_body_is_a_failure(run_drill, faults):
    faults.inject("/health", status=200, error_rate=1.0, body={"status": "unhealthy", "version": "1.4.2"})
    result = run_drill(*HEALTH, "-k", "body_says_healthy")
    result.stdout.fnmatch_lines(["*GET /health body says status='unhealthy' (expected 'healthy')*"
                                 "-> runbook §Service health*"])
    result.assert_outcomes(failed=1)


def test_slower_than_budget_fails_with_measured_and_limit(run_drill, faults):
    faults.inject("/health", latency_ms=900)
    result = run_drill(*HEALTH, "-k", "within_budget")
    result.stdout.fnmatch_lines(["*GET /health took * ms > budget 500 ms (over 1 request, source: *"
                                 "-> runbook §Slow response times*"])
    result.assert_outcomes(failed=1)


def test_hanging_health_fails_at_the_timeout_and_others_still_run(run_drill, faults):
    faults.inject("/health", hang=True, ttl_s=600)
    result = run_drill(*HEALTH)
    result.stdout.fnmatch_lines(["*GET /health: no answer within 3 s (source: *) -> runbook §Service health*"])
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 4 and outcomes["passed"] == 2  # ready and live still answer
    assert result.duration < 90  # four 3 s timeouts and a busy machine's start, not one 600 s hang


def test_stopped_redis_fails_ready_while_live_passes(run_drill, faults):
    faults.dependency("redis", "stop")
    result = run_drill(*HEALTH, "-k", "ready or live", "-v")
    result.stdout.fnmatch_lines([
        "*test_ready_reports_each_dependency_up FAILED*",
        "*test_live_returns_200 PASSED*",
    ])
    result.stdout.fnmatch_lines(["*GET /health/ready (503): *redis is down (*Connection refused*-> runbook §Dependency readiness*"])


def test_wrong_version_fails_with_both_versions(run_drill, faults):
    result = run_drill(*HEALTH, "-k", "version", "--expect-version", "9.9.9")
    result.stdout.fnmatch_lines(["*GET /health reports version 1.4.2 (expected 9.9.9)*"
                                 "-> runbook §Deployment verification*"])


def test_non_json_health_body_is_named(run_drill, faults):
    faults.inject("/health", status=200, error_rate=1.0, body="<html>maintenance</html>")
    result = run_drill(*HEALTH, "-k", "body_says_healthy")
    result.stdout.fnmatch_lines(["*GET /health (200) returned no JSON object*maintenance*"])


def test_a_dependency_missing_from_ready_fails_with_its_name(run_drill, faults):
    faults.hide_dependency("cosmos")  # /health/ready still answers 200, every listed dependency up
    result = run_drill(*HEALTH, "-k", "ready")
    result.stdout.fnmatch_lines(["*GET /health/ready (200): cosmos is missing (expected: cosmos, redis, "
                                 "embedding_queue) (source: http://127.0.0.1:*/health/ready) "
                                 "-> runbook §Dependency readiness*"])
    result.assert_outcomes(failed=1)


def test_the_environment_names_the_dependencies_to_expect(run_drill, faults, env_file):
    path = env_file('\n[health]\ndependencies = ["redis", "cosmos", "search"]\n')
    result = run_drill(*HEALTH, "-k", "ready", f"--env-file={path}")
    result.stdout.fnmatch_lines(["*GET /health/ready (200): search is missing (expected: redis, cosmos, search)*"])
    result.assert_outcomes(failed=1)
