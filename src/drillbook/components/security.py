"""The security rules the checks apply: admin routes, leak signatures, security headers, certificate age.

>>> find_leak('{"error": "Traceback (most recent call last):\\n  File \\"/app/api.py\\", line 9"}')
Leak(signature='Python traceback', line='Traceback (most recent call last):')
>>> missing_headers({"x-content-type-options": "nosniff"}, hsts_min_age_s=15768000)
['Strict-Transport-Security is missing', 'no frame policy (X-Frame-Options or CSP frame-ancestors)']

Pure functions over text and headers: the checks in ``checks/test_security.py``
do the requests, these decide.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator, Mapping

from drillbook import redaction
from drillbook.clients.tls import PeerCertificate
from drillbook.config.values import HTTP_METHODS, Route, parse_route  # noqa: F401 - the rules' vocabulary

MAX_QUOTE = 160

# --- admin routes: parsed as [security] admin_routes is (drillbook.config.values) ------------------

# A body that matches nothing: if an admin route is open, the probe still deletes nothing.
HARMLESS_ADMIN_BODY = {"pattern": "drillbook:auth-probe:matches-nothing"}

# --- leaked internals -----------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """A request that should get a plain error answer; none of them changes anything."""

    name: str
    method: str
    path: str
    content: bytes | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.name})"


LEAK_PROBES = (
    Probe("unknown route", "GET", "/api/drillbook-no-such-route"),
    Probe("body is not JSON", "POST", "/api/shards", b'{"tenantId": "drillbook-leak-probe", name: }'),
    Probe("malformed id", "GET", "/api/shards/%27%22%3Cdrillbook%3E%5C..%00x"),
    Probe("wrong method", "DELETE", "/health"),
    Probe("bad query", "GET", "/api/shards?tenantId=drillbook-leak-probe&limit=-1%27"),
)

_SIGNATURES = (
    ("Python traceback", r"Traceback \(most recent call last\)"),
    ("Python stack frame", r'File "[^"\n]+", line \d+'),
    ("Java stack frame", r"\bat (?:java|javax|jdk|sun|org\.springframework|org\.hibernate)\.[\w.$]+\("),
    ("Java exception", r"Exception in thread \"|\bCaused by: [\w.$]+(?:Exception|Error)\b"),
    (".NET stack frame", r"\bat [\w.`<>]+\([^)\n]*\) in [^\n]+:line \d+"),
    (".NET exception", r"\bSystem\.(?:[A-Z]\w*\.)*[A-Z]\w*Exception\b"),
    ("Node.js stack frame", r"\bat (?:[\w.<>]+ )?\(?(?:/|[A-Z]:\\|node:)[^)\n]*\.(?:js|mjs|cjs|ts):\d+:\d+\)?"),
    ("Go panic", r"goroutine \d+ \[running\]|panic: runtime error"),
    ("PHP error", r"(?:Fatal error|Parse error|Warning): .+ on line \d+"),
    ("qualified exception class", r"\b(?:[a-z_][a-z0-9_]*\.){1,}[A-Z]\w*(?:Error|Exception)\b"),
    ("SQL error", r"SQLSTATE\[|\bORA-\d{5}\b|You have an error in your SQL syntax|syntax error at or near"
                  r"|Unclosed quotation mark|\bsqlite3?\.\w*Error|\bpsycopg2?\.|PG::\w+Error"),
    ("debug error page", r"Werkzeug Debugger|<title>[^<]*(?:Traceback|Exception)[^<]*</title>"),
)
LEAK_SIGNATURES = tuple((name, re.compile(pattern)) for name, pattern in _SIGNATURES)


@dataclass(frozen=True)
class Leak:
    """The first line of a body that gives the internals away, redacted and shortened."""

    signature: str
    line: str


def find_leak(body: str) -> Leak | None:
    """The first leaked line in a response body (raw, or the strings inside its JSON)."""
    for line in _lines(body):
        for name, pattern in LEAK_SIGNATURES:
            if pattern.search(line):
                return Leak(name, quote(line))
    return None


def quote(line: str) -> str:
    text = redaction.redact_text(line.strip())
    return text if len(text) <= MAX_QUOTE else text[:MAX_QUOTE - 3] + "..."


def _lines(body: str) -> Iterator[str]:
    """The body's lines; for JSON, the lines of every string in it (escaped newlines split too)."""
    try:
        decoded = json.loads(body)
    except (ValueError, TypeError):
        yield from body.splitlines()
        return
    for text in _strings(decoded):
        yield from text.splitlines()


def _strings(data) -> Iterator[str]:
    """Every string in a JSON document, keys included (escaped newlines become real ones)."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


# --- security headers -----------------------------------------------------------------------

_MAX_AGE = re.compile(r"max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def missing_headers(headers: Mapping[str, str], *, hsts_min_age_s: float) -> list[str]:
    """What is missing or too weak among HSTS, nosniff and a frame policy; [] when all is well."""
    lowered = {k.lower(): v for k, v in headers.items()}
    problems = [_hsts_problem(lowered.get("strict-transport-security"), hsts_min_age_s)]
    if lowered.get("x-content-type-options", "").strip().lower() != "nosniff":
        shown = lowered.get("x-content-type-options")
        problems.append("X-Content-Type-Options is " + (f"{shown!r} (expected 'nosniff')" if shown else "missing"))
    if not _has_frame_policy(lowered):
        problems.append("no frame policy (X-Frame-Options or CSP frame-ancestors)")
    return [p for p in problems if p]


def _hsts_problem(value: str | None, min_age_s: float) -> str | None:
    if not value:
        return "Strict-Transport-Security is missing"
    match = _MAX_AGE.search(value)
    age = int(match.group(1)) if match else 0
    if age < min_age_s:
        return f"Strict-Transport-Security max-age={age} < {min_age_s:g} s"
    return None


# frame-ancestors sources that let any site frame the page: a wildcard, or a bare scheme (every https site)
_ANY_FRAMER = ("*", "http:", "https:")


def _has_frame_policy(headers: Mapping[str, str]) -> bool:
    frame = headers.get("x-frame-options", "").strip().upper()
    return frame in ("DENY", "SAMEORIGIN") or _frame_ancestors_restrict(headers.get("content-security-policy", ""))


def _frame_ancestors_restrict(csp: str) -> bool:
    """A CSP frame-ancestors directive that names who may frame the page, not anyone."""
    for directive in csp.lower().split(";"):
        name, *sources = directive.split() or [""]
        if name == "frame-ancestors":
            return bool(sources) and not any(source in _ANY_FRAMER for source in sources)
    return False


# --- certificate lifetime -------------------------------------------------------------------

TRUST_NOT_CHECKED = "trust not checked: [http] verify_tls = false"


def certificate_finding(cert: PeerCertificate, min_days: float, now: datetime | None = None) -> str | None:
    """Why the certificate is not good for another ``min_days`` days, or None when it is."""
    days = cert.days_left(now)
    until = cert.not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    unchecked = "" if cert.trust_checked else f" ({TRUST_NOT_CHECKED})"
    if days < 0:
        return f"certificate for {cert.host} expired {_days(-days)} ago ({until}) < {min_days:g} days{unchecked}"
    if cert.trust_checked and not cert.verified:
        return f"certificate for {cert.host} is not trusted: {cert.verify_error} (expires {until}, {cert.subject})"
    if days < min_days:
        return f"certificate for {cert.host} expires in {_days(days)} ({until}) < {min_days:g} days{unchecked}"
    return None


def unchecked_trust_note(cert: PeerCertificate, now: datetime | None = None) -> str | None:
    """What a passing check did not judge: the chain and host name, when verification is off."""
    if cert.trust_checked:
        return None
    until = cert.not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (f"certificate for {cert.host}: {TRUST_NOT_CHECKED}; only its expiry was judged "
            f"({_days(cert.days_left(now))} left, until {until}) "
            "-> set verify_tls = true, or ca_bundle for a private CA")


def _days(days: float) -> str:
    whole = int(days)
    return f"{whole} day{'s' if whole != 1 else ''}" if whole >= 1 else f"{days * 24:.0f} hours"
