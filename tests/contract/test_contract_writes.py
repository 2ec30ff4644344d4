"""What the contract drill writes carries the run's drill tenant, is removed afterwards, and a killed run's is swept.

These run against the real sandbox: its shards API is the one Castiel's writes go to.
"""

import json
import socket
import subprocess
import sys
from http.server import BaseHTTPRequestHandler

import httpx
import pytest

from drillbook.contract import ContractSettings, WriteLedger, describe_report, pending_writes, run_contract, sweep_stale

import waiting
from invalid_names import invalid_names  # noqa: F401 (a fixture)
from load_drill import alive  # /proc's state: a zombie counts as gone, as it does for drillbook.runtime.pids
from loopback import LoopbackServer, reply_json


@pytest.fixture
def document(sandbox):
    return httpx.get(f"{sandbox.url}/openapi.json", timeout=5).json()


def write_settings(sandbox, tmp_path, **overrides) -> ContractSettings:
    values = {"base_url": sandbox.url, "max_examples": 8, "max_seconds": 30, "timeout_s": 3, "negative_data": False,
              "allow_writes": True, "select": "writes", "environment": "local-test", "ledger_dir": tmp_path / "ledgers",
              "exclude": ("POST /api/embeddings/jobs",)}
    return ContractSettings(**{**values, **overrides})


def tenant_shards(sandbox, tenant: str) -> list[dict]:
    response = httpx.get(f"{sandbox.url}/api/shards", params={"tenantId": tenant, "limit": 100}, timeout=5)
    return response.json()["items"]


def test_writes_carry_the_run_drill_tenant_and_are_all_removed(sandbox, faults, document, tmp_path):
    report = run_contract(document, write_settings(sandbox, tmp_path))
    assert report.writes_tenant.startswith("drillbook-drill-") and report.writes_created > 3
    assert report.writes_left == 0 and tenant_shards(sandbox, report.writes_tenant) == []
    assert list((tmp_path / "ledgers").iterdir()) == []  # nothing left, so no ledger either
    assert (f"drill writes under tenant {report.writes_tenant}: {report.writes_created} created, all removed"
            in describe_report(report))


def test_a_run_that_reads_sends_no_write_and_writes_nothing(sandbox, faults, document, tmp_path):
    report = run_contract(document, write_settings(sandbox, tmp_path, select="reads"))
    assert report.writes_tenant is None and report.examples > 0
    assert {op.split()[0] for op in report.operations} == {"GET"}
    assert not (tmp_path / "ledgers").exists()


def test_writes_cleanup_could_not_remove_are_counted_and_swept_by_a_later_run(sandbox, faults, document, tmp_path):
    faults.inject("/api/shards/{id}", status=500, error_rate=1.0)  # DELETE by id fails: the shards stay
    report = run_contract(document, write_settings(sandbox, tmp_path))
    left = tenant_shards(sandbox, report.writes_tenant)
    assert report.writes_left == len(left) > 0
    assert {shard["tenantId"] for shard in left} == {report.writes_tenant}  # every write carried the drill tenant
    ledgers = tmp_path / "ledgers"
    assert pending_writes(ledgers, "local-test") == report.writes_left and pending_writes(ledgers, "other") == 0

    faults.reset()
    assert sweep_stale(ledgers, "local-test", timeout_s=3) == []  # its owner (this process) still runs
    [ledger_path] = ledgers.iterdir()
    _owned_by_a_dead_process(ledger_path)
    assert sweep_stale(ledgers, "local-test", timeout_s=3) == [(report.writes_tenant, report.writes_created, 0)]
    assert tenant_shards(sandbox, report.writes_tenant) == [] and list(ledgers.iterdir()) == []


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
                                ledger_dir=tmp_path / "ledgers", exclude=only_the_create(document))
    report = run_contract(document, settings)
    assert report.failures and "unreachable" in report.failures[0].breaches[0].detail
    assert report.writes_left == 0 and report.writes_created == 0
    assert list((tmp_path / "ledgers").iterdir()) == []
    assert pending_writes(tmp_path / "ledgers", "staging-test") == 0


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
                                    environment="staging-test", ledger_dir=tmp_path / "ledgers",
                                    exclude=only_the_create(document))
        report = run_contract(document, settings)
    assert report.examples >= 1 and report.writes_created == 0
    assert report.writes_left == left
    assert pending_writes(tmp_path / "ledgers", "staging-test") == left
    assert len(list((tmp_path / "ledgers").iterdir())) == (1 if left else 0)


def test_a_ledger_counts_a_write_in_flight_when_it_is_read_back(tmp_path):
    """Killed while the POST was out: the next run reads it as possibly on the target, until cleanup says."""
    ledger = WriteLedger.open(tmp_path, "staging", "https://api-staging.castiel.com", "drillbook-drill-x",
                              ["/api/shards"])
    ledger.sending()
    assert WriteLedger.load(ledger.path).pending == 1
    ledger.answered("/api/shards", 201, {"id": "7"})
    assert WriteLedger.load(ledger.path).created == ["/api/shards/7"] and WriteLedger.load(ledger.path).pending == 1
    ledger.sending()
    ledger.never_sent()
    assert WriteLedger.load(ledger.path).pending == 1


def test_a_ledger_names_its_tenant_before_the_first_write(tmp_path):
    ledger = WriteLedger.open(tmp_path, "staging", "https://api-staging.castiel.com", "drillbook-drill-x",
                              ["/api/shards"])
    assert WriteLedger.load(ledger.path).tenant == "drillbook-drill-x" and ledger.pending == 0
    ledger.record("/api/shards/1")
    assert WriteLedger.load(ledger.path).created == ["/api/shards/1"]


def test_a_ledger_whose_owner_was_killed_but_not_reaped_is_stale(tmp_path):
    """A zombie still answers kill(pid, 0); drillbook.runtime.pids reads it as gone, so its writes are swept."""
    ledger = WriteLedger.open(tmp_path, "local-test", "http://127.0.0.1:1", "drillbook-drill-z", ["/api/shards"])
    assert not WriteLedger.load(ledger.path).is_stale()  # this process owns it
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        owner.kill()
        assert waiting.wait_for(lambda: not alive(owner.pid), timeout=30), "the killed owner still runs"
        _set_owner_pid(ledger.path, owner.pid)
        assert WriteLedger.load(ledger.path).is_stale()
    finally:
        owner.wait(timeout=30)
    _set_owner_pid(ledger.path, "not a pid")
    assert not WriteLedger.load(ledger.path).is_stale()  # unreadable owner: never swept


def _owned_by_a_dead_process(path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    _set_owner_pid(path, int(done.stdout))


def _set_owner_pid(path, pid) -> None:
    lines = path.read_text().splitlines()
    head = json.loads(lines[0])
    head["owner"]["pid"] = pid
    path.write_text("\n".join([json.dumps(head), *lines[1:]]) + "\n")
