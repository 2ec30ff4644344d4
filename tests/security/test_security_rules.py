"""drillbook.components.security: leak signatures, header rules, admin route parsing and the certificate verdict."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from drillbook import redaction
from drillbook.components import security
from drillbook.clients.tls import PeerCertificate
from drillbook.config.environments import load_environment
from drillbook.errors import ConfigError

LEAKS = {
    "Python traceback": 'Traceback (most recent call last):\n  File "/app/api.py", line 42, in get_shard',
    "Python stack frame": 'error at File "/srv/castiel/handlers.py", line 7, in read',
    "Java stack frame": "\tat java.util.Objects.requireNonNull(Objects.java:209)",
    "Java exception": 'Exception in thread "main" boom',
    ".NET stack frame": "   at Castiel.Api.ShardsController.Get(String id) in /src/Api/ShardsController.cs:line 42",
    ".NET exception": "System.NullReferenceException: Object reference not set to an instance of an object.",
    "Node.js stack frame": "TypeError: x is undefined\n    at getShard (/app/src/shards.js:12:7)",
    "Go panic": "panic: runtime error: index out of range\n\ngoroutine 1 [running]:",
    "PHP error": "Fatal error: Uncaught Error: Call to undefined function in /var/www/index.php on line 3",
    "qualified exception class": "azure.core.exceptions.HttpResponseError: (NotFound) Entity not found",
    "SQL error": "SQLSTATE[42000]: Syntax error or access violation",
    "debug error page": "<html><title>KeyError // Werkzeug Debugger</title></html>",
}
CLEAN = [
    '{"error":"Not Found"}',
    '{"error":"request body is not valid JSON","details":["Expecting value: line 1 column 2 (char 1)"]}',
    '{"error":"database unavailable","details":["ServiceResponseError"]}',
    '{"error":"shard not found","details":["no shard with id \'\\\\\'\\"<drillbook>\'"]}',
    "<html><body>502 Bad Gateway</body></html>",
    "",
]


@pytest.mark.parametrize("signature", sorted(LEAKS))
def test_each_leak_signature_is_recognised(signature):
    assert security.find_leak(LEAKS[signature]).signature == signature


@pytest.mark.parametrize("body", CLEAN)
def test_plain_error_bodies_are_not_leaks(body):
    assert security.find_leak(body) is None


def test_a_traceback_inside_a_json_string_is_found_with_its_own_line():
    body = json.dumps({"error": "Internal Server Error", "trace": LEAKS["Python traceback"]})
    leak = security.find_leak(body)
    assert leak == security.Leak("Python traceback", "Traceback (most recent call last):")


def test_the_quoted_line_is_redacted_and_shortened():
    redaction.register_secret("s3cr3t-admin-token-value")
    body = 'File "/app/x.py", line 3, token=s3cr3t-admin-token-value Authorization: Bearer abcdefgh1234 ' + "x" * 300
    leak = security.find_leak(body)
    assert "s3cr3t-admin-token-value" not in leak.line and "abcdefgh1234" not in leak.line
    assert "[REDACTED]" in leak.line and len(leak.line) == security.MAX_QUOTE and leak.line.endswith("...")


GOOD = {"Strict-Transport-Security": "max-age=31536000; includeSubDomains", "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "SAMEORIGIN"}


@pytest.mark.parametrize(("change", "problem"), [
    ({"Strict-Transport-Security": None}, "Strict-Transport-Security is missing"),
    ({"Strict-Transport-Security": "max-age=600"}, "Strict-Transport-Security max-age=600 < 1.5768e+07 s"),
    ({"Strict-Transport-Security": "includeSubDomains"}, "Strict-Transport-Security max-age=0 < 1.5768e+07 s"),
    ({"X-Content-Type-Options": None}, "X-Content-Type-Options is missing"),
    ({"X-Content-Type-Options": "sniff"}, "X-Content-Type-Options is 'sniff' (expected 'nosniff')"),
    ({"X-Frame-Options": None}, "no frame policy (X-Frame-Options or CSP frame-ancestors)"),
    ({"X-Frame-Options": "ALLOW-FROM https://x"}, "no frame policy (X-Frame-Options or CSP frame-ancestors)"),
    # a frame-ancestors that lets any site frame the page is no frame policy
    ({"X-Frame-Options": None, "Content-Security-Policy": "frame-ancestors *"},
     "no frame policy (X-Frame-Options or CSP frame-ancestors)"),
    ({"X-Frame-Options": None, "Content-Security-Policy": "default-src 'self'; frame-ancestors 'self' https:"},
     "no frame policy (X-Frame-Options or CSP frame-ancestors)"),
    ({"X-Frame-Options": None, "Content-Security-Policy": "default-src 'self'; report-uri /frame-ancestors"},
     "no frame policy (X-Frame-Options or CSP frame-ancestors)"),
])
def test_each_missing_or_weak_header_is_named(change, problem):
    headers = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    assert security.missing_headers(headers, hsts_min_age_s=15768000) == [problem]


def test_complete_headers_pass_whatever_their_case():
    lowered = {k.lower(): v for k, v in GOOD.items()}
    assert security.missing_headers(lowered, hsts_min_age_s=15768000) == []
    csp = {**GOOD, "X-Frame-Options": "", "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"}
    assert security.missing_headers(csp, hsts_min_age_s=15768000) == []


@pytest.mark.parametrize("text", ["GET /api/admin/cache/stats", "post /api/admin/cache/clear", " DELETE  /x "])
def test_admin_routes_parse_as_method_and_path(text):
    route = security.parse_route(text)
    assert route.method in security.HTTP_METHODS and route.path.startswith("/")


def test_a_malformed_admin_route_is_a_config_error_that_shows_the_shape(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[target]\ntier = "local"\nbase_url = "sandbox"\n[security]\nadmin_routes = ["/api/admin/x"]\n')
    with pytest.raises(ConfigError) as error:
        load_environment(path=path)
    assert str(error.value) == (
        f"{path}: [security] admin_routes = ['/api/admin/x'] is invalid -> expected \"METHOD /path\" "
        "(e.g. \"GET /api/admin/cache/stats\"), got '/api/admin/x', e.g. admin_routes = [\"GET /api/admin/cache/stats\"]")


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def _cert(days: float, *, verified: bool = True, error: str | None = None) -> PeerCertificate:
    return PeerCertificate("api.castiel.com", 443, NOW + timedelta(days=days), "CN=api.castiel.com",
                           "CN=issuer", verified, error)


@pytest.mark.parametrize(("days", "verified", "error", "expected"), [
    (90, True, None, None),
    (21.5, True, None, None),
    (3.2, True, None, "certificate for api.castiel.com expires in 3 days (2026-11-29T16:48:00Z) < 21 days"),
    (0.25, True, None, "certificate for api.castiel.com expires in 6 hours (2026-11-26T18:00:00Z) < 21 days"),
    (-1, False, "certificate has expired",
     "certificate for api.castiel.com expired 1 day ago (2026-11-25T12:00:00Z) < 21 days"),
    (60, False, "Hostname mismatch", "certificate for api.castiel.com is not trusted: Hostname mismatch "
                                     "(expires 2027-01-25T12:00:00Z, CN=api.castiel.com)"),
])
def test_the_certificate_verdict_says_how_long_and_until_when(days, verified, error, expected):
    assert security.certificate_finding(_cert(days, verified=verified, error=error), 21, now=NOW) == expected
