"""RUNBOOK.md's threshold table and its sections stay in step with the catalogue."""

import re

import pytest

from drillbook import runbook
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

TEXT = (REPO / "RUNBOOK.md").read_text()
ROW = re.compile(r"^\| `(?P<key>\w+)` \| (?P<title>[^|]+) \| (?P<op>[<>]) (?P<limit>[\d.]+) (?P<unit>[^|]+?) \| "
                 r"(?P<window>[\d.]+) min \| (?P<severity>P\d) \| (?P<kind>alert|key metric) \| \[(?P<section>[^\]]+)\]\(#(?P<anchor>[\w-]+)\) \|$")


def table_rows() -> dict[str, dict]:
    return {m["key"]: m.groupdict() for m in map(ROW.match, TEXT.splitlines()) if m}


def test_table_lists_every_threshold_and_nothing_else():
    assert sorted(table_rows()) == sorted(runbook.THRESHOLDS)


@pytest.mark.parametrize("key", sorted(runbook.THRESHOLDS))
def test_table_row_matches_the_catalogue(key):
    row, entry = table_rows()[key], runbook.THRESHOLDS[key]
    section = runbook.SECTIONS[entry.section]
    assert (row["title"], row["op"], float(row["limit"]), row["unit"]) == (entry.title, entry.op, entry.limit, entry.unit)
    assert float(row["window"]) * 60 == entry.window_s
    assert (row["severity"], row["kind"] == "alert") == (entry.severity, entry.alert)
    assert (row["section"], row["anchor"]) == (section.title, section.anchor)


@pytest.mark.parametrize("key", sorted(runbook.SECTIONS))
def test_every_section_has_a_heading(key):
    assert f"\n## {runbook.SECTIONS[key].title}\n" in TEXT


def test_the_seed_alert_thresholds_are_in_the_catalogue():
    limits = {k: (t.op, t.limit, t.window_s) for k, t in runbook.THRESHOLDS.items()}
    assert limits["api_error_rate"] == (">", 5, 300)
    assert limits["api_p95"] == (">", 1000, 600)
    assert limits["cosmos_ru"][:2] == (">", 80) and limits["redis_memory"][:2] == (">", 90)
    assert limits["servicebus_queue"][:2] == (">", 1000) and limits["embedding_failures"][:2] == (">", 10)
    assert limits["cache_hit_rate"][:2] == ("<", 80) and limits["slow_endpoint"][:2] == (">", 500)


def test_an_override_is_applied_and_remembered():
    entry = runbook.threshold("api_error_rate", {"api_error_rate": 3})
    assert (entry.limit, entry.default_limit) == (3, 5)
