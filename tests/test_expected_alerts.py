"""Every drill names the runbook alerts its fault should raise (or none, and why), and each is in the alert table."""

import re
from pathlib import Path

import pytest

from drillbook import expected_alerts, runbook
from drillbook.chaos.drills import DRILLS
from drillbook.expected_alerts import EXPECTED, alert_keys, expected_for
from drillbook.load._judge import PER_ROUTE, REQUIRED

RUNBOOK_MD = (Path(__file__).resolve().parents[1] / "RUNBOOK.md").read_text()
ALERT_ROW = re.compile(r"^\| `(?P<key>\w+)` \|.*\| alert \|", re.MULTILINE)
LOAD_SCENARIOS = sorted(f"load: {key}" for key in set(REQUIRED + PER_ROUTE))


def test_every_chaos_drill_and_load_breach_scenario_has_an_entry_and_nothing_else_does():
    assert sorted(EXPECTED) == sorted([*DRILLS, *LOAD_SCENARIOS])


@pytest.mark.parametrize("drill", sorted(EXPECTED))
def test_each_entry_names_an_alert_or_says_why_none(drill):
    entry = EXPECTED[drill]
    assert entry.why.strip(), f"{drill}: say why these alerts (or why none)"
    assert len(set(entry.alerts)) == len(entry.alerts)


@pytest.mark.parametrize("drill", sorted(EXPECTED))
def test_every_named_alert_is_in_the_runbook_alert_table(drill):
    table = {m["key"] for m in ALERT_ROW.finditer(RUNBOOK_MD)}
    assert table == set(alert_keys())
    assert set(EXPECTED[drill].alerts) <= table, f"{drill} names an alert that RUNBOOK.md's table does not list"


def test_a_drill_missing_from_the_table_expects_nothing_and_says_so():
    assert expected_for("new-drill") == expected_alerts.Expected((), "new-drill names no expected alert in "
                                                                     "drillbook.expected_alerts")


def test_a_missed_alert_points_to_the_monitoring_and_alerts_section():
    section = runbook.section(expected_alerts.SECTION)
    assert section.title == "Monitoring & Alerts" and f"\n## {section.title}\n" in RUNBOOK_MD
