"""A whole chaos drill on an Azure tier with its expected alert read while the fault is on: the App Service
restart against recorded ARM answers, the sandbox standing in for the app (as tests/chaos/test_azure_drills.py)."""

from __future__ import annotations

import time

import httpx

from app_on_loopback import app_on_loopback
from arm_alerts import ALERTS_PATH, fired, page
from loopback import FakeCredential, loopback_only  # noqa: F401 - the guard applies here
from recorded_arm import RecordedArm
from test_fired_alerts import ERROR_RATE, FAST, WHERE

from drillbook.chaos.context import DrillContext
from drillbook.chaos.drills import DRILLS, drill_for
from drillbook.chaos.experiment import run_experiment
from drillbook.chaos.settings import ChaosSettings
from drillbook.config.environments import load_environment
from drillbook.detection.azure_alerts import AlertsOnAzure
from drillbook.detection.drill import Detection
from drillbook.detection.rules_during import RulesDuringFault
from drillbook.expected_alerts import expected_for
from drillbook.faults import UndoJournal
from drillbook.runtime.progress import Progress

SUB = WHERE.subscription


class AlertFiresAfter:
    """A watcher ahead of the detection: once the fault starts, ARM answers that the alert fired 0.8 s into it."""

    def __init__(self, arm: RecordedArm) -> None:
        self.arm, self.started = arm, None

    def fault_started(self, at: float) -> None:
        self.started = at
        self.arm.answer("GET", ALERTS_PATH, page(fired("castiel-api-error-rate", at=at + 0.8)))

    def fault_ending(self, at: float) -> None:
        """Nothing to stop."""

    before_revert = fault_ending


def test_the_service_down_drill_on_azure_records_the_alert_it_raised_and_its_time_to_detect(sandbox, tmp_path):
    path = tmp_path / "app-loopback.toml"
    path.write_text(app_on_loopback(sandbox.url, SUB))
    env = load_environment(path=path)
    with RecordedArm() as arm, httpx.Client(base_url=sandbox.url, timeout=10) as http:
        arm.answer("POST", "/restart", "ok.json")
        options = {"credential": FakeCredential(), "transport": arm.transport(), "retry_total": 0}
        detection = Detection("service-down", "", expected_for("service-down"),
                              RulesDuringFault(env, [ERROR_RATE], window_s=1, min_requests=1, rps=10),
                              AlertsOnAzure(WHERE, [ERROR_RATE], FAST, options))
        ctx = DrillContext(env, http, ChaosSettings.for_drill(env, "service-down"), arm_options=options)
        firing = AlertFiresAfter(arm)
        ctx.watchers += [firing, detection]
        record = run_experiment(ctx, drill_for(DRILLS["service-down"], "staging"), UndoJournal(tmp_path))
        drill_ended = time.monotonic()
        result = detection.finish(Progress(), record.fault)
    assert [f.message() for f in record.failures()] == [] and result.findings == []
    [alert] = result.alerts
    assert alert["status"] == "fired" and 0.7 <= alert["time_to_detect_s"] <= 0.9
    restart = next(s.at for s in arm.seen if s.method == "POST")
    reads = [s.at for s in arm.seen if s.path.endswith(ALERTS_PATH)]
    assert reads and restart < reads[0] < drill_ended  # read from the fault on, during the drill, not only after it
    assert result.lines[0].startswith("alerts: api_error_rate fired (castiel-api-error-rate) at ")
