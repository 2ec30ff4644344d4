"""Alert rules (Azure Monitor's wire shape) against the runbook: matching rules pass, a drifted one names both values."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from drillbook import runbook
from drillbook.gates._alerts import alert_rule_findings, duration_s

RULES = json.loads((Path(__file__).parent / "recordings" / "metric_alerts.json").read_text())["value"]


def test_rules_that_match_the_runbook_pass():
    assert alert_rule_findings(RULES, runbook.THRESHOLDS) == []


def test_a_drifted_threshold_fails_with_both_values():
    drifted = copy.deepcopy(RULES)
    drifted[0]["properties"]["criteria"]["allOf"][0]["threshold"] = 10
    assert alert_rule_findings(drifted, runbook.THRESHOLDS) == [
        "alert rule castiel-api-error-rate (api_error_rate): threshold 10 % (runbook: 5 %)"]


def test_window_severity_operator_and_a_disabled_rule_are_judged():
    drifted = copy.deepcopy(RULES)
    props = drifted[1]["properties"]
    props.update(windowSize="PT15M", severity=3, enabled=False)
    props["criteria"]["allOf"][0]["operator"] = "LessThan"
    assert alert_rule_findings(drifted, runbook.THRESHOLDS) == [
        "alert rule castiel-api-p95 (api_p95): disabled; enable it",
        "alert rule castiel-api-p95 (api_p95): operator LessThan (runbook: >)",
        "alert rule castiel-api-p95 (api_p95): window PT15M (runbook: 10 min)",
        "alert rule castiel-api-p95 (api_p95): severity Sev3 (runbook: P1 = Sev1)",
    ]


def test_a_missing_rule_and_an_override_are_named():
    thresholds = {**runbook.THRESHOLDS, "api_error_rate": runbook.threshold("api_error_rate", {"api_error_rate": 3})}
    findings = alert_rule_findings(RULES[1:], runbook.THRESHOLDS)
    assert findings == ["no alert rule for api_error_rate (API error rate > 5 % for 5 min (P1)); "
                        "create it, tagged runbook=api_error_rate"]
    assert alert_rule_findings(RULES, thresholds) == [
        "alert rule castiel-api-error-rate (api_error_rate): threshold 5 % (runbook: 3 %)"]


def test_iso_durations():
    assert (duration_s("PT5M"), duration_s("PT1H30S"), duration_s("P1D"), duration_s(None)) == (300, 3630, None, None)
