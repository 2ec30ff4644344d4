"""A run's summary.json, read and checked against the schema that ships in the repository: helpers tests share.

    summary = validated(results / "summary.json")     # fails the test, naming the path, when it does not match
    drill = drill_named(summary, "test_health_returns_200")
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

# Three drills for a pytester run: a breach with its finding, a defect with none (its text has "|" and HTML), a pass.
FAILING_DRILLS = '''
import pytest
from drillbook.findings import Finding, failing

@pytest.mark.smoke
@pytest.mark.runbook("high-error-rate")
def test_breach():
    found = Finding("threshold", "high-error-rate", "error rate 7 % > 5 %", source="scrape /metrics",
                    window="10 s", rule="api_error_rate", value=7.0, limit=5.0, unit="%")
    raise failing("error rate 7 % > 5 %", found)

@pytest.mark.smoke
def test_defect():
    raise ValueError("a | b <b>not bold</b>")

@pytest.mark.smoke
def test_fine():
    pass
'''
SCHEMA = Path(__file__).resolve().parents[1] / "schemas" / "drillbook-summary.schema.json"


def validated(path: Path) -> dict:
    """The summary at ``path``, once it matches the schema (every error listed with where it is)."""
    summary = json.loads(path.read_text())
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(summary)]
    assert not errors, f"{path} does not match {SCHEMA.name}:\n" + "\n".join(errors)
    return summary


def drill_named(summary: dict, name: str) -> dict:
    [drill] = [d for d in summary["drills"] if d["name"] == name]
    return drill
