"""What a drill's test report carries for the run's summary: its markers, its runbook section, its findings as data.

A finding lives on the exception that ended a phase, in the process that ran it; an xdist worker sends the
controller only the report. So each report gets the facts as plain data (``report.drillbook_facts``, which
pytest's report serialisation carries to the controller), redacted here, where the secrets the drill resolved
are known. The plugin registers this module in every process:

    config.pluginmanager.import_plugin("drillbook.record.drill_facts")
    facts_of(report)   # {"markers": ["smoke"], "section": "service-health", "findings": [{"kind": ...}]}
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import pytest

from drillbook import redaction
from drillbook.findings import findings_of
from drillbook.markers import MARKERS

ATTRIBUTE = "drillbook_facts"
DRILL_MARKERS = frozenset(name.split("(")[0] for name in MARKERS)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    report = yield
    if not _is_drill(item):  # drillbook's own tests carry nothing
        return report
    facts: dict = {"findings": _findings(call)}
    if call.when == "setup":  # once per drill: what it is
        section = item.get_closest_marker("runbook")
        facts["markers"] = sorted({m.name for m in item.iter_markers()} & DRILL_MARKERS - {"runbook"})
        facts["section"] = str(section.args[0]) if section and section.args else None
    setattr(report, ATTRIBUTE, facts)
    return report


def facts_of(report: pytest.TestReport) -> dict:
    """The facts a report carries; empty for a report of a test that is no drill."""
    facts = getattr(report, ATTRIBUTE, None)
    return facts if isinstance(facts, dict) else {}


def _is_drill(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(name) for name in DRILL_MARKERS)


def _findings(call: pytest.CallInfo) -> list[dict]:
    if call.excinfo is None:
        return []
    return [redaction.redact_fields(dataclasses.asdict(found)) for found in findings_of(call.excinfo.value)]
