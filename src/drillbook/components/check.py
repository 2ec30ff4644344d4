"""Assertion helpers for drills: each failure is one line with the value, the limit, the source and the fix.

>>> response = call(http, "GET", "/health", section="service-health")
>>> expect_status(response, 200, section="service-health")
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

import allure
import httpx
import pytest

from drillbook import runbook
from drillbook.clients.http import elapsed_ms
from drillbook.errors import TargetError
from drillbook.findings import Finding, Kind, failing


def fail(section: str, detail: str, *, source: str, window: str | None = None, kind: Kind = "threshold",
         **measured: Any) -> NoReturn:
    """Fail the running test with the runbook's standard message (no traceback), carrying the finding.

    ``kind``: a breached limit or wrong answer by default; ``measured`` holds the figures (rule, value, limit, unit).
    """
    __tracebackhide__ = True
    found = Finding(kind, section, detail, source=source, window=window, **measured)
    raise failing(runbook.render(found), found)



def no_data(section: str, detail: str, *, source: str, window: str | None = None,
            allow_inconclusive: bool = False) -> NoReturn:
    """No data is not a pass: fail with a "no data" finding, or skip when --allow-inconclusive accepts it."""
    __tracebackhide__ = True
    found = Finding("no data", section, detail, source=source, window=window)
    message = runbook.render(found)
    if allow_inconclusive:
        pytest.skip(f"inconclusive (allowed by --allow-inconclusive): {message}")
    raise failing(message, found)


def attach_figures(name: str, figures: dict[str, Any]) -> None:
    """What a check measured, as JSON on the running test's Allure result."""
    allure.attach(json.dumps(figures, indent=2, default=str), name=name, attachment_type=allure.attachment_type.JSON)


def source_of(response: httpx.Response) -> str:
    return str(response.request.url.copy_with(query=None))


# A target that gives no usable answer is its own finding, whatever the check was about: an unreachable
# admin route is not an open one, so it gets the remedy for a service that does not answer.
NO_ANSWER_SECTION = "service-health"


def call(client: httpx.Client, method: str, path: str, *, section: str, **kwargs: Any) -> httpx.Response:
    """Send a request; an unreachable, hanging or oversized answer fails the test with §Service health's remedy.

    ``section`` is the check's own section, for the findings it makes on the answer.
    """
    __tracebackhide__ = True
    try:
        return client.request(method, path, **kwargs)
    except TargetError as exc:
        problem = str(exc)
    # outside except: no chained trace
    fail(NO_ANSWER_SECTION, f"{method} {path}: {problem}", source=f"{client.base_url}{path}", kind="unreachable")


def json_body(response: httpx.Response, *, section: str) -> dict[str, Any]:
    """The decoded JSON object, or a failure that shows what came back instead."""
    __tracebackhide__ = True
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        kind = response.headers.get("content-type", "no content-type")
        preview = response.text[:80].replace("\n", " ")
        fail(section, f"{_line(response)} ({response.status_code}) returned no JSON object ({kind}): {preview!r}",
             source=source_of(response))
    return body


def expect_status(response: httpx.Response, expected: int | tuple[int, ...], *, section: str) -> None:
    __tracebackhide__ = True
    allowed = expected if isinstance(expected, tuple) else (expected,)
    if response.status_code not in allowed:
        want = " or ".join(map(str, allowed))
        fail(section, f"{_line(response)} returned {response.status_code} (expected {want}){_detail(response)}",
             source=source_of(response))


def expect_field(response: httpx.Response, body: dict[str, Any], key: str, expected: Any, *, section: str) -> None:
    """A 200 whose body says otherwise is still a failure: compare the body's own field."""
    __tracebackhide__ = True
    actual = body.get(key)
    if actual != expected:
        fail(section, f"{_line(response)} body says {key}={actual!r} (expected {expected!r})",
             source=source_of(response))


def expect_latency(response: httpx.Response, budget_ms: float, *, section: str) -> None:
    __tracebackhide__ = True
    took = elapsed_ms(response)
    if took > budget_ms:
        fail(section, f"{_line(response)} took {took:.0f} ms > budget {budget_ms:g} ms",
             source=source_of(response), window="1 request")


def _line(response: httpx.Response) -> str:
    return f"{response.request.method} {response.request.url.path}"


def _detail(response: httpx.Response) -> str:
    text = response.content[:400].decode("utf-8", "replace").strip().replace("\n", " ")
    return f": {text[:120]}" if text else ""
