"""What the contract drill writes carries the run's drill tenant, is removed afterwards, and a killed run's is swept.

These run against the real sandbox: its shards API is the one Castiel's writes go to.
"""

import json
import os
import socket
import subprocess
import sys
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from drillbook.contract import ContractSettings, WriteLedger, describe_report, pending_writes, run_contract, sweep_stale
from drillbook.store.local import LocalStore

import waiting
from invalid_names import invalid_names  # noqa: F401 (a fixture)
from load_drill import alive  # /proc's state: a zombie counts as gone, as it does for drillbook.runtime.pids
from loopback import LoopbackServer, reply_json


@pytest.fixture
def document(sandbox):
    return httpx.get(f"{sandbox.url}/openapi.json", timeout=5).json()


def write_settings(sandbox, tmp_path, **overrides) -> ContractSettings:
    values = {"base_url": sandbox.url, "max_examples": 8, "max_seconds": 30, "timeout_s": 3, "negative_data": False,
              "allow_writes": True, "select": "writes", "environment": "local-test",
              "ledger_store": LocalStore(tmp_path / "journal"), "exclude": ("POST /api/embeddings/jobs",)}
    return ContractSettings(**{**values, **overrides})


def ledger_files(tmp_path) -> list:
    """The ledgers a local store keeps: today's files, <journal dir>/drill-writes/<tenant>.jsonl."""
    folder = tmp_path / "journal" / "drill-writes"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def tenant_shards(sandbox, tenant: str) -> list[dict]:
    response = httpx.get(f"{sandbox.url}/api/shards", params={"tenantId": tenant, "limit": 100}, timeout=5)
    return response.json()["items"]


def test_writes_carry_the_run_drill_tenant_and_are_all_removed(sandbox, faults, document, tmp_path):
    report = run_contract(document, write_settings(sandbox, tmp_path))
    assert report.writes_tenant.startswith("drillbook-drill-") and report.writes_created > 3
    assert report.writes_left == 0 and tenant_shards(sandbox, report.writes_tenant) == []
    assert (tmp_path / "journal" / "drill-writes").is_dir() and ledger_files(tmp_path) == []  # nothing left: no ledger
    assert (f"drill writes under tenant {report.writes_tenant}: {report.writes_created} created, all removed"
            in describe_report(report))


def test_a_run_that_reads_sends_no_write_and_writes_nothing(sandbox, faults, document, tmp_path):
    report = run_contract(document, write_settings(sandbox, tmp_path, select="reads"))
    assert report.writes_tenant is None and report.examples > 0
    assert {op.split()[0] for op in report.operations} == {"GET"}
    assert not (tmp_path / "journal").exists()


def test_writes_cleanup_could_not_remove_are_counted_and_swept_by_a_later_run(sandbox, faults, document, tmp_path):
    faults.inject("/api/shards/{id}", status=500, error_rate=1.0)  # DELETE by id fails: the shards stay
    report = run_contract(document, write_settings(sandbox, tmp_path))
    left = tenant_shards(sandbox, report.writes_tenant)
    assert report.writes_left == len(left) > 0
    assert {shard["tenantId"] for shard in left} == {report.writes_tenant}  # every write carried the drill tenant
    store = LocalStore(tmp_path / "journal")
    assert pending_writes(store, "local-test") == report.writes_left and pending_writes(store, "other") == 0
    [ledger_path] = ledger_files(tmp_path)
    assert json.loads(ledger_path.read_text().splitlines()[-1]) == {"left": report.writes_left}

    faults.reset()  # its run let go of the ledger (released its lease): the next write drill sweeps it
    assert sweep_stale(store, "local-test", timeout_s=3) == [(report.writes_tenant, report.writes_created, 0)]
    assert tenant_shards(sandbox, report.writes_tenant) == [] and ledger_files(tmp_path) == []


def only_the_create(document) -> tuple[str, ...]:
    """Every write operation but POST /api/shards: the one write that leaves something behind."""
    writes = [f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
              if method.upper() in ("POST", "PUT", "PATCH", "DELETE")]
    return tuple(label for label in writes if label != "POST /api/shards")


def dead_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("target", ["unresolvable", "refused"])
def test_a_write_that_never_left_this_machine_is_not_left_on_the_target(document, tmp_path, invalid_names, target):
    """Nothing was sent, so nothing is on the target: no write left, no ledger kept, none pending in the journal.

    127.0.0.2 is loopback but not the sandbox's address, so no write is excused as gone with a sandbox.
    """
    url = f"http://{invalid_names}" if target == "unresolvable" else f"http://127.0.0.2:{dead_port('127.0.0.2')}"
    settings = ContractSettings(base_url=url, max_examples=2, max_seconds=20, timeout_s=2, negative_data=False,
                                allow_writes=True, select="writes", environment="staging-test",
                                ledger_store=LocalStore(tmp_path / "journal"), exclude=only_the_create(document))
    report = run_contract(document, settings)
    assert report.failures and "unreachable" in report.failures[0].breaches[0].detail
    assert report.writes_left == 0 and report.writes_created == 0
    assert ledger_files(tmp_path) == []
    assert pending_writes(LocalStore(tmp_path / "journal"), "staging-test") == 0


def unsure_target(answer: int | None) -> LoopbackServer:
    """A target whose answer to every request says nothing of what it did: ``answer`` (a 5xx), or none at all."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.do_GET()

        def do_GET(self) -> None:  # noqa: N802 - the tenant's listing fails the same way
            if answer is None:
                server.stall()
            else:
                reply_json(self, answer, {"detail": "upstream failed"})

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = LoopbackServer(Handler)
    return server


@pytest.mark.parametrize("answer, left", [(500, 1), (None, 1), (422, 0)], ids=["5xx", "no answer", "refused"])
def test_a_write_that_may_have_landed_stays_ledgered(document, tmp_path, answer, left):
    """A 5xx or a timeout after the request went out may have created a shard the failing listing cannot show
    gone: it stays counted, and its ledger stays for the next run. A 4xx created nothing."""
    with unsure_target(answer) as target:
        settings = ContractSettings(base_url=target.url, max_examples=1, max_seconds=20, timeout_s=0.5,
                                    negative_data=False, allow_writes=True, select="writes",
                                    environment="staging-test", ledger_store=LocalStore(tmp_path / "journal"),
                                    exclude=only_the_create(document))
        report = run_contract(document, settings)
    assert report.examples >= 1 and report.writes_created == 0
    assert report.writes_left == left
    assert pending_writes(LocalStore(tmp_path / "journal"), "staging-test") == left
    assert len(ledger_files(tmp_path)) == (1 if left else 0)


def test_a_ledger_counts_a_write_in_flight_when_it_is_read_back(tmp_path):
    """Killed while the POST was out: the next run reads it as possibly on the target, until cleanup says."""
    store = LocalStore(tmp_path)
    ledger = WriteLedger.open(store, "staging", "https://api-staging.castiel.com", "drillbook-drill-x", ["/api/shards"])
    ledger.sending()
    assert WriteLedger.load(store, ledger.name).pending == 1
    ledger.answered("/api/shards", 201, {"id": "7"})
    assert WriteLedger.load(store, ledger.name).created == ["/api/shards/7"]
    assert WriteLedger.load(store, ledger.name).pending == 1
    ledger.sending()
    ledger.never_sent()
    assert WriteLedger.load(store, ledger.name).pending == 1
    ledger.release()


def test_a_ledger_names_its_tenant_before_the_first_write(tmp_path):
    store = LocalStore(tmp_path)
    ledger = WriteLedger.open(store, "staging", "https://api-staging.castiel.com", "drillbook-drill-x", ["/api/shards"])
    assert WriteLedger.load(store, ledger.name).tenant == "drillbook-drill-x" and ledger.pending == 0
    assert (tmp_path / "drill-writes" / "drillbook-drill-x.jsonl").is_file()  # where a local store kept it before
    ledger.record("/api/shards/1")
    assert WriteLedger.load(store, ledger.name).created == ["/api/shards/1"]
    ledger.release()


def test_a_line_a_kill_cut_short_is_ended_and_skipped(tmp_path):
    store = LocalStore(tmp_path)
    ledger = WriteLedger.open(store, "staging", "https://api-staging.castiel.com", "drillbook-drill-x", ["/api/shards"])
    with (tmp_path / ledger.name).open("a") as handle:
        handle.write('{"sett')  # a kill mid-write
    ledger.answered("/api/shards", 201, {"id": "7"})
    assert WriteLedger.load(store, ledger.name).created == ["/api/shards/7"]
    ledger.release()


def test_a_ledger_on_this_machine_whose_process_was_killed_but_not_reaped_is_swept_at_once(tmp_path):
    """A local store serves one machine: a zombie still answers kill(pid, 0); drillbook.runtime.pids reads it as gone,
    so its writes are swept without waiting for its lease to run out."""
    store = LocalStore(tmp_path)
    ledger = WriteLedger.open(store, "local-test", "http://127.0.0.1:1", "drillbook-drill-z", ["/api/shards"])
    assert sweep_stale(store, "local-test", timeout_s=1) == []  # this process owns it, and its lease is held
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        owner.kill()
        assert waiting.wait_for(lambda: not alive(owner.pid), timeout=30), "the killed owner still runs"
        _set_owner_pid(tmp_path / ledger.name, "not a pid")
        assert sweep_stale(store, "local-test", timeout_s=1) == []  # unreadable owner: left to its lease
        _set_owner_pid(tmp_path / ledger.name, owner.pid)
        assert sweep_stale(store, "local-test", timeout_s=1) == [("drillbook-drill-z", 0, 0)]
    finally:
        owner.wait(timeout=30)
    assert not (tmp_path / ledger.name).exists()
    ledger.release()  # its renewer found the lease broken: nothing left to give back


def test_a_ledger_without_a_lease_from_before_is_judged_by_its_process_alone(tmp_path):
    """Ledgers a local store kept before leases: swept once their process is gone, never while it lives."""
    folder = tmp_path / "drill-writes"
    folder.mkdir()
    head = {"environment": "local-test", "base_url": "http://127.0.0.1:1", "tenant": "drillbook-drill-old",
            "collections": ["/api/shards"], "owner": {"pid": os.getpid(), "host": socket.gethostname()}}
    (folder / "drillbook-drill-old.jsonl").write_text(json.dumps(head) + "\n")
    store = LocalStore(tmp_path)
    assert sweep_stale(store, "local-test", timeout_s=1) == []
    _owned_by_a_dead_process(folder / "drillbook-drill-old.jsonl")
    assert sweep_stale(store, "local-test", timeout_s=1) == [("drillbook-drill-old", 0, 0)]
    assert list(folder.iterdir()) == []


def _owned_by_a_dead_process(path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    _set_owner_pid(path, int(done.stdout))


def _set_owner_pid(path, pid) -> None:
    lines = path.read_text().splitlines()
    head = json.loads(lines[0])
    head["owner"]["pid"] = pid
    path.write_text("\n".join([json.dumps(head), *lines[1:]]) + "\n")


def test_a_run_that_lost_its_ledgers_lease_sends_no_further_write(tmp_path):
    """Another run took the ledger over (its lease was broken): the renewer says so, and the next write never leaves."""
    from drillbook.errors import LeaseLost

    store = LocalStore(tmp_path)
    ledger = WriteLedger.open(store, "staging", "https://api-staging.castiel.com", "drillbook-drill-x", ["/api/shards"])
    store.break_lease(ledger.owner["lease"])
    assert waiting.wait_for(lambda: ledger.kept.lost is not None, timeout=15), "the renewer did not notice"
    before = store.read(ledger.name)
    with pytest.raises(LeaseLost, match=r"lease leases/ledger-drillbook-drill-x was lost .* -> stop the drill"):
        ledger.sending()
    assert store.read(ledger.name) == before
    ledger.release()
