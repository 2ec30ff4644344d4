"""A target that does not answer is that finding, with §Service health's remedy, not an open admin route."""

import socket


def dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_target_is_not_reported_as_an_admin_security_incident(run_drill, env_file):
    url = f"http://127.0.0.1:{dead_port()}"
    result = run_drill("-m", "security", "-k", "admin_route", f"--env-file={env_file(base_url=url)}",
                       paths=("checks/test_security.py",))
    result.assert_outcomes(failed=6)
    result.stdout.fnmatch_lines([f"*GET /api/admin/cache/stats: target {url[7:]} unreachable: "
                                 f"*(source: {url}/api/admin/cache/stats) -> runbook §Service health: *"])
    assert "security incident" not in result.stdout.str()


def test_an_unreachable_https_target_is_not_a_certificate_finding(run_checks):
    url = f"https://127.0.0.1:{dead_port()}"
    result = run_checks(url, "-k", "certificate")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*tls://{url[8:]} unreachable: * -> runbook §Service health: *"])
    assert "renew the certificate" not in result.stdout.str()
