"""The cadence check: when each kind of drill last ran where, and the gate that fails when one is overdue.

    python -m drillbook journal status          # per kind and environment: last run, verdict, age
    pytest -m gate                               # fails when a quarterly drill on staging is overdue

The runbook's "Next Review: Quarterly" made enforceable: ``[cadence]`` in the
environment file names the environment, the kinds and the age limit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import NoReturn

from drillbook.config.sections import CadenceSection
from drillbook.errors import RecordError
from drillbook.record.journal import DRILL_KINDS, JOURNAL_FILE
from drillbook.store import Store


@dataclass(frozen=True)
class KindRun:
    """One run of one kind of drill, as the journal recorded it."""

    kind: str
    environment: str
    started: datetime
    verdict: str


def read_runs(store: Store, name: str = JOURNAL_FILE) -> list[KindRun]:
    """Every (kind, run) in the journal, oldest first; none without a journal; a RecordError at a line it cannot read.

    An unreadable line is never skipped: the runs it held would go unseen, and a drill would look overdue or
    never run when the record is what is broken. A store that cannot be read raises StoreError: never no runs.
    """
    runs, where = [], store.locate(name)
    data = store.read(name)
    lines = data.decode("utf-8", errors="replace").splitlines() if data is not None else []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            entry, started = _read_line(where, number, line)
            runs += [KindRun(kind, str(entry.get("environment")), started, verdict)
                     for kind, verdict in _kinds_of(entry).items()]
    return sorted(runs, key=lambda run: run.started)


def _read_line(path: str, number: int, line: str) -> tuple[dict, datetime]:
    """One journal line as (entry, start time), or a RecordError naming the line and the fix."""
    try:
        entry = json.loads(line)
    except ValueError:
        _unreadable(path, number, "not valid JSON")
    if not isinstance(entry, dict):
        _unreadable(path, number, "not a JSON object")
    try:
        return entry, datetime.fromisoformat(entry["started"]).astimezone(timezone.utc)
    except (KeyError, TypeError, ValueError):
        _unreadable(path, number, 'no ISO-8601 start time ("started")')


def _unreadable(path: str, number: int, problem: str) -> NoReturn:
    raise RecordError(f"{path} line {number}: {problem} -> the journal is unreadable there; python -m drillbook "
                      "journal verify names what changed: restore the line from a backup")


def _kinds_of(entry: dict) -> dict[str, str]:
    """The entry's kinds and verdicts; an entry from before kinds were recorded is read from its ``-m``."""
    if isinstance(entry.get("kinds"), dict):
        return {k: str(v) for k, v in entry["kinds"].items() if k in DRILL_KINDS}
    words = re.findall(r"\bnot\s+\w+|\w+", str(entry.get("markers", "")))
    verdict = "passed" if entry.get("exit_status") == 0 else "failed"
    return {word: verdict for word in words if word in DRILL_KINDS}


def latest_by_kind(runs: list[KindRun]) -> dict[tuple[str, str], KindRun]:
    """The last run of each (kind, environment)."""
    return {(run.kind, run.environment): run for run in runs}


def status_lines(runs: list[KindRun], now: datetime) -> list[str]:
    """One line per kind and environment: the last run, its verdict, its age, and the last pass when it differs."""
    if not runs:
        return ["journal status: no drills in the journal yet -> run one, e.g. pytest -m smoke"]
    lines = [f"{'kind':<9} {'environment':<14} {'last run (UTC)':<20} {'verdict':<8} age"]
    for (kind, env), run in sorted(latest_by_kind(runs).items(), key=lambda item: (_order(item[0][0]), item[0][1])):
        line = f"{kind:<9} {env:<14} {_stamp(run.started):<20} {run.verdict:<8} {_age(run.started, now)}"
        passed = last_pass(runs, kind, env)
        if run.verdict != "passed":
            line += f" (last pass: {_stamp(passed) + ', ' + _age(passed, now) if passed else 'never'})"
        lines.append(line)
    return lines


def last_pass(runs: list[KindRun], kind: str, environment: str) -> datetime | None:
    passes = [run.started for run in runs if (run.kind, run.environment, run.verdict) == (kind, environment, "passed")]
    return max(passes, default=None)


def overdue(runs: list[KindRun], cadence: CadenceSection, now: datetime) -> list[str]:
    """A message for each kind whose last passing drill on the cadence environment is too old, or missing."""
    env, limit = cadence.environment, cadence.max_age_days
    messages = []
    for kind in cadence.kinds:
        passed = last_pass(runs, kind, env)
        if passed is None:
            messages.append(f"no passing {kind} drill on {env} in the journal -> run pytest -m {kind} --env {env}")
        elif (now - passed).total_seconds() > limit * 86400:
            messages.append(f"last passing {kind} drill on {env} was {_stamp(passed)} ({_age(passed, now)}), "
                            f"older than {limit:g} days -> run pytest -m {kind} --env {env} "
                            f"(the runbook's quarterly review; [cadence] max_age_days sets the limit)")
    return messages


def _order(kind: str) -> int:
    return DRILL_KINDS.index(kind) if kind in DRILL_KINDS else len(DRILL_KINDS)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _age(moment: datetime, now: datetime) -> str:
    days = (now - moment).total_seconds() / 86400
    return f"{days:.0f} days ago" if days >= 1 else f"{days * 24:.1f} hours ago"
