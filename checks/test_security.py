"""Security: admin routes refuse strangers, errors leak no internals, HTTPS carries its headers and a live certificate."""

import uuid
import warnings

import pytest

from drillbook.components import security
from drillbook.components.check import NO_ANSWER_SECTION, call, fail, source_of
from drillbook.clients.tls import read_certificate
from drillbook.errors import HandshakeFailed, TargetError

pytestmark = pytest.mark.security

REFUSALS = (401, 403)


@pytest.mark.runbook("admin-security")
def test_admin_route_refuses_a_missing_token(http, admin_route):
    response = _knock(http, admin_route, headers={})
    _expect_refusal(response, admin_route, "without a token")


@pytest.mark.runbook("admin-security")
def test_admin_route_refuses_a_wrong_token(http, admin_route):
    wrong = {"Authorization": f"Bearer drillbook-wrong-token-{uuid.uuid4().hex}"}
    response = _knock(http, admin_route, headers=wrong)
    _expect_refusal(response, admin_route, "with a wrong token")


@pytest.mark.runbook("error-leaks")
def test_error_answer_leaks_no_internals(http, leak_probe):
    headers = {"Content-Type": "application/json"} if leak_probe.content is not None else {}
    response = call(http, leak_probe.method, leak_probe.path, content=leak_probe.content, headers=headers,
                    section="error-leaks")
    leak = security.find_leak(response.text)
    if leak is not None:
        fail("error-leaks", f"{leak_probe} answered {response.status_code} with a {leak.signature}: {leak.line!r}",
             source=source_of(response))


@pytest.mark.runbook("security-headers")
def test_https_answers_carry_security_headers(http, https_target, security_settings):
    findings = []
    for path in security_settings.header_paths:
        response = call(http, "GET", path, section="security-headers")
        problems = security.missing_headers(response.headers, hsts_min_age_s=security_settings.hsts_min_age_s)
        if problems:
            findings.append(f"GET {path} ({response.status_code}): {'; '.join(problems)}")
    if findings:
        fail("security-headers", " | ".join(findings), source=str(http.base_url))


@pytest.mark.runbook("tls-certificates")
def test_certificate_stays_valid_for_the_minimum_days(drill_env, https_target, security_settings):
    settings = drill_env.config.http
    section = "tls-certificates"
    try:
        cert = read_certificate(https_target.host, https_target.port, timeout_s=settings.timeout_s,
                                ca_bundle=settings.ca_bundle, verify=settings.verify_tls)
    except HandshakeFailed as exc:
        problem = str(exc)
    except TargetError as exc:  # no answer at all: not a certificate finding
        section, problem = NO_ANSWER_SECTION, str(exc)
    else:
        problem = security.certificate_finding(cert, security_settings.tls_min_days)
    if problem:
        fail(section, problem, source=str(https_target))
    note = security.unchecked_trust_note(cert)
    if note:  # the expiry passed, but the run must not read as "the certificate is fine"
        warnings.warn(UserWarning(note))


def _knock(http, route, *, headers):
    """One request to an admin route; a POST carries a body that matches nothing, should the route be open."""
    body = security.HARMLESS_ADMIN_BODY if route.method in ("POST", "PUT", "PATCH") else None
    return call(http, route.method, route.path, json=body, headers=headers, section="admin-security")


def _expect_refusal(response, route, how):
    __tracebackhide__ = True
    status = response.status_code
    if status in REFUSALS:
        return
    if 200 <= status < 300:
        why = ": the admin route is open"
    elif status in (404, 405):
        why = ": is the route in [security] admin_routes still served?"
    else:
        why = ""
    fail("admin-security", f"{route} {how} returned {status} (expected 401 or 403){why}",
         source=source_of(response))
