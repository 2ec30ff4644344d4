"""The TLS and header checks, run as drills against a local HTTPS target whose certificate the test made.

The env file points [http] ca_bundle at the test CA, so the drill trusts the
server the way it trusts a corporate CA in staging.
"""

from security_https import GOOD_HEADERS, serve_https

CERT_AND_HEADERS = ("-k", "certificate or headers")


def test_a_certificate_valid_for_90_days_passes(issue, run_checks):
    with serve_https(issue(90)) as url:
        result = run_checks(url, *CERT_AND_HEADERS)
    result.assert_outcomes(passed=2)


def test_a_certificate_expiring_in_3_days_fails_with_its_date_and_the_remedy(issue, run_checks):
    leaf = issue(3)
    with serve_https(leaf) as url:
        result = run_checks(url, "-k", "certificate")
    result.assert_outcomes(failed=1)
    day = leaf.not_after.strftime("%Y-%m-%d")
    result.stdout.fnmatch_lines([f"*certificate for 127.0.0.1 expires in 2 days ({day}T*Z) < 21 days "
                                 f"(source: tls://127.0.0.1:*) -> runbook §TLS certificates: renew the certificate*"])


def test_an_expired_certificate_fails_and_says_since_when(issue, run_checks):
    with serve_https(issue(-5)) as url:
        result = run_checks(url, "-k", "certificate")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*certificate for 127.0.0.1 expired 5 days ago (*) < 21 days*-> runbook §TLS*"])


def test_the_minimum_days_come_from_the_environment_file(issue, run_checks):
    with serve_https(issue(30)) as url:
        result = run_checks(url, "-k", "certificate", extra_toml="[security]\ntls_min_days = 45")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*certificate for 127.0.0.1 expires in 29 days (*) < 45 days*"])


def test_missing_security_headers_are_each_named(issue, run_checks):
    with serve_https(issue(90), headers={"Strict-Transport-Security": "max-age=300"}) as url:
        result = run_checks(url, "-k", "headers")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*GET /health (200): Strict-Transport-Security max-age=300 < 1.5768e+07 s; X-Content-Type-Options is "
        "missing; no frame policy (X-Frame-Options or CSP frame-ancestors)*-> runbook §Security headers*"])


def test_a_csp_frame_ancestors_counts_as_a_frame_policy(issue, run_checks):
    headers = {**GOOD_HEADERS, "Content-Security-Policy": "frame-ancestors 'none'"}
    del headers["X-Frame-Options"]
    with serve_https(issue(90), headers=headers) as url:
        result = run_checks(url, "-k", "headers")
    result.assert_outcomes(passed=1)


def test_verification_off_still_judges_the_expiry_and_says_trust_was_not_checked(issue, run_checks):
    with serve_https(issue(3)) as url:
        result = run_checks(url, "-k", "certificate", http_toml="verify_tls = false")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*certificate for 127.0.0.1 expires in 2 days (*Z) < 21 days (trust not checked: "
                                 "[[]http] verify_tls = false) (source: tls://127.0.0.1:*) -> runbook §TLS*"])
    assert "not trusted" not in result.stdout.str()


def test_verification_off_passes_a_live_certificate_and_warns_that_trust_was_not_checked(issue, run_checks):
    with serve_https(issue(90)) as url:
        result = run_checks(url, "-k", "certificate", http_toml="verify_tls = false")
    result.assert_outcomes(passed=1, warnings=1)
    result.stdout.fnmatch_lines(["*certificate for 127.0.0.1: trust not checked: [[]http] verify_tls = false; "
                                 "only its expiry was judged (89 days left, until *"])
