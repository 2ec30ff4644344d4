"""A finding as data: its kind, what was measured against what, over which window, from where, and the runbook section.

>>> found = Finding("threshold", "cache-issues", "Redis memory 95 % > 90 %", source="redis://cache:6380",
...                 window="1 INFO reading", rule="redis_memory", value=95, limit=90, unit="%")
>>> raise failing(runbook.render(found), found)      # the test fails with that one line, no traceback

The message (``runbook.render``) and the report's category (``record.categories``) are both rendered from
the finding a failure carries; nothing is parsed back out of the message text. Exceptions that carry none
have a kind by their type: a ConfigError is a configuration problem, a TargetError (or a refused or
timed-out connection) an unreachable target, anything else a drill defect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import httpx
import pytest

from drillbook.errors import ConfigError, SafetyError, TargetError

# What a target that does not answer raises: drillbook's own error, and a client's or the OS's below it.
UNREACHABLE = (TargetError, ConnectionError, TimeoutError, httpx.NetworkError, httpx.TimeoutException)

Kind = Literal["refused", "configuration", "unreachable", "no data", "threshold", "defect"]
KINDS: tuple[Kind, ...] = get_args(Kind)
REPORT_PROPERTY = "finding_kind"  # the user property a test report carries its outcome's kind in


@dataclass(frozen=True)
class Finding:
    """What a check found. ``detail`` is the finding's own words; the measured figures, when there are any, beside it.

    ``section`` is the runbook section whose remedy the message ends with; None for a finding with no remedy
    of its own (a refusal, a configuration problem: their text says what to do).
    """

    kind: Kind
    section: str | None
    detail: str
    source: str | None = None
    window: str | None = None
    rule: str | None = None
    value: float | None = None
    limit: float | None = None
    unit: str | None = None


def failing(message: str, *found: Finding) -> BaseException:
    """pytest's failure (shown as ``Failed: message``, without a traceback) carrying the findings it renders."""
    exc = pytest.fail.Exception(message, pytrace=False)
    exc.findings = found  # type: ignore[attr-defined]
    return exc


def skipping(message: str, found: Finding) -> BaseException:
    """pytest's skip carrying its finding: a drill refused by a safety rule, or one its environment cannot run."""
    exc = pytest.skip.Exception(message)
    exc.findings = (found,)  # type: ignore[attr-defined]
    return exc


def unconfigured(message: str) -> BaseException:
    """A skip for a drill its environment file does not configure: ``message`` names the file, the key and the fix."""
    return skipping(message, Finding("configuration", None, message))


def kind_on(report: pytest.TestReport) -> str | None:
    """The kind a test report carries (``record.categories`` puts it there), or None for a pass or a plain skip."""
    return next((str(value) for name, value in report.user_properties if name == REPORT_PROPERTY), None)


def findings_of(exc: BaseException | None) -> tuple[Finding, ...]:
    found = getattr(exc, "findings", ())
    return tuple(f for f in found if isinstance(f, Finding)) if isinstance(found, tuple) else ()


def kind_of(exc: BaseException | None) -> Kind | None:
    """The kind of outcome ``exc`` ends a test with: its first finding's, else its type's; None for a plain skip."""
    found = findings_of(exc)
    if found:
        return found[0].kind
    if isinstance(exc, ConfigError):
        return "configuration"
    if isinstance(exc, SafetyError):
        return "refused"
    if isinstance(exc, UNREACHABLE):
        return "unreachable"
    if exc is None or isinstance(exc, pytest.skip.Exception):
        return None
    return "defect"
