"""The DR drill on Azure through the real azure-mgmt-cosmosdb client against recorded answers on loopback: the backup
policy against the targets, a point-in-time restore into a new account, and that account deleted in every case."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from loopback import FakeCredential, loopback_only  # noqa: F401 - the guard applies here
from recorded_arm import RecordedArm

import waiting

from drillbook.config.sections import DrSection
from drillbook.dr.pitr import AzurePlan, run_pitr_drill
from drillbook.errors import TargetError
from drillbook.faults import UndoJournal
from drillbook.faults.arm import AzureResource

SUB = "00000000-0000-0000-0000-000000000000"
ACCOUNTS = f"/subscriptions/{SUB}/resourceGroups/rg-castiel-staging/providers/Microsoft.DocumentDB/databaseAccounts"
LIVE = f"{ACCOUNTS}/cosmos-castiel-staging"
RESTORED = "/databaseAccounts/cosmos-castiel-staging-dr-[0-9a-f]{6}"
RESTORABLE = f"/subscriptions/{SUB}/providers/Microsoft.DocumentDB/locations/westeurope/restorableDatabaseAccounts"
SOURCE = f"{RESTORABLE}/bbbbbbbb-0000-4000-8000-0000000000e2"  # the live instance, not the deleted one
SETTINGS = {"backup_policy": "continuous", "min_retention_h": 168.0, "restore_point_age_s": 600.0, "rto_s": 30.0,
            "poll_interval_s": 0.05}
WAIT_S = 60  # generous: the machine is shared


@pytest.fixture
def arm(tmp_path):
    with RecordedArm() as server:
        server.watch = tmp_path / "undo.jsonl"
        server.answer("GET", "/databaseAccounts/cosmos-castiel-staging", "cosmos_continuous.json")
        server.answer("GET", "/restorableDatabaseAccounts", "restorable_accounts.json")
        server.answer("PUT", RESTORED, "restored_creating.json")
        server.answer("GET", RESTORED, "restored_creating.json", "restored_creating.json", "restored_succeeded.json")
        server.answer("DELETE", RESTORED, "delete_accepted.json")
        yield server


def plan(arm, tmp_path, lines: list[str] | None = None, **settings) -> AzurePlan:
    return AzurePlan(AzureResource(SUB, "rg-castiel-staging", "cosmos-castiel-staging"), "westeurope",
                     DrSection(**{**SETTINGS, **settings}), UndoJournal(tmp_path), log=(lines if lines is not None else []).append,
                     client_options={"credential": FakeCredential(), "transport": arm.transport()})


def methods(arm) -> list[str]:
    return [f"{method} {path.rsplit('/', 1)[-1]}" for method, path in arm.calls()]


def test_restore_into_a_new_account_is_polled_timed_recorded_and_deleted(arm, tmp_path):
    lines: list[str] = []
    record = run_pitr_drill(plan(arm, tmp_path, lines))
    assert record.failures() == []
    restored = record.restored
    assert methods(arm) == ["GET cosmos-castiel-staging", "GET restorableDatabaseAccounts", f"PUT {restored}",
                            f"GET {restored}", f"GET {restored}", f"GET {restored}", f"DELETE {restored}"]
    put = next(s for s in arm.seen if s.method == "PUT")
    assert put.path == f"{ACCOUNTS}/{restored}" and put.query["api-version"] == "2026-03-15"
    assert put.body["properties"]["createMode"] == "Restore"
    assert put.body["properties"]["restoreParameters"]["restoreSource"] == SOURCE
    assert put.body["properties"]["restoreParameters"]["restoreTimestampInUtc"].startswith(record.restore_to[:16])
    assert '"cosmos-restore"' in put.watched and restored in put.watched  # the delete is on disk first
    journal = record.journal_figures()  # what the dr_drill fixture gives the drill journal
    assert journal["restored_account"] == restored and journal["restored_to"] == record.restore_to
    assert 0 <= journal["restore_duration_s"] == journal["time_to_recover_s"] < WAIT_S
    assert journal["rto_objective_s"] == SETTINGS["rto_s"] and "rto_s" not in journal  # measured apart from objective
    assert any(f"dr: restore of cosmos-castiel-staging into {restored}: Creating after" in line for line in lines)
    assert lines[-1] == f"dr: revert: restored account {restored} deleted (delete accepted by Azure)"
    assert UndoJournal(tmp_path).pending() == []


def test_a_periodic_backup_policy_fails_with_both_values_and_restores_nothing(arm, tmp_path):
    arm.answer("GET", "/databaseAccounts/cosmos-castiel-staging", "cosmos_periodic.json")
    record = run_pitr_drill(plan(arm, tmp_path))
    policy, retention = [f.message() for f in record.failures()]
    assert policy.startswith("backup policy is continuous: cosmos-castiel-staging has periodic (every 240 min, kept "
                             "8 h); [dr] backup_policy wants continuous (source: Cosmos DB account "
                             "cosmos-castiel-staging (rg-castiel-staging)) -> runbook §Backup and restore: ")
    assert retention.startswith("backups kept at least 168 h: retention 8 h (limit: at least 168 h, [dr] "
                                "min_retention_h) (source: ")
    assert methods(arm) == ["GET cosmos-castiel-staging"]


def test_a_retention_shorter_than_the_target_fails_with_both_values(arm, tmp_path):
    record = run_pitr_drill(plan(arm, tmp_path, min_retention_h=720.0))
    assert [f.detail for f in record.failures()] == [
        "retention 168 h (limit: at least 720 h, [dr] min_retention_h)"]


def test_a_30_day_tier_meets_a_30_day_target(arm, tmp_path):
    arm.answer("GET", "/databaseAccounts/cosmos-castiel-staging", "cosmos_continuous30.json")
    assert run_pitr_drill(plan(arm, tmp_path, min_retention_h=720.0)).failures() == []


def test_a_restore_slower_than_the_objective_fails_with_the_measured_time_and_is_deleted(arm, tmp_path):
    arm.answer("GET", RESTORED, "restored_creating.json")
    record = run_pitr_drill(plan(arm, tmp_path, rto_s=0.5))
    [late] = record.failures()
    assert late.check == "point-in-time restore into a new account finishes within the RTO of 0.5 s"
    assert late.detail.startswith("provisioning state Creating after 0.")
    assert late.detail.endswith(" s (objective 0.5 s, [dr] rto_s)") and record.duration_s is None
    assert methods(arm)[-1] == f"DELETE {record.restored}"


def test_a_refused_read_is_one_line_with_the_fix(arm, tmp_path):
    arm.answer("GET", "/databaseAccounts/cosmos-castiel-staging", "forbidden.json")
    started = time.monotonic()
    with pytest.raises(TargetError) as failed:
        run_pitr_drill(plan(arm, tmp_path))
    assert str(failed.value).startswith("azure resource manager: permission denied (403 AuthorizationFailed) "
                                        "reading the backup policy of cosmos-castiel-staging -> grant DocumentDB "
                                        "Account Contributor and CosmosRestoreOperator on rg-castiel-staging")
    assert "\n" not in str(failed.value)
    assert time.monotonic() - started < WAIT_S


def test_an_account_never_created_needs_no_delete(arm, tmp_path):
    arm.answer("PUT", RESTORED, "forbidden.json")
    arm.answer("DELETE", RESTORED, "not_found.json")
    lines: list[str] = []
    with pytest.raises(Exception, match=r"\(403 AuthorizationFailed\) restoring cosmos-castiel-staging to "):
        run_pitr_drill(plan(arm, tmp_path, lines))
    assert lines[-1].startswith("dr: revert: restored account cosmos-castiel-staging-dr-")
    assert lines[-1].endswith("was never created")


RUNNER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from loopback import FakeCredential, LoopbackTransport
    from drillbook.config.sections import DrSection
    from drillbook.dr.pitr import AzurePlan, run_pitr_drill
    from drillbook.faults import UndoJournal
    from drillbook.faults.arm import AzureResource
    settings = {"backup_policy": "continuous", "min_retention_h": 168.0, "restore_point_age_s": 600.0,
                "rto_s": 120.0, "poll_interval_s": 0.05}
    run_pitr_drill(AzurePlan(AzureResource(sys.argv[2], "rg-castiel-staging", "cosmos-castiel-staging"),
                             "westeurope", DrSection(**settings), UndoJournal(Path(sys.argv[3])), log=print,
                             client_options={"credential": FakeCredential(),
                                             "transport": LoopbackTransport(int(sys.argv[1]))}))
""")


def test_an_interrupted_restore_still_deletes_the_restored_account(arm, tmp_path):
    arm.answer("GET", RESTORED, "restored_creating.json")  # never finishes: the drill is mid-restore
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(arm.port), SUB, str(tmp_path)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert waiting.wait_for(lambda: any(s.method == "PUT" for s in arm.seen), WAIT_S)
        proc.send_signal(signal.SIGINT)
        output, stderr = proc.communicate(timeout=WAIT_S)
    finally:
        proc.kill()
    assert "KeyboardInterrupt" in stderr, stderr
    restored = next(s for s in arm.seen if s.method == "PUT").path.rsplit("/", 1)[-1]
    assert methods(arm)[-1] == f"DELETE {restored}"
    assert f"dr: revert: restored account {restored} deleted (delete accepted by Azure)" in output
    assert UndoJournal(tmp_path).pending() == []


def test_a_restore_drill_without_the_accounts_region_is_one_line_naming_the_key(env_file):
    from drillbook.config.environments import load_environment
    from drillbook.errors import ConfigError
    from drillbook.fixtures.dr import azure_account

    path = env_file(f'[azure]\nsubscription_id = "{SUB}"\nresource_group = "rg-castiel-staging"\n'
                    'cosmos_account = "cosmos-castiel-staging"\n')
    with pytest.raises(ConfigError, match=r"^drill-env.toml: \[azure\] needs location for the point-in-time restore "
                                          r"drill -> add the Cosmos account's region, e.g. location = \"westeurope\"$"):
        azure_account(load_environment(path=path))
