"""A drill's expected alerts on Azure: the real azure-mgmt-alertsmanagement client against recorded ARM answers.

Each rule here has a 1 s window, a 1 s evaluation frequency and a 1 s grace, so an alert is due 3 s after the
fault's start and a test that waits for a missed one waits 3 s, not the runbook's minutes.
"""

from __future__ import annotations

import socket
import time
from dataclasses import replace

import pytest

from arm_alerts import ALERTS_PATH, fired, page
from loopback import FakeCredential, LoopbackTransport, loopback_only  # noqa: F401 - the guard applies here
from recorded_arm import RecordedArm

from drillbook import runbook
from drillbook.config.environments import load_environment
from drillbook.config.sections.alerts import AlertsSection
from drillbook.detection.azure_alerts import AlertsOnAzure, Where
from drillbook.detection.drill import Detection
from drillbook.detection.rules_during import RulesDuringFault
from drillbook.expected_alerts import Expected
from drillbook.runtime.progress import Progress

SUB = "00000000-0000-0000-0000-000000000000"
WHERE = Where(SUB, "rg-castiel-staging", frozenset({"app-castiel-api-staging"}))
FAST = AlertsSection(evaluation_frequency_s=1, grace_s=1, poll_s=0.2)
ERROR_RATE = replace(runbook.threshold("api_error_rate"), window_s=1)
FAULT = "SIGKILL to the sandbox's cosmos process"


def detection(transport, rules: RulesDuringFault | None = None, **client_options) -> Detection:
    azure = AlertsOnAzure(WHERE, [ERROR_RATE], FAST,
                          {"credential": FakeCredential(), "transport": transport, "retry_total": 0, **client_options})
    rules = rules or RulesDuringFault(None, [], window_s=1, min_requests=1, rps=1)
    return Detection("cosmos-outage", FAULT, Expected(("api_error_rate",), "5xx while Cosmos DB is down"), rules,
                     azure)


def drill(found: Detection, t0: float, *, fault_s: float = 0.3, progress: Progress | None = None):
    found.fault_started(t0)
    time.sleep(fault_s)
    found.fault_ending(time.time())
    return found.finish(progress or Progress())


def test_an_alert_that_fires_in_time_passes_with_its_time_to_detect_and_resolution():
    t0 = time.time()
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page(fired("castiel-api-error-rate", at=t0 + 1.2, resolved_at=t0 + 2.0),
                                            fired("castiel-api-p95", at=t0 + 1.5)))
        result = drill(detection(arm.transport()), t0)
        reads = len(arm.calls())
    assert result.findings == [] and result.checked == "azure"
    [alert] = result.alerts
    assert (alert["alert"], alert["rule"], alert["status"], alert["time_to_detect_s"]) == \
           ("api_error_rate", "castiel-api-error-rate", "fired", pytest.approx(1.2, abs=0.01))
    assert alert["resolved_at"] is not None
    assert any("api_error_rate fired (castiel-api-error-rate) at" in line and "time to detect 1 s" in line
               for line in result.lines)
    assert any("castiel-api-p95 on app-castiel-api-staging fired at" in line and "not expected of this drill" in line
               for line in result.lines)
    assert reads == 1  # fired and resolved at the first read: nothing left to wait for, the deadline is not waited out
    query = arm.seen[0].query
    assert arm.seen[0].path == f"/subscriptions/{SUB}{ALERTS_PATH}" and query["targetResourceGroup"] == \
           "rg-castiel-staging" and "/" in query["customTimeRange"]


def test_an_alert_that_never_fires_fails_naming_the_alert_the_fault_the_signal_and_the_runbook(sandbox, env_file):
    env = load_environment(path=env_file(base_url=sandbox.url))
    rules = RulesDuringFault(env, [ERROR_RATE], window_s=1, min_requests=1, rps=10, client_side=True)  # as on Azure
    lines: list[str] = []
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page())
        result = drill(detection(arm.transport(), rules), time.time(), fault_s=1.5,
                       progress=Progress(lines.append, every_s=0.5))
    [finding] = result.findings
    message = runbook.render(finding)
    assert message.startswith(
        "expected alert api_error_rate (API error rate > 5 % for 1 s (P1)) did not fire within 3 s of the fault's "
        "start (window 1 s + evaluation 1 s + grace 1 s); fault: SIGKILL to the sandbox's cosmos process; measured "
        "during the fault: API error rate worst 0 %")
    assert "(over " in message and "source: azure resource manager: fired alerts of rg-castiel-staging)" in message
    assert "-> runbook §Monitoring & Alerts: " in message and "lengthen [chaos] observe_s" in message
    assert result.alerts[0]["status"] == "missed" and result.alerts[0]["time_to_detect_s"] is None
    assert any("alerts: reading the fired alerts every 0.2 s until" in line and "api_error_rate waiting (until"
               in line for line in lines)
    assert any(" alerts " in line and "api_error_rate waiting" in line for line in lines)  # the silence lines


def test_an_alert_that_fired_before_the_drill_is_noted_not_claimed():
    t0 = time.time()
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page(fired("castiel-api-error-rate", at=t0 - 120)))
        result = drill(detection(arm.transport()), t0)
    [finding] = result.findings
    assert "did not fire within 3 s" in finding.detail
    assert "castiel-api-error-rate on app-castiel-api-staging fired at" in finding.detail
    assert "before the fault started at" in finding.detail and "noted, not claimed" in finding.detail
    assert result.alerts[0]["status"] == "missed"


def test_an_alert_that_fired_after_its_deadline_is_noted_not_claimed():
    t0 = time.time()
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page(fired("castiel-api-error-rate", at=t0 + 4)))  # due by t0 + 3
        result = drill(detection(arm.transport()), t0)
    [finding] = result.findings
    assert "did not fire within 3 s" in finding.detail and result.alerts[0]["status"] == "missed"
    assert "after the deadline" in finding.detail and "noted, not claimed" in finding.detail


def test_an_alert_on_another_resource_is_not_claimed():
    t0 = time.time()
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page(fired("castiel-api-error-rate", at=t0 + 1, target="app-other")))
        result = drill(detection(arm.transport()), t0)
    assert [a["status"] for a in result.alerts] == ["missed"]


def test_a_403_is_not_checked_names_the_role_and_stops_at_once():
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, "forbidden.json")
        result = drill(detection(arm.transport()), time.time())
    [finding] = result.findings
    assert finding.kind == "unreachable" and result.checked == "not checked (unreadable)"
    assert runbook.render(finding) == (
        "cosmos-outage: the expected alerts (api_error_rate) were not checked, which is not a pass: azure resource "
        "manager: permission denied (403 AuthorizationFailed) reading the fired alerts of rg-castiel-staging -> "
        "grant Monitoring Reader on rg-castiel-staging to the identity drillbook signs in as (az login, a managed "
        "identity, or AZURE_CLIENT_ID + AZURE_TENANT_ID)")
    assert len(arm.calls()) == 1  # asking again cannot help


def test_unreachable_arm_is_not_checked_not_a_pass():
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once the socket closes
    result = drill(detection(LoopbackTransport(port)), time.time())
    [finding] = result.findings
    assert finding.kind == "unreachable" and result.alerts == []
    assert "were not checked, which is not a pass: azure resource manager: unreachable (ServiceRequestError) " \
           "reading the fired alerts of rg-castiel-staging -> check the network path" in finding.detail


@pytest.mark.parametrize("rule, key", [("castiel-api-error-rate", "api_error_rate"), ("castiel-api-p95", "api_p95"),
                                       ("CASTIEL-REDIS-MEMORY", "redis_memory"), ("castiel-cpu", None)])
def test_an_azure_rule_belongs_to_a_runbook_alert_by_its_name(rule, key):
    from drillbook.expected_alerts import rule_key

    assert rule_key(f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/metricAlerts/{rule}") == key


def test_reads_that_stop_answering_before_the_deadline_are_not_checked_not_missed():
    unavailable = {"status": 503, "headers": {}, "body": {"error": {"code": "ServiceUnavailable"}}}
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page(), unavailable)
        result = drill(detection(arm.transport()), time.time())
    [finding] = result.findings
    assert finding.kind == "unreachable" and len(arm.calls()) > 2  # retried at every poll until the deadline
    assert finding.detail.startswith("expected alert api_error_rate was not checked up to its deadline ")
    assert "which is not a pass: the fired alerts were last read at " in finding.detail
    assert "then: azure resource manager: answered 503 ServiceUnavailable reading the fired alerts" in finding.detail
    assert result.alerts[0]["status"] == "not checked", "the journal never records an unread alert as missed"
    assert any(line.startswith("alerts: api_error_rate did not fire by ") and line.endswith(" (not checked)")
               for line in result.lines)


def test_no_azure_identity_is_not_checked_and_says_how_to_sign_in():
    from loopback import NoIdentityCredential

    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page())
        result = drill(detection(arm.transport(), credential=NoIdentityCredential()), time.time())
        reads = len(arm.calls())
    [finding] = result.findings
    assert reads == 0 and result.checked == "not checked (unreadable)"
    assert "no Azure token (CredentialUnavailableError) reading the fired alerts of rg-castiel-staging -> sign in " \
           "with az login" in finding.detail


def test_an_answer_drillbook_cannot_read_is_not_checked_never_no_alerts():
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, {"status": 200, "headers": {}, "body": {"value": [{"name": "x"}]}})
        result = drill(detection(arm.transport()), time.time())
    [finding] = result.findings
    assert finding.kind == "unreachable" and "were not checked, which is not a pass: reading the fired alerts " \
                                             "stopped: AttributeError" in finding.detail
