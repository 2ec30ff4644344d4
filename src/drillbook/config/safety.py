"""Safety rules: destructive drills need approval on production, refusals are counted, reports carry no secrets."""

from __future__ import annotations

import re

import pytest

from drillbook.config.environments import Environment
from drillbook.errors import ConfigError
from drillbook.findings import Finding, kind_on, skipping

_APPROVAL_ID = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")
REFUSED = "refused: destructive drill"  # every refusal starts so
EXIT_ALL_REFUSED = 6  # pytest uses 0-5; README "Exit codes"


def check_approval_id(approval: str | None) -> None:
    if approval is not None and not _APPROVAL_ID.match(approval):
        raise ConfigError(f"--approve {approval!r}: not a change id -> use the ticket id, e.g. --approve CHG-123")


def refusal_reason(env: Environment, approval: str | None) -> str | None:
    """Why a destructive drill may not run here (what is missing for this run), or None when it may."""
    allowed = env.config.safety.allow_destructive
    if not env.is_production:
        return None if allowed else (f"{REFUSED} on {env.tier} but {env.path.name} has [safety] allow_destructive = "
                                     "false -> set it to true to run destructive drills there")
    where = f"production ({env.tier_note})" if env.tier_note else "production"
    if not allowed:
        also = (f" (approval {approval} is given)" if approval
                else " and pass --approve with the change id, e.g. CHG-123")
        return (f"{REFUSED} on {where}; {env.path.name} has [safety] allow_destructive = false "
                f"-> set it to true for the drill window{also}")
    if not approval:
        return f"{REFUSED} on {where} without approval -> pass --approve CHG-123 (the change id)"
    return None


def guard_destructive(env: Environment, approval: str | None, nodeid: str) -> None:
    reason = refusal_reason(env, approval)
    if reason:
        raise skipping(reason, Finding("refused", None, reason))


def refused_first(env: Environment, approval: str | None, items: list[pytest.Item]) -> None:
    """Put the drills the guard will refuse first: each is reported refused before any drill resolves a secret.

    A run that mixes them with drills that need a vault it cannot reach then still says what was refused and
    why, before the secret stops it.
    """
    if refusal_reason(env, approval) is None:
        return
    refused = [item for item in items if item.get_closest_marker("destructive")]
    if refused:
        items[:] = refused + [item for item in items if not item.get_closest_marker("destructive")]


def refusal_of(report: pytest.TestReport) -> str | None:
    """The guard's reason when ``report`` is a drill it refused (the kind its finding carries), else None."""
    if not report.skipped or kind_on(report) != "refused" or not isinstance(report.longrepr, (tuple, list)):
        return None  # xdist sends the longrepr tuple as a list
    return str(report.longrepr[2]).removeprefix("Skipped: ")


class RefusalTally:
    """Counts refused drills for the terminal summary; a run whose every drill was refused exits non-zero.

    A pipeline that gates on the exit code must not read "all refused" as success.
    """

    def __init__(self) -> None:
        self.ran: set[str] = set()
        self.refused: dict[str, str] = {}
        self.stopped = False  # the run ended before its drills did (a secret it could not read, Ctrl-C)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.ran.add(report.nodeid)
        reason = refusal_of(report)
        if reason:
            self.refused[report.nodeid] = reason

    @property
    def all_refused(self) -> bool:
        return bool(self.ran) and self.ran == self.refused.keys()

    @pytest.hookimpl(tryfirst=True)  # before the journal, which records the exit status
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self.stopped = session.exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)
        if self.all_refused and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = EXIT_ALL_REFUSED

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.refused:
            terminalreporter.write_line(self.summary())

    def summary(self) -> str:
        reason = next(iter(self.refused.values()))
        if self.stopped:  # the drills it never reached were neither run nor refused
            return f"drillbook: {len(self.refused)} drills refused before the run stopped: {reason}"
        if self.all_refused:
            return (f"drillbook: every selected drill was refused ({len(self.ran)} of {len(self.ran)}), "
                    f"exit status {EXIT_ALL_REFUSED}: {reason}")
        return f"drillbook: {len(self.refused)} of {len(self.ran)} drills refused: {reason}"

