"""The drill journal: one JSON line per run, appended to ``drills.jsonl`` in the store (``reports/journal/``).

It answers an auditor's questions without opening Allure: who ran which
drills, against what, under which approval, when, and with what outcome.
Each line is chained to the one before and lists its run's artifacts with
their sha256 (drillbook.record.chain), so an edit is found by ``journal verify``.

>>> config.pluginmanager.register(Journal(env, approval="CHG-123", markexpr="smoke", store=store))
>>> journal.record(results_dir=Path("reports/runs/..."), junit=None)   # after the run's files are final

Registered on the controller only; xdist forwards every worker's reports to it. When the store
cannot keep the entry, the run ends with one line naming the store, never a silent pass.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Sequence

import pytest

from drillbook import __version__, redaction
from drillbook.record import archive
from drillbook.record import chain as journal_chain
from drillbook.record import runs as run_record
from drillbook.config import safety
from drillbook.config.environments import Environment
from drillbook.errors import StoreError
from drillbook.record.drill_facts import facts_of
from drillbook.record.evidence import operator_name
from drillbook.runtime.misconfigured import config_error_of
from drillbook.runtime.target import SANDBOX_URL_VAR
from drillbook.store import Store

JOURNAL_FILE = "drills.jsonl"
RECORD_PROPERTY = "drill_record"  # a drill's one-line record (record_property), kept in the journal entry
VERSION_PROPERTY = "target_version"  # the version the target's /health reported (record_property)
# The kinds of drill with a verdict each in the journal: ``journal status`` rows, the cadence gate's choices.
DRILL_KINDS = ("load", "chaos", "dr", "rollback", "smoke", "watch", "gate")


class Journal:
    """A plugin object: collects the outcome of every test, then appends one line for the run."""

    def __init__(self, env: Environment, *, approval: str | None, markexpr: str, store: Store,
                 keyword: str = "", expected_version: str | None = None,
                 writes_left: Callable[[], int] = lambda: 0) -> None:
        """``writes_left``: how many drill writes may still be on the target (the contract drill's ledger)."""
        self.env, self.approval, self.markexpr, self.store = env, approval, markexpr, store
        self.writes_left = writes_left
        self.keyword, self.expected_version = keyword, expected_version
        self.started = time.time()
        self.outcomes: dict[str, str] = {}
        self.failures: dict[str, str] = {}
        self.misconfigured: dict[str, str] = {}  # drills a configuration error stopped: no outcome of their kind
        self.kinds: dict[str, list[str]] = {}  # drill kind -> the outcomes of its drills
        self.begun: dict[str, set[str]] = {}  # drill -> its kinds, from its setup report
        self.ended: set[str] = set()
        self.exit_status: int | None = None
        self.session: pytest.Session | None = None
        self.recorded: dict | None = None  # the entry as written, for the notification
        self.records: dict[str, str] = {}
        self.version: str | None = None  # what the target said it runs, as a drill read it
        self.chaos: dict[str, dict] = {}  # each chaos drill's fault and measured time to recover
        self.load: dict[str, dict] = {}  # each load drill's expected alerts (fired, time to detect)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # a drill by its markers, as the summary counts it; report.keywords also holds folder names and parameter
        # ids, so drillbook's own tests/chaos/... or [smoke] were journaled as drills
        facts = facts_of(report)
        if not facts:
            return
        if report.when == "setup":  # a drill set up and never torn down was interrupted; its kinds: its markers
            self.begun[report.nodeid] = set(DRILL_KINDS) & set(facts["markers"])
        elif report.when == "teardown":
            self.ended.add(report.nodeid)
        config_error = config_error_of(report)
        if config_error:
            self.outcomes[report.nodeid] = "misconfigured"
            self.misconfigured[report.nodeid] = config_error
        elif report.when == "call" or report.outcome != "passed":
            outcome = "refused" if safety.refusal_of(report) else report.outcome
            self.outcomes[report.nodeid] = outcome
            for kind in self.begun.get(report.nodeid, ()):  # not its folder's name (chaos/ holds the DR drill)
                self.kinds.setdefault(kind, []).append(outcome)
            if report.failed:
                self.failures[report.nodeid] = _first_line(report)
        for name, value in report.user_properties:
            if name == RECORD_PROPERTY:
                self.records[report.nodeid] = str(value)
            elif name == VERSION_PROPERTY:
                self.version = str(value)
        self.chaos.update({report.nodeid: value for name, value in report.user_properties if name == "chaos"})
        self.load.update({report.nodeid: value for name, value in report.user_properties if name == "load"})

    def entry(self, exit_status: int) -> dict:
        finished = time.time()
        interrupted = sorted(self.begun.keys() - self.ended)
        kinds = {kind: list(outcomes) for kind, outcomes in self.kinds.items()}
        for nodeid in interrupted:
            for kind in self.begun[nodeid]:
                kinds.setdefault(kind, []).append("interrupted")
        return {
            "started": _iso(self.started), "finished": _iso(finished),
            "duration_s": round(finished - self.started, 3), "run_id": run_record.run_id(),
            "operator": operator_name(), "drillbook": __version__, "commit": drillbook_commit(),
            "environment": self.env.name, "tier": self.env.tier, "target": _target(self.env),
            "version": self.version, "expected_version": self.expected_version,
            "markers": self.markexpr or "(all)", "keyword": self.keyword or None, "approval": self.approval,
            "kinds": {kind: _kind_verdict(outcomes) for kind, outcomes in sorted(kinds.items())},
            "exit_status": exit_status, "counts": dict(Counter(self.outcomes.values())),
            "interrupted": exit_status == pytest.ExitCode.INTERRUPTED or bool(interrupted),
            "interrupted_drills": interrupted, "failures": self.failures,
            **({"misconfigured": self.misconfigured} if self.misconfigured else {}),
            **({"records": self.records} if self.records else {}),
            "drill_writes_left": self.writes_left(),
            **({"chaos": self.chaos} if self.chaos else {}),
            **({"load": self.load} if self.load else {}),
        }

    @pytest.hookimpl(trylast=True)  # after session fixtures' teardown, which removes drill writes
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        # session.exitstatus, not the hook's argument: an all-refused run changes it
        self.exit_status = int(session.exitstatus)
        self.session = session

    def record(self, results_dir: Path | None, junit: str | None) -> str | None:
        """Append this run's entry once its files are final (after the run files and the scrub)."""
        if self.exit_status is None or not (self.outcomes or self.begun
                                            or self.exit_status == pytest.ExitCode.INTERRUPTED):
            return None
        artifacts = [p for p in results_dir.rglob("*") if p.is_file()] if results_dir and results_dir.is_dir() else []
        artifacts += [Path(junit)] if junit and Path(junit).is_file() else []
        try:
            return self.append(self.exit_status, artifacts, results_dir)
        except StoreError as exc:
            self._lost(exc)
            return None

    def append(self, exit_status: int, artifacts: Sequence[Path] = (), results_dir: Path | None = None) -> str:
        """Keep the run's files in the store, then its chained entry; return where the entry went."""
        # redacted before it is hashed: the hash covers exactly what is written
        entry = json.loads(redaction.redact_text(json.dumps(self.entry(exit_status), ensure_ascii=False)))
        entry["results"], entry[journal_chain.ARTIFACTS_KEY] = archive.keep_run(
            self.store, entry["run_id"] or "unnamed", results_dir, artifacts)
        self.recorded = journal_chain.append_chained(self.store, JOURNAL_FILE, entry)
        return self.store.locate(JOURNAL_FILE)

    def _lost(self, exc: StoreError) -> None:
        """The record could not be kept: one line, and a run that passed does not exit 0."""
        sys.stderr.write(f"drillbook: this run's record was not kept: {exc}\n")
        if self.session is not None and self.session.exitstatus == pytest.ExitCode.OK:
            self.session.exitstatus = pytest.ExitCode.USAGE_ERROR


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


@functools.cache  # one commit per run, asked by the journal entry and the summary's header
def drillbook_commit() -> str | None:
    """The commit drillbook runs from (``+dirty`` with local changes), when it runs from a git checkout."""
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty=+dirty", "--abbrev=40"],
                              cwd=Path(__file__).parent, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def _kind_verdict(outcomes: list[str]) -> str:
    """failed when any drill of the kind failed, then interrupted, passed, refused, else what they all were."""
    for verdict in ("failed", "interrupted", "passed", "refused"):
        if verdict in outcomes:
            return verdict
    return outcomes[0] if outcomes else "skipped"


def record_target_version(http, record_property) -> str | None:
    """Put the version the target's /health reports into the journal (the migration gate reads it); best effort."""
    from drillbook.errors import DrillbookError

    try:
        version = http.get("/health").json().get("version")
    except (DrillbookError, ValueError, AttributeError):  # no answer, not JSON, not an object: nothing to record
        return None
    if version:
        record_property(VERSION_PROPERTY, str(version))
    return version


def _first_line(report: pytest.TestReport) -> str:
    """A failure's one line: a drill's own message, or what a traceback ended with (not its first source line)."""
    crash, traceback = (getattr(report.longrepr, name, None) for name in ("reprcrash", "reprtraceback"))
    traceback_shown = crash is not None and getattr(traceback, "style", "value") != "value"
    text = (crash.message if traceback_shown else str(report.longrepr or "")).strip()
    return text.splitlines()[0][:500] if text else "failed"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat(timespec="seconds")
