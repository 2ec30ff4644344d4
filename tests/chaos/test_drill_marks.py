"""A chaos drill on an Azure tier holds its alerts' notifications (an alert processing rule created before the fault,
deleted after) and marks its phases on Application Insights: the real SDK clients against recorded answers on loopback.
The drill is staging's service-down, with the sandbox standing in for the App Service (staging is https only)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime

import httpx
import pytest

from loopback import FakeCredential, loopback_only  # noqa: F401 - the guard applies here
from recorded_arm import RecordedArm
from app_on_loopback import app_on_loopback

import waiting

from drillbook.chaos.context import DrillContext
from drillbook.chaos.drills import DRILLS, drill_for
from drillbook.chaos.experiment import run_experiment
from drillbook.chaos.marks import HOLD_MARGIN_S, LOCAL, NOT_HELD, drill_marks, planned_s
from drillbook.chaos.settings import ChaosSettings
from drillbook.config.environments import load_environment
from drillbook.errors import FaultError
from drillbook.faults import UndoJournal, replay_pending
from drillbook.runtime.progress import Progress

SUB = "00000000-0000-0000-0000-000000000000"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-castiel-staging"
RULES = f"{GROUP}/providers/Microsoft.AlertsManagement/actionRules/"
ANNOTATIONS = f"{GROUP}/providers/Microsoft.Insights/components/app-castiel-api-staging/Annotations"
RESTART = f"{GROUP}/providers/Microsoft.Web/sites/app-castiel-api-staging/restart"
WAIT_S = 60  # generous: the machine is shared

ALL_RESOURCES = """cosmos_account = "cosmos-castiel-staging"
redis_name = "redis-castiel-staging"
servicebus_namespace = "sb-castiel-staging"
app_insights = "app-castiel-api-staging"
"""


@pytest.fixture
def arm(tmp_path):
    with RecordedArm() as server:
        server.watch = tmp_path / "undo.jsonl"
        server.answer("PUT", "/actionRules/[^/]+", "alert_processing_rule.json")
        server.answer("DELETE", "/actionRules/[^/]+", "alert_processing_rule_deleted.json")
        server.answer("PUT", "/Annotations", "annotation_created.json")
        server.answer("POST", "/restart", "ok.json")
        yield server


def run_drill(sandbox, arm, tmp_path, *, extra: str = "", on_azure: bool = True):
    """staging's service-down drill inside drill_marks, as the chaos fixture runs it; (record, marks, log lines)."""
    path = tmp_path / "app-loopback.toml"
    path.write_text(app_on_loopback(sandbox.url, SUB, azure=ALL_RESOURCES, extra=extra))
    env = load_environment(path=path)
    lines: list[str] = []
    with httpx.Client(base_url=sandbox.url, timeout=10) as http:
        settings = ChaosSettings.for_drill(env, "service-down")
        progress = Progress(lambda text: lines.append(text.split(" ", 1)[1]))  # the line past its clock
        ctx = DrillContext(env, http, settings, progress=progress,
                           arm_options={"credential": FakeCredential(), "transport": arm.transport()})
        journal = UndoJournal(tmp_path)
        with drill_marks(env, "chaos service-down", journal, planned_s=planned_s(settings), on_azure=on_azure,
                         log=ctx.log, arm_options=ctx.arm_options) as marks:
            ctx.on_phase = marks.phase
            record = run_experiment(ctx, drill_for(DRILLS["service-down"], "staging"), journal)
    return record, marks, lines


def step(arm, method: str, path: str) -> int:
    """The index of the first request to ``path`` (an exact path, or a prefix ending in /)."""
    def matches(seen: str) -> bool:
        return seen == path or (path.endswith("/") and seen.startswith(path))
    return next(i for i, (m, p) in enumerate(arm.calls()) if m == method and matches(p))


def test_notifications_are_held_before_the_fault_and_released_after(sandbox, arm, tmp_path):
    record, marks, lines = run_drill(sandbox, arm, tmp_path)
    assert [f.message() for f in record.failures()] == []
    created, deleted = step(arm, "PUT", RULES), step(arm, "DELETE", RULES)
    assert created < step(arm, "POST", RESTART) < deleted == len(arm.calls()) - 1
    put = next(s for s in arm.seen if s.method == "PUT" and s.path.startswith(RULES))
    assert '"alert-hold"' in put.watched and '"planned"' in put.watched  # the undo is on disk first
    assert put.query["api-version"] == "2021-08-08" and put.cloud_host == "management.azure.com"
    rule = put.body["properties"]
    assert rule["actions"] == [{"actionType": "RemoveAllActionGroups"}] and rule["enabled"] is True
    assert sorted(rule["scopes"]) == sorted(f"{GROUP}/providers/{kind}" for kind in (
        "Microsoft.Web/sites/app-castiel-api-staging", "Microsoft.DocumentDB/databaseAccounts/cosmos-castiel-staging",
        "Microsoft.Cache/redis/redis-castiel-staging", "Microsoft.ServiceBus/namespaces/sb-castiel-staging",
        "Microsoft.Insights/components/app-castiel-api-staging"))
    window = rule["schedule"]
    assert window["timeZone"] == "UTC"
    held_s = (datetime.fromisoformat(window["effectiveUntil"]) - datetime.fromisoformat(window["effectiveFrom"]))
    expected = planned_s(ChaosSettings(1, 1, 3, 10, 1, 20, 60, 0, 0, 0)) + HOLD_MARGIN_S
    assert abs(held_s.total_seconds() - expected) <= 5  # bounded: the drill's length, its revert and a margin
    assert marks.summary()["notifications"].startswith("held by alert processing rule drillbook-hold-chaos-service-")
    assert any(line.startswith("notifications: revert: alert processing rule drillbook-hold-") for line in lines)
    assert UndoJournal(tmp_path).pending() == []
    assert FakeCredential.TOKEN not in json.dumps([s.body for s in arm.seen])


def test_the_phases_are_annotations_with_the_drill_id_between_hold_and_release(sandbox, arm, tmp_path):
    record, marks, _ = run_drill(sandbox, arm, tmp_path)
    annotations = [s for s in arm.seen if s.method == "PUT" and s.path == ANNOTATIONS]
    phases = [json.loads(a.body["Properties"])["phase"] for a in annotations]
    assert phases == ["start", "fault", "revert", "end"] and marks.summary()["annotations"] == phases
    order = [(s.method, s.path) for s in arm.seen if s.path != "/health"]
    fault_at = order.index(("POST", RESTART))
    annotation_at = [i for i, call in enumerate(order) if call == ("PUT", ANNOTATIONS)]
    assert order.index(next(c for c in order if c[1].startswith(RULES))) < annotation_at[0]  # held, then "start"
    assert annotation_at[0] < fault_at < annotation_at[1] and annotation_at[-1] < len(order) - 1  # released last
    start = annotations[0].body
    assert start["AnnotationName"] == f"drillbook {marks.drill}: start" and start["Category"] == "Deployment"
    assert all(a.body["RelatedAnnotation"] == start["Id"] for a in annotations)  # one drill, linked
    assert json.loads(annotations[1].body["Properties"])["detail"] == "App Service app-castiel-api-staging restart"
    assert annotations[0].query["api-version"] == "2015-05-01"
    assert marks.summary()["annotation_failures"] == []


def test_a_403_on_the_hold_stops_the_drill_before_any_fault_naming_the_role(sandbox, arm, tmp_path):
    arm.answer("PUT", "/actionRules/[^/]+", "forbidden.json")
    with pytest.raises(FaultError) as stopped:
        run_drill(sandbox, arm, tmp_path)
    message = str(stopped.value)
    assert message.startswith("notifications could not be held, so the drill stopped before its fault: azure "
                              "resource manager: permission denied (403 AuthorizationFailed) creating alert processing "
                              "rule drillbook-hold-chaos-service-down-")
    assert "-> grant Monitoring Contributor on rg-castiel-staging to the identity drillbook signs in as" in message
    assert "set [alerts] hold_notifications = false in app-loopback.toml" in message
    assert 'see docs/chaos-and-dr.md "Notifications during a drill"' in message and "\n" not in message
    assert [m for m, _ in arm.calls()] == ["PUT"]  # no fault, no annotation, nothing to delete
    assert UndoJournal(tmp_path).pending() == []  # refused: no rule exists, so no undo is left for the next run


def test_an_unreachable_resource_manager_is_one_line_in_bounded_time(sandbox, tmp_path):
    with RecordedArm() as gone:
        pass  # closed: nothing listens on its port any more
    started = time.monotonic()
    with pytest.raises(FaultError) as stopped:
        run_drill(sandbox, gone, tmp_path)
    message = str(stopped.value)
    assert message.startswith("notifications could not be held, so the drill stopped before its fault: azure "
                              "resource manager: unreachable (ServiceRequestError) creating alert processing rule ")
    assert "check the network path and proxy to management.azure.com" in message and "\n" not in message
    assert time.monotonic() - started < WAIT_S
    # no answer: the rule may exist, so its delete stays in the journal for the next run (it expires anyway)
    assert [p["kind"] for p in UndoJournal(tmp_path).pending()] == ["alert-hold"]


def test_hold_notifications_false_creates_no_rule_and_says_the_pages_go_out(sandbox, arm, tmp_path):
    record, marks, lines = run_drill(sandbox, arm, tmp_path, extra="[alerts]\nhold_notifications = false")
    assert [f.message() for f in record.failures()] == []
    assert not any("/actionRules/" in path for _, path in arm.calls())
    assert lines.count(NOT_HELD) == 1 and marks.summary()["notifications"] == NOT_HELD
    assert marks.summary()["annotations"] == ["start", "fault", "revert", "end"]  # still marked on the charts


def test_annotations_that_fail_are_noted_and_the_drill_goes_on(sandbox, arm, tmp_path):
    arm.answer("PUT", "/Annotations", "forbidden.json")
    record, marks, lines = run_drill(sandbox, arm, tmp_path)
    assert [f.message() for f in record.failures()] == []
    failures = marks.summary()["annotation_failures"]
    assert [f.partition(":")[0] for f in failures] == ["start", "fault", "revert", "end"]
    assert "grant Application Insights Component Contributor on rg-castiel-staging" in failures[0]
    assert sum(line.startswith("annotation not written (the drill goes on): start:") for line in lines) == 1
    assert step(arm, "DELETE", RULES) == len(arm.calls()) - 1  # the hold is released all the same


def test_the_local_tier_holds_nothing_marks_nothing_and_says_so_once(sandbox, arm, tmp_path):
    record, marks, lines = run_drill(sandbox, arm, tmp_path, on_azure=False)
    assert not any("/actionRules/" in p or p.endswith("/Annotations") for _, p in arm.calls())
    assert lines.count(LOCAL) == 1 and marks.summary()["notifications"] == LOCAL


# A drill held at its fault (a Chaos Studio experiment running) in a process of its own, to interrupt or kill.
HELD_DRILL = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from loopback import FakeCredential, LoopbackTransport
    from drillbook.chaos.marks import drill_marks
    from drillbook.config.environments import load_environment
    from drillbook.faults import UndoJournal, applied, create_fault
    from drillbook.faults.arm import AzureResource
    env = load_environment(path=Path(sys.argv[2]))
    options = {"credential": FakeCredential(), "transport": LoopbackTransport(int(sys.argv[1]))}
    journal = UndoJournal(Path(sys.argv[3]))
    with drill_marks(env, "chaos chaos-studio", journal, planned_s=60, on_azure=True, log=print, arm_options=options):
        experiment = AzureResource(env.config.azure.subscription_id, "rg-castiel-staging", "chaos-castiel-staging")
        with applied(create_fault("chaos-experiment", resource=experiment, wait_s=10, poll_s=0.05, **options), journal,
                     log=print):
            print("applied", flush=True)
            time.sleep(120)
""")
EXPERIMENT = f"{GROUP}/providers/Microsoft.Chaos/experiments/chaos-castiel-staging"
OPERATION = f"/subscriptions/{SUB}/providers/Microsoft.Chaos/locations/westeurope/operationStatuses/" \
            "7f3c9a1e-0000-4000-8000-000000000001"


def held_drill(arm, tmp_path) -> subprocess.Popen:
    """The drill in its own process, once its fault is applied (the hold created before it)."""
    arm.answer("POST", "/start", "chaos_accepted.json")
    arm.answer("POST", "/cancel", "chaos_accepted.json")
    arm.answer("GET", OPERATION, "chaos_operation_done.json")
    path = tmp_path / "held.toml"
    path.write_text(app_on_loopback("http://127.0.0.1:9", SUB, azure=ALL_RESOURCES))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", HELD_DRILL, str(arm.port), str(path), str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert waiting.wait_for(lambda: "applied" in proc.stdout.readline(), WAIT_S), proc.stderr.read()
    return proc


def writes(arm) -> list[tuple[str, str]]:
    """(method, what) of every request that changes something, in order."""
    kinds = {RULES: "hold", ANNOTATIONS: "annotation", EXPERIMENT: "experiment"}
    return [(method, next(kind for prefix, kind in kinds.items() if path.startswith(prefix)))
            for method, path in arm.calls() if method != "GET"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_drill_reverts_its_fault_then_releases_the_hold(arm, tmp_path, signum):
    proc = held_drill(arm, tmp_path)
    try:
        proc.send_signal(signum)
        output, stderr = proc.communicate(timeout=WAIT_S)
    finally:
        proc.kill()
    assert "KeyboardInterrupt" in stderr or "Terminated" in stderr, stderr
    assert writes(arm) == [("PUT", "hold"), ("PUT", "annotation"), ("POST", "experiment"), ("POST", "experiment"),
                           ("PUT", "annotation"), ("DELETE", "hold")]  # held, start, fault, cancel, end, released
    assert "notifications: revert: alert processing rule drillbook-hold-chaos-chaos-studio-" in output
    assert UndoJournal(tmp_path).pending() == []


def test_a_killed_drill_leaves_the_hold_in_the_journal_and_the_next_run_deletes_it(arm, tmp_path):
    proc = held_drill(arm, tmp_path)
    proc.kill()
    proc.communicate(timeout=WAIT_S)
    orphans = UndoJournal(tmp_path).orphans()
    assert [o["kind"] for o in orphans] == ["alert-hold", "chaos-experiment"]
    assert FakeCredential.TOKEN not in json.dumps(orphans)
    before = len(arm.calls())
    lines = replay_pending(UndoJournal(tmp_path), credential=FakeCredential(), transport=arm.transport())
    assert writes(arm)[-2:] == [("POST", "experiment"), ("DELETE", "hold")]  # the fault first, then the hold
    assert len(arm.calls()) > before and len(lines) == 2
    assert "alert processing rule drillbook-hold-chaos-chaos-studio-" in lines[1] and "deleted" in lines[1]
    assert UndoJournal(tmp_path).pending() == []
