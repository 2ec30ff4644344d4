"""App Service setting names and Monitor alert rules through the real SDK clients, against recorded answers."""

from __future__ import annotations

import copy
import json

import pytest

pytest.importorskip("azure.mgmt.web", reason="azure-mgmt-web is not installed (pyproject declares it)")
pytest.importorskip("azure.mgmt.monitor", reason="azure-mgmt-monitor is not installed (pyproject declares it)")

from loopback import FakeCredential, loopback_only  # noqa: E402,F401 - the guard applies to every test here
from recorded_management import RECORDINGS, RecordedManagement  # noqa: E402

from drillbook import runbook  # noqa: E402
from drillbook.config.environments import load_environment  # noqa: E402
from drillbook.errors import TargetError  # noqa: E402
from drillbook.gates import alert_rule_findings, read_alert_rules  # noqa: E402
from drillbook.gates._slots import AppServiceSlots  # noqa: E402

SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"
ALERTS = json.loads((RECORDINGS / "metric_alerts.json").read_text())


@pytest.fixture
def arm():
    with RecordedManagement() as server:
        yield server


def test_app_service_setting_names_are_read_and_values_dropped(arm, monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)
    slots = AppServiceSlots(load_environment("staging"), credential=FakeCredential(), transport=arm.transport())
    names = slots.setting_names()
    assert names == ["APPLICATIONINSIGHTS_CONNECTION_STRING", "COSMOS_ENDPOINT", "COSMOS_KEY", "REDIS_URL",
                     "WEBSITE_RUN_FROM_PACKAGE"]
    assert "recorded-setting-value-must-not-leak" not in repr(vars(slots)) + repr(names)
    assert arm.seen == [("POST", f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-castiel-staging/providers/"
                                 "Microsoft.Web/sites/app-castiel-api-staging/config/appsettings/list",
                         "management.azure.com")]


def test_recorded_alert_rules_match_the_runbook(arm):
    rules = read_alert_rules(SUBSCRIPTION, "rg-castiel-staging", credential=FakeCredential(), transport=arm.transport())
    assert len(rules) == 6 and alert_rule_findings(rules, runbook.THRESHOLDS) == []


def test_a_drifted_alert_rule_fails_with_both_values(arm):
    drifted = copy.deepcopy(ALERTS)
    drifted["value"][0]["properties"]["criteria"]["allOf"][0]["threshold"] = 10
    arm.answer("alerts", drifted)
    rules = read_alert_rules(SUBSCRIPTION, "rg-castiel-staging", credential=FakeCredential(), transport=arm.transport())
    assert alert_rule_findings(rules, runbook.THRESHOLDS) == [
        "alert rule castiel-api-error-rate (api_error_rate): threshold 10 % (runbook: 5 %)"]


def test_a_slot_swap_asks_app_service_to_swap_the_slot_with_production(arm, monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)
    AppServiceSlots(load_environment("production"), credential=FakeCredential(), transport=arm.transport()).swap()
    assert arm.seen[0][:2] == ("POST", f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-castiel-prod/providers/"
                                       "Microsoft.Web/sites/app-castiel-api-prod/slots/staging/slotsswap")
    assert json.loads(arm.bodies[0]) == {"targetSlot": "production", "preserveVnet": True}


def test_an_azure_refusal_is_one_line_naming_what_was_asked(arm, monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)
    arm.answer("appsettings", None)
    slots = AppServiceSlots(load_environment("staging"), credential=FakeCredential(), transport=arm.transport())
    with pytest.raises(TargetError, match=r"^azure resource manager: not found \(404 NoRecording\) listing the "
                                          r"application settings of app-castiel-api-staging -> check the names"):
        slots.setting_names()


def test_a_setting_change_writes_back_every_other_setting_and_a_restart_is_asked(arm, monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)
    slots = AppServiceSlots(load_environment("staging"), credential=FakeCredential(), transport=arm.transport())
    slots.set_setting("DRILLBOOK_CONFIG_DRILL", "on")
    slots.restart()
    site = f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-castiel-staging/providers/Microsoft.Web/sites/" \
           "app-castiel-api-staging"
    assert [seen[:2] for seen in arm.seen] == [("POST", f"{site}/config/appsettings/list"),
                                               ("PUT", f"{site}/config/appsettings"), ("POST", f"{site}/restart")]
    written = json.loads(arm.bodies[1])["properties"]
    assert written["DRILLBOOK_CONFIG_DRILL"] == "on" and len(written) == 6  # App Service replaces the whole set
