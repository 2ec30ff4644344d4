"""The Azure faults through the real management SDKs against recorded answers on loopback: each sends the right
requests, the undo is on disk before the injection, a failed revert is said and kept, an interrupt still reverts."""

from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from certificates import CertificateAuthority
from loopback import FakeCredential, LoopbackTransport, loopback_only  # noqa: F401 - the guard applies here
from recorded_arm import RecordedArm

import waiting

from drillbook.errors import FaultError
from drillbook.faults import FAULTS, UNDO_FILE, UndoJournal, applied, create_fault
from drillbook.faults.app_service import wait_healthy
from drillbook.faults.arm import AzureResource

SUB = "00000000-0000-0000-0000-000000000000"
RG = f"/subscriptions/{SUB}/resourceGroups/rg-castiel-staging/providers"
SITE = f"{RG}/Microsoft.Web/sites/app-castiel-api-staging"
REDIS = f"{RG}/Microsoft.Cache/redis/redis-castiel-staging"
EXPERIMENT = f"{RG}/Microsoft.Chaos/experiments/chaos-castiel-staging"
OPERATION = f"/subscriptions/{SUB}/providers/Microsoft.Chaos/locations/westeurope/operationStatuses/" \
            "7f3c9a1e-0000-4000-8000-000000000001"
WAIT_S = 60  # generous: the machine is shared


@pytest.fixture
def arm(tmp_path):
    with RecordedArm() as server:
        server.watch = tmp_path / "undo.jsonl"
        yield server


def fault(arm, kind: str, name: str, **params):
    """An Azure fault aimed at the loopback server: quick polls, the real SDK client underneath."""
    options = {"credential": FakeCredential(), "transport": arm.transport(), "wait_s": 10, "poll_s": 0.05}
    if kind.startswith("app-service"):
        params.setdefault("health_url", f"{arm.url}/health")
    return create_fault(kind, resource=AzureResource(SUB, "rg-castiel-staging", name), **{**options, **params})


def first(arm, method: str, suffix: str):
    return next(s for s in arm.seen if s.method == method and s.path.endswith(suffix))


def test_the_azure_faults_are_in_the_registry():
    assert {"app-service-restart", "app-service-stop", "redis-reboot", "chaos-experiment"} <= set(FAULTS)


def test_app_service_restart_asks_for_a_restart_and_the_revert_waits_until_healthy(arm, tmp_path):
    arm.answer("POST", "/restart", "ok.json")
    arm.answer("GET", "/health", {"status": 503, "body": {}}, {"status": 200, "body": {}})
    journal = UndoJournal(tmp_path)
    with applied(fault(arm, "app-service-restart", "app-castiel-api-staging"), journal) as undo:
        assert arm.calls() == [("POST", f"{SITE}/restart")]
    restart = first(arm, "POST", "/restart")
    assert '"planned"' in restart.watched and '"app-castiel-api-staging"' in restart.watched  # undo first
    assert restart.cloud_host == "management.azure.com" and restart.query["api-version"] == "2025-05-01"
    assert [s.path for s in arm.seen].count("/health") == 2 and arm.seen[-1].at > restart.at
    assert undo == {"subscription": SUB, "resource_group": "rg-castiel-staging", "name": "app-castiel-api-staging",
                    "wait_s": 10, "poll_s": 0.05, "health_url": f"{arm.url}/health", "tls_verify": True}
    assert journal.pending() == [] and FakeCredential.TOKEN.encode() not in journal.store.read(UNDO_FILE)


@pytest.fixture
def https_health(tmp_path):
    """A /health that answers 200 over TLS with a certificate from a test CA (not in the system store)."""
    authority = CertificateAuthority.create(tmp_path / "ca")
    context = authority.issue(tmp_path / "leaf", valid_days=30).server_context()

    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/health", str(authority.bundle)
    server.shutdown()


def test_the_health_wait_trusts_what_the_drill_trusts(https_health):
    """The revert reads health with [http] ca_bundle / verify_tls, kept in the undo, as the drill's client does."""
    url, bundle = https_health
    undo = {"name": "app-castiel-api-staging", "resource_group": "rg-castiel-staging", "wait_s": 0.3, "poll_s": 0.1,
            "health_url": url}
    assert wait_healthy({**undo, "tls_verify": bundle}) >= 0
    with pytest.raises(FaultError, match=r"not healthy .* gave no answer \(ConnectError\)"):
        wait_healthy({**undo, "tls_verify": True})


def test_app_service_stop_is_undone_by_a_start(arm, tmp_path):
    arm.answer("POST", "/stop", "ok.json")
    arm.answer("POST", "/start", "ok.json")
    with applied(fault(arm, "app-service-stop", "app-castiel-api-staging"), UndoJournal(tmp_path)):
        assert arm.calls() == [("POST", f"{SITE}/stop")]
    assert arm.calls() == [("POST", f"{SITE}/stop"), ("POST", f"{SITE}/start")]
    assert '"planned"' in first(arm, "POST", "/stop").watched


def test_redis_reboot_reboots_all_nodes_and_the_revert_waits_for_succeeded(arm, tmp_path):
    arm.answer("POST", "/forceReboot", "redis_reboot.json")
    arm.answer("GET", "/redis/redis-castiel-staging", "redis_updating.json", "redis_updating.json",
               "redis_succeeded.json")
    lines: list[str] = []
    with applied(fault(arm, "redis-reboot", "redis-castiel-staging"), UndoJournal(tmp_path), log=lines.append):
        pass
    reboot = first(arm, "POST", "/forceReboot")
    assert reboot.body == {"rebootType": "AllNodes"} and reboot.query["api-version"] == "2024-11-01"
    assert '"planned"' in reboot.watched
    assert arm.calls() == [("POST", f"{REDIS}/forceReboot")] + [("GET", REDIS)] * 3
    assert lines[-1].startswith("revert: nothing to undo: redis-castiel-staging provisioning state Succeeded")


def test_a_redis_that_never_comes_back_fails_the_revert_and_keeps_the_undo(arm, tmp_path):
    arm.answer("POST", "/forceReboot", "redis_reboot.json")
    arm.answer("GET", "/redis/redis-castiel-staging", "redis_updating.json")
    journal = UndoJournal(tmp_path)
    with pytest.raises(FaultError, match=r"^revert failed: Azure Cache for Redis redis-castiel-staging not back 0 s "
                                         r"after the reboot: provisioning state Updating -> check it .*"
                                         r"\(the next drillbook run replays it\)$"):
        with applied(fault(arm, "redis-reboot", "redis-castiel-staging", wait_s=0.3), journal):
            pass
    assert [p["kind"] for p in journal.pending()] == ["redis-reboot"]


def test_chaos_experiment_is_started_and_cancelled_to_the_end(arm, tmp_path):
    arm.answer("POST", "/start", "chaos_accepted.json")
    arm.answer("POST", "/cancel", "chaos_accepted.json")
    arm.answer("GET", OPERATION, "chaos_operation_running.json", "chaos_operation_done.json")
    lines: list[str] = []
    with applied(fault(arm, "chaos-experiment", "chaos-castiel-staging"), UndoJournal(tmp_path), log=lines.append):
        assert arm.calls() == [("POST", f"{EXPERIMENT}/start")]
    assert arm.calls()[:2] == [("POST", f"{EXPERIMENT}/start"), ("POST", f"{EXPERIMENT}/cancel")]
    assert ("GET", OPERATION) in arm.calls()  # the cancel is followed to its end
    assert first(arm, "POST", "/start").query["api-version"] == "2025-01-01"
    assert '"planned"' in first(arm, "POST", "/start").watched
    assert lines[-1] == "revert: Chaos Studio experiment chaos-castiel-staging cancelled"


def test_an_experiment_that_already_ended_needs_no_cancel(arm, tmp_path):
    arm.answer("POST", "/start", "chaos_accepted.json")
    arm.answer("POST", "/cancel", "chaos_not_running.json")
    lines: list[str] = []
    with applied(fault(arm, "chaos-experiment", "chaos-castiel-staging"), UndoJournal(tmp_path), log=lines.append):
        pass
    assert lines[-1] == "revert: Chaos Studio experiment chaos-castiel-staging had already ended: nothing to cancel"


def test_a_refused_cancel_says_so_and_keeps_the_undo_for_the_next_run(arm, tmp_path):
    arm.answer("POST", "/start", "chaos_accepted.json")
    arm.answer("POST", "/cancel", "forbidden.json")
    journal = UndoJournal(tmp_path)
    with pytest.raises(FaultError) as failed:
        with applied(fault(arm, "chaos-experiment", "chaos-castiel-staging"), journal):
            pass
    assert str(failed.value).startswith("revert failed: azure resource manager: permission denied (403 "
                                        "AuthorizationFailed) cancelling Chaos Studio experiment chaos-castiel-staging "
                                        "-> grant Chaos Studio Experiment Contributor on rg-castiel-staging to the "
                                        "identity drillbook signs in as (az login")
    assert "\n" not in str(failed.value)
    assert str(failed.value).endswith("(the next drillbook run replays it)")
    assert [p["undo"]["name"] for p in journal.pending()] == ["chaos-castiel-staging"]


def test_a_403_is_one_line_with_the_fix_and_nothing_is_left_applied(arm, tmp_path):
    arm.answer("POST", "/stop", "forbidden.json")
    arm.answer("POST", "/start", "ok.json")
    started = time.monotonic()
    with pytest.raises(FaultError) as failed:
        with applied(fault(arm, "app-service-stop", "app-castiel-api-staging"), UndoJournal(tmp_path)):
            pytest.fail("the body must not run when the injection was refused")
    message = str(failed.value)
    assert message.startswith("azure resource manager: permission denied (403 AuthorizationFailed) stopping App "
                              "Service app-castiel-api-staging -> grant Website Contributor on rg-castiel-staging "
                              "to the identity drillbook signs in as (az login")
    assert "\n" not in message
    assert time.monotonic() - started < WAIT_S
    assert arm.calls()[-1] == ("POST", f"{SITE}/start")  # the revert ran all the same


def test_an_unreachable_resource_manager_is_one_line_with_the_fix_in_bounded_time(tmp_path):
    with RecordedArm() as gone:
        port = gone.port  # closed below: nothing listens there any more
    started = time.monotonic()
    restart = create_fault("app-service-restart", resource=AzureResource(SUB, "rg-castiel-staging", "app"),
                           health_url=f"http://127.0.0.1:{port}/health", credential=FakeCredential(),
                           transport=LoopbackTransport(port), wait_s=0.2, poll_s=0.05)
    with pytest.raises(FaultError) as failed:
        restart.inject()
    assert str(failed.value) == ("azure resource manager: unreachable (ServiceRequestError) restarting App Service app "
                                 "-> check the network path and proxy to management.azure.com, then run again")
    assert time.monotonic() - started < WAIT_S


HOLDER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from loopback import FakeCredential, LoopbackTransport
    from drillbook.faults import UndoJournal, applied, create_fault
    from drillbook.faults.arm import AzureResource
    fault = create_fault("chaos-experiment", resource=AzureResource(sys.argv[2], "rg-castiel-staging",
                         "chaos-castiel-staging"), credential=FakeCredential(),
                         transport=LoopbackTransport(int(sys.argv[1])), wait_s=10, poll_s=0.05)
    with applied(fault, UndoJournal(Path(sys.argv[3])), log=print):
        print("applied", flush=True)
        time.sleep(120)
""")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupt_mid_experiment_still_cancels_it(arm, tmp_path, signum):
    arm.answer("POST", "/start", "chaos_accepted.json")
    arm.answer("POST", "/cancel", "chaos_accepted.json")
    arm.answer("GET", OPERATION, "chaos_operation_done.json")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(arm.port), SUB, str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert waiting.wait_for(lambda: "applied" in proc.stdout.readline(), WAIT_S)
        proc.send_signal(signum)
        output, stderr = proc.communicate(timeout=WAIT_S)
    finally:
        proc.kill()
    assert "KeyboardInterrupt" in stderr or "Terminated" in stderr, stderr
    assert "revert: Chaos Studio experiment chaos-castiel-staging cancelled" in output
    assert [c for c in arm.calls() if c[0] == "POST"] == [("POST", f"{EXPERIMENT}/start"),
                                                          ("POST", f"{EXPERIMENT}/cancel")]
    assert UndoJournal(tmp_path).pending() == []


def test_a_killed_run_leaves_an_undo_that_names_the_resource_and_no_credential(arm, tmp_path):
    arm.answer("POST", "/forceReboot", "redis_reboot.json")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    script = HOLDER.replace('"chaos-experiment"', '"redis-reboot"').replace('"chaos-castiel-staging"',
                                                                            '"redis-castiel-staging"')
    proc = subprocess.Popen([sys.executable, "-c", script, str(arm.port), SUB, str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert waiting.wait_for(lambda: "applied" in proc.stdout.readline(), WAIT_S)
    finally:
        proc.kill()
        proc.communicate(timeout=WAIT_S)
    orphans = UndoJournal(tmp_path).orphans()
    assert [(o["kind"], o["undo"]["name"], o["undo"]["subscription"]) for o in orphans] == [
        ("redis-reboot", "redis-castiel-staging", SUB)]
    assert FakeCredential.TOKEN not in json.dumps(orphans)
