"""The drill journal: one JSON line per run, appended to ``reports/journal/drills.jsonl``.

It answers an auditor's questions without opening Allure: who ran which
drills, against what, under which approval, when, and with what outcome.

>>> config.pluginmanager.register(Journal(env, approval="CHG-123", markexpr="smoke", directory=path))

Registered on the controller only; xdist forwards every worker's reports to it.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from drillbook import __version__, redaction, safety
from drillbook.environments import Environment
from drillbook.evidence import operator_name
from drillbook.target import SANDBOX_URL_VAR

JOURNAL_FILE = "drills.jsonl"
DRILL_MARKERS = {"smoke", "health", "gate", "watch", "cache", "database", "queue", "security", "contract",
                 "load", "chaos", "dr", "destructive", "runbook"}


class Journal:
    """A plugin object: collects the outcome of every test, then appends one line for the run."""

    def __init__(self, env: Environment, *, approval: str | None, markexpr: str, directory: Path) -> None:
        self.env, self.approval, self.markexpr, self.directory = env, approval, markexpr, directory
        self.started = time.time()
        self.outcomes: dict[str, str] = {}
        self.failures: dict[str, str] = {}
        self.chaos: dict[str, dict] = {}  # each chaos drill's fault and measured time to recover

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not DRILL_MARKERS & set(report.keywords):  # drillbook's own tests are not drills
            return
        if report.when == "call" or report.outcome != "passed":
            self.outcomes[report.nodeid] = "refused" if safety.refusal_of(report) else report.outcome
        if report.failed:
            self.failures[report.nodeid] = _first_line(report)
        self.chaos.update({report.nodeid: value for name, value in report.user_properties if name == "chaos"})

    def entry(self, exit_status: int) -> dict:
        return {
            "started": _iso(self.started), "finished": _iso(time.time()),
            "operator": operator_name(), "drillbook": __version__,
            "environment": self.env.name, "tier": self.env.tier, "target": _target(self.env),
            "markers": self.markexpr or "(all)", "approval": self.approval,
            "exit_status": exit_status, "counts": dict(Counter(self.outcomes.values())),
            "failures": self.failures, **({"chaos": self.chaos} if self.chaos else {}),
        }

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.outcomes:  # session.exitstatus, not the hook's argument: an all-refused run changes it
            self.append(int(session.exitstatus))

    def append(self, exit_status: int) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / JOURNAL_FILE
        line = redaction.redact_text(json.dumps(self.entry(exit_status), ensure_ascii=False))
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return path


def describe_run(env: Environment, approval: str | None) -> str:
    """The one header line of a run: what is drilled, on which tier, from which file, under which approval."""
    tier = f"{env.tier} ({env.tier_note})" if env.tier_note else env.tier
    return (f"drillbook: environment {env.name}, tier {tier}, base url {_target(env)}, env file {env.path}, "
            f"approval {approval or 'none'}")


def _target(env: Environment) -> str:
    if not env.uses_sandbox:
        return env.base_url
    url = os.environ.get(SANDBOX_URL_VAR)
    return f"embedded sandbox at {url}" if url else "embedded sandbox (started on first use)"


def _first_line(report: pytest.TestReport) -> str:
    text = str(report.longrepr or "").strip()
    return text.splitlines()[0][:500] if text else "failed"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="seconds")
