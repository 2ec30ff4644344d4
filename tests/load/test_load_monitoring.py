"""The load drill on an Azure tier holds its alerts' notifications and marks its phases, as a chaos drill does:
staging's own environment file, its Resource Manager recorded on loopback (the API itself is never contacted)."""

from __future__ import annotations

import pytest

from loopback import FakeCredential, loopback_only  # noqa: F401 - the guard applies here
from recorded_arm import RecordedArm

from drillbook.chaos.marks import LOCAL
from drillbook.config.environments import load_environment
from drillbook.fixtures.monitoring import monitored_drill

SUB = "00000000-0000-0000-0000-000000000000"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-castiel-staging/providers"


@pytest.fixture
def arm():
    with RecordedArm() as server:
        server.answer("PUT", "/actionRules/[^/]+", "alert_processing_rule.json")
        server.answer("DELETE", "/actionRules/[^/]+", "alert_processing_rule_deleted.json")
        server.answer("PUT", "/Annotations", "annotation_created.json")
        yield server


@pytest.fixture
def staging(monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    return load_environment("staging")


def load_drill(env, arm, tmp_path, lines: list[str]) -> None:
    options = {"credential": FakeCredential(), "transport": arm.transport()}
    with monitored_drill(env, "load", 2100, tmp_path, lines.append, **options) as marks:
        marks.phase("fault", "load: 4 stages")
        marks.phase("revert", "load stopped")


def test_a_load_drill_on_staging_is_held_and_marked(staging, arm, tmp_path):
    lines: list[str] = []
    load_drill(staging, arm, tmp_path, lines)
    calls = [(method, path.rsplit("/", 2)[-2]) for method, path in arm.calls()]
    assert calls == [("PUT", "actionRules")] + [("PUT", "app-castiel-api-staging")] * 4 + [("DELETE", "actionRules")]
    rule = next(s for s in arm.seen if s.method == "PUT").body["properties"]
    assert f"{GROUP}/Microsoft.Web/serverfarms/plan-castiel-api-staging" in rule["scopes"]  # CPU and memory alerts
    assert f"{GROUP}/Microsoft.Insights/components/app-castiel-api-staging" in rule["scopes"]  # error rate and p95
    assert any(line.startswith("load: notifications: revert: alert processing rule drillbook-hold-load-")
               for line in lines)


def test_a_refused_hold_fails_the_load_drill_before_any_load(staging, arm, tmp_path):
    arm.answer("PUT", "/actionRules/[^/]+", "forbidden.json")
    with pytest.raises(pytest.fail.Exception) as failed:
        load_drill(staging, arm, tmp_path, [])
    assert str(failed.value).startswith("load: notifications could not be held, so the drill stopped before its "
                                        "fault: azure resource manager: permission denied (403 AuthorizationFailed)")
    assert "grant Monitoring Contributor on rg-castiel-staging" in str(failed.value)
    assert [method for method, _ in arm.calls()] == ["PUT"]


def test_a_local_load_drill_says_once_that_nothing_is_held(arm, tmp_path):
    lines: list[str] = []
    load_drill(load_environment("local"), arm, tmp_path, lines)
    assert arm.calls() == [] and lines == [f"load: {LOCAL}"]
