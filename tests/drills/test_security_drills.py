"""The security drill on the sandbox: it passes when healthy, and each fault fails the matching check with its remedy."""

import pytest

SECURITY = ("-m", "security")
TRACEBACK = ('Traceback (most recent call last):\n  File "/app/castiel/api/shards.py", line 88, in create_shard\n'
             "    tenant = body['tenantId']\nKeyError: 'tenantId'\n")


def test_security_passes_on_a_healthy_sandbox_and_skips_https_checks_with_the_reason(run_drill, faults):
    result = run_drill(*SECURITY, paths=("checks",))
    result.assert_outcomes(passed=13, skipped=2)  # 4 admin routes x (no token, wrong token), and 5 others
    result.stdout.fnmatch_lines(["SKIPPED*is plain http: TLS and security headers are judged on https targets only"])


@pytest.mark.parametrize("route", ["GET /api/admin/cache/stats", "POST /api/admin/cache/clear"])
def test_an_admin_route_opened_without_auth_is_a_p0_failure_naming_the_route(run_drill, faults, route):
    method, path = route.split()
    faults.inject(path, status=200, body={"hits": 1, "misses": 0})  # faults answer before the token check
    result = run_drill(*SECURITY, "-k", "admin_route", paths=("checks",))
    result.assert_outcomes(passed=6, failed=2)
    result.stdout.fnmatch_lines([
        f"*{route} without a token returned 200 (expected 401 or 403): the admin route is open "
        "(source: http://127.0.0.1:*) -> runbook §Admin endpoint security: treat an open admin endpoint as a "
        "security incident*",
        f"*{route} with a wrong token returned 200 (expected 401 or 403): the admin route is open*"])


def test_an_admin_route_that_errors_instead_of_refusing_fails_too(run_drill, faults):
    faults.inject("/api/admin/performance/slow", status=500)
    result = run_drill(*SECURITY, "-k", "missing_token and slow", paths=("checks",))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*GET /api/admin/performance/slow without a token returned 500 (expected 401 or 403) "
                                 "(source:*"])


def test_a_stack_trace_in_an_error_answer_is_quoted_with_its_route(run_drill, faults):
    faults.inject("/api/shards", status=500, body=TRACEBACK)
    result = run_drill(*SECURITY, "-k", "leaks", paths=("checks",))
    result.assert_outcomes(passed=3, failed=2)
    result.stdout.fnmatch_lines([
        "*POST /api/shards (body is not JSON) answered 500 with a Python traceback: "
        "'Traceback (most recent call last):' (source: http://127.0.0.1:*/api/shards) "
        "-> runbook §Error leaks: turn off detailed error pages*"])


def test_a_leaked_line_is_quoted_with_secrets_redacted(run_drill, faults, sandbox):
    trace = f"at java.lang.Thread.run(Thread.java:750) Authorization: Bearer {sandbox.admin_token}"
    faults.inject("/health", status=500, body={"error": "boom", "trace": trace})
    result = run_drill(*SECURITY, "-k", "wrong-method", paths=("checks",))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*DELETE /health (wrong method) answered 500 with a Java stack frame: "  # [[] is [
                                 "'at java.lang.Thread.run(Thread.java:750) Authorization: Bearer [[]REDACTED]'*"])
    assert sandbox.admin_token not in result.stdout.str()
