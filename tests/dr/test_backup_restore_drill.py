"""The backup/restore drill against the real sandbox: it passes, a restore that loses documents fails it,
and its scratch container is gone afterwards either way."""

from __future__ import annotations

import json

import httpx
import pytest

LOCAL = "--env=local"


@pytest.fixture
def containers(sandbox):
    """``containers()``: the container names in the sandbox's Cosmos database, read directly."""
    from azure.cosmos import CosmosClient

    client = CosmosClient(sandbox.cosmos_url, sandbox.cosmos_key, connection_timeout=10,
                          enable_endpoint_discovery=False)
    yield lambda: sorted(c["id"] for c in client.get_database_client("castiel").list_containers())


@pytest.fixture
def shards(sandbox, faults):
    for index in range(12):
        response = httpx.post(f"{sandbox.url}/api/shards", json={"tenantId": "dr-test", "name": f"dr {index}"},
                              timeout=10)
        assert response.status_code == 201


def test_backup_restore_drill_passes_and_removes_its_scratch_container(run_drill, shards, containers):
    before = containers()
    result = run_drill("-m", "dr", LOCAL, paths=("chaos",))
    assert result.ret == 0, "\n".join(result.outlines[-20:])
    result.stdout.fnmatch_lines(["*dr: inject: restore of shards into scratch container drillbook_dr_*",
                                 "*dr: revert: scratch container drillbook_dr_* deleted*",
                                 "*dr: restore verified in * s (RTO 3600 s), data loss 0.0 s (RPO 900 s)*"])
    assert containers() == before


def test_a_restore_that_loses_documents_fails_the_drill(run_drill, faults, shards, containers):
    before = containers()
    faults.restore_loss_rate(0.25)
    result = run_drill("-m", "dr", LOCAL, paths=("chaos",))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*restore holds every backed-up document unchanged (counts and checksums): "
                                 "* documents restored of * backed up; * missing (*-> runbook §Backup and restore*"])
    assert containers() == before  # reverted after the failure too


def test_a_restore_slower_than_the_rto_fails_the_drill(run_drill, shards, env_file):
    path = env_file('[cosmos]\nendpoint = "sandbox"\n[dr]\nrto_s = 0.001\n')
    result = run_drill("-m", "dr", f"--env-file={path}", paths=("chaos",))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*restore verified within the RTO of 0.001 s: * s from restore start to verified "
                                 "restore*"])


def test_a_killed_drills_scratch_container_is_deleted_by_the_next_run(sandbox, faults, shards, containers,
                                                                      tmp_path, monkeypatch):
    from drillbook.faults import UndoJournal, replay_pending

    monkeypatch.setenv("SANDBOX_FAULT_TOKEN", sandbox.fault_token)
    journal = UndoJournal(tmp_path)
    journal.plan("scratch-restore", {"url": sandbox.url, "target": "drillbook_dr_killed"}, "restore into scratch")
    faults.restore("shards", "drillbook_dr_killed")  # the drill died here, with its scratch container in place
    journal.release()  # nobody renews its lease from here on, as when its process is killed
    assert "drillbook_dr_killed" in containers()
    [line] = replay_pending(UndoJournal(tmp_path))
    assert line.startswith("drillbook: reverted leftover fault restore into scratch left by ")
    assert line.endswith("(its lease released, nobody renews it): scratch container drillbook_dr_killed deleted")
    assert "drillbook_dr_killed" not in containers()


def test_a_passing_drill_records_the_build_it_drilled_for_the_migration_gate(run_drill, shards, tmp_path):
    from drillbook.gates import migration_finding
    from drillbook.store.local import LocalStore

    journal = tmp_path / "journal"
    result = run_drill("-m", "dr", LOCAL, f"--journal-dir={journal}", paths=("chaos",))
    assert result.ret == 0, "\n".join(result.outlines[-20:])
    assert migration_finding(LocalStore(journal), "drills.jsonl", version="1.4.2", environment="local") is None
    assert "no passing migration or DR drill of 1.4.3 on local" in migration_finding(
        LocalStore(journal), "drills.jsonl", version="1.4.3", environment="local")


def test_the_record_names_what_was_measured_apart_from_its_objective(run_drill, shards, tmp_path):
    """``time_to_recover_s`` is measured and ``rto_objective_s`` is [dr] rto_s, as in every recovery record."""
    journal = tmp_path / "journal"
    result = run_drill("-m", "dr", LOCAL, f"--journal-dir={journal}", paths=("chaos",))
    assert result.ret == 0, "\n".join(result.outlines[-20:])
    [figures] = json.loads((journal / "drills.jsonl").read_text())["chaos"].values()
    assert set(figures) == {"drill", "fault", "time_to_recover_s", "rto_objective_s", "data_loss_s", "rpo_objective_s"}
    assert (figures["rto_objective_s"], figures["rpo_objective_s"]) == (3600, 900)
    assert 0 < figures["time_to_recover_s"] < 3600 and figures["data_loss_s"] == 0
    attached = [json.loads(p.read_text()) for p in run_drill.results.glob("*-attachment.json")]
    record = next(a for a in attached if "scratch" in a)
    assert {k: record[k] for k in ("time_to_recover_s", "rto_objective_s")} == {
        k: figures[k] for k in ("time_to_recover_s", "rto_objective_s")}
