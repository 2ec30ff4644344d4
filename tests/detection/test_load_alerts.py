"""The load drill's expected alerts on Azure: what the load breached, its alert read through the real
azure-mgmt-alertsmanagement client against recorded ARM answers on loopback (staging's own environment file).

The load here is locust's interval reports, judged by the load drill's own judge; each rule has a 1 s window, and
[alerts] a 1 s evaluation and a 1 s grace, so a missed alert is due 3 s after its breach started.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from arm_alerts import ALERTS_PATH, fired, page
from loopback import FakeCredential, loopback_only  # noqa: F401 - the guard applies here
from recorded_arm import RecordedArm

from drillbook import runbook
from drillbook.config.environments import load_environment
from drillbook.detection.load import LoadAlerts
from drillbook.load import verdict
from drillbook.load._judge import LoadJudge
from drillbook.load._run import LoadRun
from drillbook.load._settings import LoadSettings, Stage
from drillbook.load._stats import StatsReader
from drillbook.runtime.progress import Progress
from drillbook.runtime.waiting import wait_until

SUB = "00000000-0000-0000-0000-000000000000"
STAGING = Path(__file__).parents[2] / "environments" / "staging.toml"
FAST = "\n[alerts]\nevaluation_frequency_s = 1\ngrace_s = 1\npoll_s = 0.2\n"
ROUTE = "GET /api/shards/{id}"


def one_second(key: str) -> runbook.Threshold:
    return replace(runbook.threshold(key), window_s=1)


@pytest.fixture
def staging(tmp_path, monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    path = tmp_path / "staging.toml"
    path.write_text(STAGING.read_text() + FAST)
    return load_environment(path=path)


def load_of(tmp_path: Path, t0: float, *, failed: int) -> LoadRun:
    """Four 1 s intervals of 40 requests, ``failed`` of them 500s, judged over 1 s windows from ``t0``."""
    records = [{"at": t0 + k, "interval_s": 1.0, "pid": 7, "process": "bench:7", "role": "local", "users": 8,
                "bounds": [100, 1000], "generator": None,
                "routes": {ROUTE: {"count": 40, "failures": failed, "buckets": [40, 0, 0],
                                   "errors": {"500 Server Error": failed} if failed else {}, "unreached": []}}}
               for k in range(1, 5)]
    (tmp_path / "stats-7.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    judge = LoadJudge.for_runbook(one_second, duration_s=4, interval_s=1, window_s=1, min_requests=5, run_start=t0)
    for interval in StatsReader(tmp_path).drain():
        judge.add(interval)
    settings = LoadSettings((Stage(4, 8, 8),), 0, 1.0, 1.0, 5, Path("castiel.py"))
    return LoadRun(settings, judge, t0, t0 + 4, tmp_path, processes=1)


def alerts_of(env, arm, run: LoadRun, lines: list[str] | None = None):
    options = {"credential": FakeCredential(), "transport": arm.transport(), "retry_total": 0}
    alerts = LoadAlerts(env, one_second, options)
    alerts.load_started(run.launched)
    try:
        with Progress((lines if lines is not None else []).append, every_s=0.5) as progress:
            return alerts.finish(run, progress)
    finally:
        alerts.close()


def test_a_breach_whose_alert_fires_in_time_passes_with_its_time_to_detect_from_the_breach(staging, tmp_path):
    t0 = time.time() - 4  # the load ran the last 4 s
    run = load_of(tmp_path, t0, failed=20)
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page(fired("castiel-api-error-rate", at=t0 + 2.2, resolved_at=t0 + 3.5)))
        found = alerts_of(staging, arm, run)
    assert found.findings == [] and found.checked == "azure" and found.expected.alerts == ("api_error_rate",)
    [alert] = found.alerts
    assert alert["status"] == "fired" and alert["time_to_detect_s"] == pytest.approx(2.2, abs=0.01)  # from t0
    assert alert["from"] == "the load: api_error_rate breach's start" and alert["resolved_at"] is not None
    assert alert["breach_started"] == datetime.fromtimestamp(t0, tz=timezone.utc).isoformat(timespec="seconds")
    assert any(line.startswith("alerts: api_error_rate fired (castiel-api-error-rate) at ") and
               "time to detect 2 s after the breach started; resolved at " in line for line in found.lines)
    assert verdict(run, found.findings) is not None  # the load's own breach still fails it


def test_a_breach_whose_alert_never_fires_fails_naming_the_alert_the_breach_and_the_runbook(staging, tmp_path):
    t0 = time.time()  # its alert is due 3 s from now: waited for
    run = load_of(tmp_path, t0, failed=20)
    lines: list[str] = []
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page(fired("castiel-api-p95", at=t0 + 1)))
        found = alerts_of(staging, arm, run, lines)
    [finding] = found.findings
    message = runbook.render(finding)
    assert message.startswith(
        "expected alert api_error_rate (API error rate > 5 % for 1 s (P1)) did not fire within 3 s of the breach's "
        "start (window 1 s + evaluation 1 s + grace 1 s); load: 1 stage (8 users 4 s) on one locust process; breach "
        "measured by the load drill from "), message
    assert "api_error_rate 50 % > 5 % over 1 s window ending " in message  # the load's value and limit
    assert "-> runbook §Monitoring & Alerts: " in message
    assert found.alerts[0]["status"] == "missed"
    assert any("castiel-api-p95 on app-castiel-api-staging fired at" in line and "not expected of this drill" in line
               for line in found.lines), "an alert the load did not breach is noted, never claimed"
    assert any(" alerts " in line and "api_error_rate waiting" in line for line in lines)  # said while waiting
    failure = str(verdict(run, found.findings))
    assert "expected alert api_error_rate" in failure and "API error rate 50 %" not in failure.split("\n")[0]


def test_no_breach_expects_nothing_and_an_alert_firing_anyway_is_noted_as_a_false_alarm(staging, tmp_path):
    t0 = time.time()  # what a breach could raise is due 3 s from now: not waited for, as nothing was breached
    run = load_of(tmp_path, t0, failed=0)
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page(fired("castiel-api-error-rate", at=t0 + 0.5)))
        found = alerts_of(staging, arm, run)
        reads = len(arm.calls())
    assert run.status == "pass" and found.findings == [] and found.alerts == [] and found.expected.alerts == ()
    assert found.lines[0] == "alerts: none expected, yet these fired during the load (a false alarm is worth a look):"
    assert "castiel-api-error-rate on app-castiel-api-staging fired at" in found.lines[1]
    # counted, not timed: the read begun with the load, then one after it; waiting out a deadline reads every 0.2 s
    assert reads <= 3, f"nothing expected: one read after the load, no deadline waited out ({reads} reads)"
    assert verdict(run, found.findings) is None


def test_a_403_is_not_checked_never_a_pass(staging, tmp_path):
    run = load_of(tmp_path, time.time() - 4, failed=20)
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, "forbidden.json")
        found = alerts_of(staging, arm, run)
    [finding] = found.findings
    assert finding.kind == "unreachable" and found.checked == "not checked (unreadable)"
    assert finding.detail.startswith("load: the expected alerts (api_error_rate) were not checked, which is not a "
                                     "pass: azure resource manager: permission denied (403 AuthorizationFailed)")
    assert len(arm.calls()) == 1, "asking again cannot help"


def test_a_403_without_a_breach_says_a_false_alarm_would_not_be_seen(staging, tmp_path):
    run = load_of(tmp_path, time.time() - 4, failed=0)
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, "forbidden.json")
        found = alerts_of(staging, arm, run)
    assert found.findings == [] and found.checked == "not checked (unreadable)"
    assert found.lines[0].startswith("alerts: none expected, but the fired alerts were not checked, so an alert that "
                                     "fired anyway would not be seen: azure resource manager: permission denied")


def test_a_load_that_decided_nothing_never_says_it_breached_no_rule(tmp_path):
    run = load_of(tmp_path, time.time() - 4, failed=0)
    run.problems.append("the load generator stopped early")  # inconclusive: nothing was shown to hold
    found = LoadAlerts(load_environment("local"), one_second).finish(run, Progress())
    assert run.status == "inconclusive"
    assert found.expected.why == "the load ended inconclusive and named no breach: no alert is expected of it"


def test_the_sandbox_says_the_azure_alerts_were_not_checked_and_when_the_rules_would_have_fired(tmp_path):
    run = load_of(tmp_path, time.time() - 4, failed=20)
    found = LoadAlerts(load_environment("local"), one_second).finish(run, Progress())
    assert found.checked == "not checked (sandbox)" and found.findings == []
    assert found.lines[0] == ("alerts: Azure Monitor alerts were not checked: the sandbox has no Azure Monitor; the "
                              "runbook's alert rules on the load's own metrics:")
    assert found.lines[1].startswith("  api_error_rate (window 1 s) would have fired 1.0 s after the load started: ")
    assert any(line.startswith("  api_p95 (window 1 s) would not have fired: ") for line in found.lines)


def test_the_alerts_are_read_while_the_load_runs_not_only_after_it(staging, tmp_path):
    run = load_of(tmp_path, time.time(), failed=20)
    with RecordedArm() as arm:
        arm.answer("GET", ALERTS_PATH, page(fired("castiel-api-error-rate", at=run.launched + 1.2)))
        alerts = LoadAlerts(staging, one_second, {"credential": FakeCredential(), "transport": arm.transport(),
                                                  "retry_total": 0})
        alerts.load_started(run.launched)
        try:
            assert wait_until(arm.calls, timeout_s=10, poll_s=0.05).held  # the load still runs: no finish yet
            found = alerts.finish(run, Progress())
        finally:
            alerts.close()
    assert found.alerts[0]["status"] == "fired" and found.findings == []
