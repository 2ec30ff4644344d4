"""The contract drill's ledger of drill writes and the configuration undo in a shared blob store: what a run killed on
one "machine" (its own checkout and journal folder) left is swept or applied from another, never while its run lives.

Real Azurite and the real sandbox, on loopback; a killed run's lease runs out by itself (15 s), nothing is broken.
"""

from __future__ import annotations

import json
import signal
import time
import uuid
from pathlib import Path

import httpx
import pytest

from drillbook.contract import ContractSettings, WriteLedger, run_contract
from drillbook.errors import StoreError
from drillbook.gates._config import pending_undo, write_undo
from drillbook.store import Holder
from drillbook.store.owned import LEASE_S
from interrupted_runs import InterruptibleRun
from pytest_runs import scratch_repository
from stores import CONNECTION_VAR, blob_env, blob_record, open_test_store
from waiting import wait_for

ROUND_TRIP = ("-m", "smoke and destructive", "-k", "round_trip")  # a write drill: it sweeps before it writes
MACHINE_B = Holder(who="bob", host="machine-b", run_id="b2b2b2b2", drill="test")


def tenant_shards(sandbox, tenant: str) -> list[dict]:
    response = httpx.get(f"{sandbox.url}/api/shards", params={"tenantId": tenant, "limit": 100}, timeout=5)
    return response.json()["items"]


def ledger_entries(store, name: str) -> list[dict]:
    return [json.loads(line) for line in (store.read(name) or b"").decode().splitlines() if line.strip()]


def test_a_killed_contract_runs_ledger_stays_in_the_store_and_another_machine_sweeps_it(
        run_drill, faults, sandbox, azurite, blob_store, env_file, tmp_path):
    environ = {CONNECTION_VAR: azurite.connection_string}
    path = blob_env(env_file, blob_store.container_name, "\n[contract]\nmax_examples = 100\nmax_seconds = 120\n")
    (tmp_path / "machine-a").mkdir()
    machine_a = scratch_repository(run_drill.repo, tmp_path / "machine-a")
    argv, env = run_drill.command("-m", "contract and destructive", f"--env-file={path}",
                                  f"--journal-dir={machine_a / 'journal'}", paths=("checks",), environ=environ)
    run = InterruptibleRun(argv, machine_a, env)
    try:
        assert wait_for(lambda: blob_store.list("drill-writes/"), timeout=120), "no ledger in the store:\n" + run.output
        [name] = blob_store.list("drill-writes/")
        assert wait_for(lambda: any("created" in e for e in ledger_entries(blob_store, name)), timeout=60), run.output
    finally:
        run.signal(signal.SIGKILL)  # a cancelled runner: no teardown, no cleanup
        run.finish()
    [head, *entries] = ledger_entries(blob_store, name)
    tenant = head["tenant"]
    assert name == f"drill-writes/{tenant}.jsonl" and head["owner"]["lease"] == f"leases/ledger-{tenant}"
    assert tenant_shards(sandbox, tenant), "the killed run left nothing on the target: the test proves nothing"
    assert not (machine_a / "journal" / "drill-writes").exists()  # the ledger never lived on machine A's disk
    created = [entry["created"] for entry in entries if "created" in entry]

    # the lease runs out by itself (its renewer died with the run): no break, no pid
    assert wait_for(lambda: blob_store.inspect_lease(head["owner"]["lease"]).expired, timeout=LEASE_S + 15)
    machine_b = tmp_path / "machine-b"
    result = run_drill(*ROUND_TRIP, f"--env-file={path}", f"--journal-dir={machine_b / 'journal'}", environ=environ)
    result.assert_outcomes(passed=1)
    assert tenant_shards(sandbox, tenant) == [] and created
    assert blob_store.list("drill-writes/") == []  # swept, and the sweeping run's own ledger is gone too
    assert json.loads(blob_store.read("drills.jsonl").splitlines()[-1])["drill_writes_left"] == 0


def test_a_live_runs_ledger_is_never_swept_from_another_machine(run_drill, faults, sandbox, azurite, blob_store,
                                                                 env_file, tmp_path):
    environ = {CONNECTION_VAR: azurite.connection_string}
    tenant = f"drillbook-drill-live-{uuid.uuid4().hex[:6]}"
    ledger = WriteLedger.open(blob_store, "drill-env", sandbox.url, tenant, ["/api/shards"], MACHINE_B)
    try:
        ledger.sending()
        answer = httpx.post(f"{sandbox.url}/api/shards", json={"tenantId": tenant, "name": "live"}, timeout=5)
        ledger.answered("/api/shards", answer.status_code, answer.json())
        assert len(tenant_shards(sandbox, tenant)) == 1
        path = blob_env(env_file, blob_store.container_name)
        result = run_drill(*ROUND_TRIP, f"--env-file={path}", f"--journal-dir={tmp_path / 'other'}", environ=environ)
        result.assert_outcomes(passed=1)
        assert len(tenant_shards(sandbox, tenant)) == 1 and blob_store.list("drill-writes/") == [ledger.name]
        entry = json.loads(blob_store.read("drills.jsonl").splitlines()[-1])
        assert entry["drill_writes_left"] == 1  # the live run's write is counted, not removed
        assert ledger.kept.lost is None  # renewed all along
    finally:
        from drillbook.contract import remove_writes

        assert remove_writes(ledger, timeout_s=3) == 0
    assert blob_store.list("drill-writes/") == [] and tenant_shards(sandbox, tenant) == []


def test_a_configuration_undo_in_the_blob_store_is_found_by_another_machine(azurite, blob_store, monkeypatch):
    monkeypatch.setenv(CONNECTION_VAR, azurite.connection_string)
    machine_b = open_test_store("blob", blob_store.container_name)  # another client: only the container is shared
    target = "App Service app-castiel-api-staging (rg-castiel) application settings"
    undo = write_undo(blob_store, target=target, holder=Holder(who="alice", host="machine-a", run_id="a1a1a1a1"))
    assert pending_undo(machine_b, target=target, holder=MACHINE_B) is None  # its drill renews the lease
    assert pending_undo(machine_b, target="another app's settings", holder=MACHINE_B) is None
    undo.kept.release()  # the drill stopped renewing without finishing (as a killed one does, at once)
    found = pending_undo(machine_b, target=target, holder=MACHINE_B)
    assert found is not None and found.record["target"] == target and found.record["holder"]["host"] == "machine-a"
    assert machine_b.inspect_lease(found.kept.name).holder.host == "machine-b"  # now the finder's to apply
    found.done()
    assert pending_undo(machine_b, target=target, holder=MACHINE_B) is None and blob_store.list("config-undo/") == []


def test_a_store_that_does_not_answer_stops_the_writes_before_any_leaves_with_one_line_naming_it(document_target,
                                                                                              monkeypatch):
    from sandbox.azurite import DEV_ACCOUNT, DEV_KEY
    from sandbox.processes import free_ports

    from drillbook.store import open_store

    endpoint = f"http://127.0.0.1:{free_ports(1)[0]}/{DEV_ACCOUNT}"
    monkeypatch.setenv(CONNECTION_VAR, f"AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};BlobEndpoint={endpoint};")
    store = open_store(blob_record("drillbook-record", timeout_s=1), Path("unused"), where="test.toml")
    document, target, posts = document_target
    settings = ContractSettings(base_url=target, max_examples=2, max_seconds=20, timeout_s=2, negative_data=False,
                                allow_writes=True, select="writes", environment="staging-test", ledger_store=store)
    started = time.monotonic()
    with pytest.raises(StoreError) as raised:
        run_contract(document, settings)
    assert time.monotonic() - started < 20
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"store azure blob {endpoint}, container drillbook-record: ")
    assert posts == []  # no write left without its ledger entry in the store


@pytest.fixture
def document_target():
    """A target whose document has one creating write; it counts the POSTs that reach it."""
    from http.server import BaseHTTPRequestHandler

    from loopback import LoopbackServer, reply_json

    posts: list[str] = []
    document = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
        "/api/shards": {"post": {"requestBody": {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"tenantId": {"type": "string"}}, "required": ["tenantId"]}}}},
            "responses": {"201": {"description": "created"}}}},
        "/api/shards/{id}": {"delete": {"parameters": [{"name": "id", "in": "path", "required": True,
                                                        "schema": {"type": "string"}}],
                                        "responses": {"204": {"description": "gone"}}}}}}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            posts.append(self.path)
            reply_json(self, 201, {"id": "1"})

        def log_message(self, *args: object) -> None:
            """Quiet."""

    with LoopbackServer(Handler) as server:
        yield document, server.url, posts


def test_a_store_that_stops_mid_write_drill_ends_the_run_with_one_line_naming_it(run_drill, faults, sandbox, env_file,
                                                                                 tmp_path, monkeypatch):
    from sandbox.azurite import start_azurite

    container = f"t-{uuid.uuid4().hex[:12]}"
    path = blob_env(env_file, container, "timeout_s = 2\n\n[contract]\nmax_examples = 100\nmax_seconds = 120\n")
    with start_azurite(tmp_path / "azurite") as azurite:
        monkeypatch.setenv(CONNECTION_VAR, azurite.connection_string)
        store = open_test_store("blob", container)
        store.create_container()
        argv, env = run_drill.command("-m", "contract and destructive", f"--env-file={path}",
                                      f"--journal-dir={tmp_path / 'journal'}", paths=("checks",),
                                      environ={CONNECTION_VAR: azurite.connection_string})
        run = InterruptibleRun(argv, run_drill.workdir, env)
        try:
            assert wait_for(lambda: store.list("drill-writes/"), timeout=120), "no ledger in the store:\n" + run.output
            [name] = store.list("drill-writes/")
            assert wait_for(lambda: any("created" in e for e in ledger_entries(store, name)), timeout=60), run.output
            tenant = ledger_entries(store, name)[0]["tenant"]
            azurite.process.stop(timeout=1.0)
            stopped = time.monotonic()
            rc, output = run.finish(timeout=60)
        finally:
            run.signal(signal.SIGKILL)
    assert time.monotonic() - stopped < 30
    assert rc == 1, output
    named = f"drillbook: store azure blob {azurite.account_url}, container {container}: unreachable "
    assert len([line for line in output.splitlines() if line.lstrip("! ").startswith(named)]) == 1, output
    assert "Traceback" not in output and "StoreError" not in output
    assert tenant_shards(sandbox, tenant) == []  # the drill's cleanup needs the target, not the store
