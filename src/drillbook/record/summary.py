"""The run's summary as data: ``summary.json`` in its results folder, and wherever ``--summary-json PATH`` says.

    {"format": "drillbook-summary", "version": 1,
     "run": {"environment": "staging", "tier": "staging", "exit_status": 1, "outcome": "failed", ...},
     "drills": [{"nodeid": "...", "verdict": "failed", "duration_s": 12.5,
                 "findings": [{"kind": "threshold", "rule": "api_error_rate", "value": 7.1, "limit": 5, ...}]}]}

The run's header is the journal's entry, each drill's verdict and failure line the journal's own, and each
finding is rendered from the ``findings.Finding`` the drill failed with (``record.drill_facts`` carries it
from the process that ran the drill): the journal, the notification and this summary cannot disagree. A
failure that carries no finding is still listed, by its kind (a drill defect, say) and its one line.
``schemas/drillbook-summary.schema.json`` describes the file; docs/record.md "The run's summary".
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections import Counter
from pathlib import Path

import pytest

from drillbook import redaction, runbook
from drillbook.errors import ConfigError
from drillbook.findings import Finding, kind_on
from drillbook.record.drill_facts import facts_of
from drillbook.record.folders import writable_dir
from drillbook.record.journal import Journal

FILE = "summary.json"
FORMAT, VERSION = "drillbook-summary", 1
PLUGIN_NAME = "drillbook-summary"
# README "Exit codes"; any other status (1, a plugin's own) is a failed run
_EXIT_OUTCOMES = {0: "passed", 2: "interrupted", 3: "error", 4: "misconfigured", 5: "no drills", 6: "refused"}


def add_options(record: pytest.OptionGroup) -> None:
    """``--summary-json``, in the record group of drillbook's options."""
    record.addoption(
        "--summary-json", default=None, metavar="PATH",
        help="also write the run's summary (verdict, duration and findings of each drill, as JSON) to PATH; "
             "summary.json in the run's results folder is written either way")


class DrillReports:
    """On the controller: what each drill's reports carried, in the order the drills began."""

    def __init__(self) -> None:
        self.drills: dict[str, dict] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        facts = facts_of(report)
        if not facts:
            return
        seen = self.drills.setdefault(report.nodeid, {"markers": [], "section": None, "duration_s": 0.0,
                                                      "findings": [], "kind": None, "reason": None})
        seen["duration_s"] += report.duration
        seen["findings"] += facts.get("findings", [])
        if "markers" in facts:
            seen.update(markers=facts["markers"], section=facts["section"])
        if report.failed and seen["kind"] is None:
            seen["kind"] = kind_on(report)
        if report.skipped:
            seen["reason"] = _skip_reason(report)


def build(journal: Journal, reports: DrillReports, exit_status: int) -> dict:
    """The summary of the run the journal saw, redacted."""
    entry = journal.entry(exit_status)
    interrupted = set(entry["interrupted_drills"])
    drills = [drill_entry(nodeid, seen, journal, interrupted) for nodeid, seen in reports.drills.items()]
    summary = {"format": FORMAT, "version": VERSION, "run": run_header(entry, drills), "drills": drills}
    return redaction.redact_fields(summary)


def run_header(entry: dict, drills: list[dict]) -> dict:
    """The journal entry's facts about the run, under names that say what they are."""
    status = entry["exit_status"]
    outcome = "interrupted" if entry["interrupted"] else _EXIT_OUTCOMES.get(status, "failed")
    return {"run_id": entry["run_id"], "environment": entry["environment"], "tier": entry["tier"],
            "target": entry["target"], "target_version": entry["version"],
            "expected_version": entry["expected_version"], "drillbook_version": entry["drillbook"],
            "drillbook_commit": entry["commit"], "approval": entry["approval"], "operator": entry["operator"],
            "markexpr": entry["markers"], "keyword": entry["keyword"], "started": entry["started"],
            "ended": entry["finished"], "duration_s": entry["duration_s"], "exit_status": status,
            "outcome": outcome, "counts": dict(Counter(drill["verdict"] for drill in drills))}


def drill_entry(nodeid: str, seen: dict, journal: Journal, interrupted: set[str]) -> dict:
    """One drill: what it is, the journal's verdict and line for it, and each finding rendered from its data."""
    verdict = "interrupted" if nodeid in interrupted else journal.outcomes.get(nodeid, "interrupted")
    message = journal.failures.get(nodeid) or journal.misconfigured.get(nodeid) or seen["reason"]
    findings = [finding_entry(found) for found in seen["findings"]]
    if verdict in ("failed", "misconfigured") and not _failing(findings):  # never drop a failure
        kind = seen["kind"] or ("configuration" if verdict == "misconfigured" else "defect")
        findings.append(finding_entry({"kind": kind, "section": None, "detail": message or verdict}))
    section = runbook.SECTIONS.get(seen["section"] or "")
    return {"nodeid": nodeid, "name": nodeid.split("::")[-1], "markers": seen["markers"],
            "runbook": _section_entry(section), "verdict": verdict, "duration_s": round(seen["duration_s"], 3),
            "message": message, "findings": findings}


def finding_entry(found: dict) -> dict:
    """A finding as data, with the message, runbook section and remedy rendered from it."""
    finding = Finding(**{key: found.get(key) for key in Finding.__dataclass_fields__})
    section = runbook.SECTIONS.get(finding.section or "")
    return {"kind": finding.kind, "rule": finding.rule, "value": _number(finding.value),
            "limit": _number(finding.limit), "unit": finding.unit, "window": finding.window,
            "source": finding.source, "detail": finding.detail, "message": runbook.render(finding),
            "section": _section_entry(section), "remedy": runbook.remedy_line(section.key) if section else None}


def check_path(given: str) -> None:
    """Before the run: ``--summary-json`` names a file this user can write (a ConfigError naming the fix)."""
    path = Path(given)
    if path.is_dir():
        raise ConfigError(f"--summary-json {given}: a directory -> give the file's name, e.g. --summary-json "
                          f"{path / FILE}")
    writable_dir(path.parent, "--summary-json's folder", given=True)


def record(config: pytest.Config, journal: Journal | None, results: Path | None) -> dict | None:
    """Write the run's summary (before the journal's manifest hashes the results folder); None when there is none.

    Written in the results folder for a run of drills; ``--summary-json`` is written for any run that got
    that far, even one that selected no drill, so a pipeline step that reads it always finds it.
    """
    reports = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if journal is None or reports is None or journal.exit_status is None:
        return None
    asked = config.option.summary_json
    ran = bool(reports.drills) or journal.exit_status == pytest.ExitCode.INTERRUPTED
    if not (ran or asked):
        return None
    summary = build(journal, reports, journal.exit_status)
    paths = ([results / FILE] if results and ran else []) + ([Path(asked)] if asked else [])
    try:
        write(summary, *paths)
    except OSError as exc:
        sys.stderr.write(f"drillbook: summary: not written ({exc.strerror or exc}: {exc.filename}) -> check "
                         f"--summary-json and the results folder; the run's verdict stands\n")
    return summary


def write(summary: dict, *paths: Path) -> list[Path]:
    """Write the summary to each path (its folder made if missing); return the paths written."""
    text = json.dumps(summary, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.name}.{os.getpid()}")
        staged.write_text(text, encoding="utf-8")
        os.replace(staged, path)  # a reader never sees half a summary
    return list(paths)


def _section_entry(section: runbook.Section | None) -> dict | None:
    if section is None:
        return None
    return {"key": section.key, "title": section.title, "severity": section.severity, "owner": section.owner,
            "link": section.link}


def _failing(findings: list[dict]) -> bool:
    return any(found["kind"] != "refused" for found in findings)


def _number(value: float | None) -> float | None:
    """JSON has no NaN or infinity: a figure that is not finite is no figure."""
    return float(value) if value is not None and math.isfinite(value) else None


def _skip_reason(report: pytest.TestReport) -> str | None:
    if isinstance(getattr(report, "wasxfail", None), str):
        return f"expected to fail: {report.wasxfail}" if report.wasxfail else "expected to fail"
    longrepr = report.longrepr
    if isinstance(longrepr, (tuple, list)) and len(longrepr) == 3:  # xdist sends the tuple as a list
        return str(longrepr[2]).removeprefix("Skipped: ")
    return None
