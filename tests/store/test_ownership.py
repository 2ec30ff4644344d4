"""Ownership through the store, on both stores: an undo belongs to the drill that renews its lease, an environment
to the one destructive drill that holds its lease; a holder that cannot renew stops and reverts."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from drillbook.errors import LeaseLost, StoreError
from drillbook.faults import UNDO_FILE, UndoJournal, applied, create_fault, replay_pending
from drillbook.fixtures._leases import lease_name, take_environment_lease
from drillbook.runtime.progress import Progress
from drillbook.store import Holder, Lease
from drillbook.store.renewal import KeptLease
from stores import CONNECTION_VAR, open_test_store

ALICE = Holder(who="alice", host="runner-7", run_id="1a2b3c4d", drill="chaos redis-outage",
               since="2026-12-07T13:00:00Z")
BOB = Holder(who="bob", host="laptop-2", run_id="5e6f7a8b", drill="chaos cosmos-outage")
GONE = {"url": "http://127.0.0.1:9", "dependency": "redis", "action": "start"}  # a sandbox that is gone: no-op
TARGET = "https://api-staging.castiel.com"  # only named: the lease is in the store
STOPPED_IN_S = 10  # a renewal every 5 s, and room for a busy machine


def another_machine(store):
    """The same store through a client of its own, as another runner would open it."""
    if hasattr(store, "container_name"):
        return open_test_store("blob", store.container_name)
    return open_test_store("local", str(store.root))


@pytest.fixture
def route_fault(sandbox, faults, monkeypatch):
    monkeypatch.setenv("SANDBOX_FAULT_TOKEN", sandbox.fault_token)
    return lambda: create_fault("route", url=sandbox.url, route="/health", status=503)


def health(sandbox) -> int:
    return httpx.get(f"{sandbox.url}/health", timeout=10).status_code


def test_the_undo_is_in_the_store_under_a_held_lease_before_the_fault(store):
    journal = UndoJournal(store, holder=ALICE)
    entry = journal.plan("dependency", GONE, "sandbox redis stop")
    elsewhere = another_machine(store)
    assert f'"entry": "{entry}", "event": "planned"'.encode() in elsewhere.read(UNDO_FILE)
    assert elsewhere.inspect_lease(journal.lease_name).held
    journal.close_entry(entry, "sandbox redis start: running")
    assert elsewhere.inspect_lease(journal.lease_name).state == "released"
    assert UndoJournal(elsewhere).pending() == []


def test_a_live_drills_undo_is_never_replayed_by_another_run(store):
    live = UndoJournal(store, holder=ALICE)
    live.plan("dependency", GONE, "sandbox redis stop")
    try:
        other = UndoJournal(another_machine(store), holder=BOB)
        assert replay_pending(other) == [
            "drillbook: fault sandbox redis stop is applied by a live drill (alice on runner-7 (run 1a2b3c4d, drill "
            "chaos redis-outage) since 2026-12-07T13:00:00Z), which renews its lease: not replayed here"]
        assert [p["fault"] for p in other.pending()] == ["sandbox redis stop"] and other.orphans() == []
    finally:
        live.release()


def test_an_undo_whose_lease_nobody_renews_is_replayed_once(store):
    gone = UndoJournal(store, holder=ALICE)
    gone.plan("dependency", GONE, "sandbox redis stop")
    gone.release()  # its drill stopped renewing without closing the entry
    first, second = (UndoJournal(another_machine(store), holder=BOB) for _ in range(2))
    assert replay_pending(first) == [
        "drillbook: reverted leftover fault sandbox redis stop left by alice on runner-7 (run 1a2b3c4d, drill chaos "
        "redis-outage) since 2026-12-07T13:00:00Z (its lease released, nobody renews it): the sandbox at "
        "http://127.0.0.1:9 is gone, and its faults with it: nothing to revert"]
    assert replay_pending(second) == [] and second.pending() == []


def test_a_drill_whose_lease_is_broken_stops_and_reverts(blob_store, route_fault, sandbox):
    journal = UndoJournal(blob_store, holder=ALICE)
    started = time.monotonic()
    with pytest.raises(LeaseLost, match=rf"store azure blob .*, container {blob_store.container_name}: lease "
                                        r"leases/undo-\w+ was lost \(LeaseIsBroken"):
        with applied(route_fault(), journal):
            assert health(sandbox) == 503
            another_machine(blob_store).break_lease(journal.lease_name)  # an operator, or a replay, took it over
            time.sleep(60)
    assert time.monotonic() - started < STOPPED_IN_S
    assert health(sandbox) == 200 and journal.pending() == []


def test_a_store_gone_mid_fault_is_one_line_naming_it_and_the_fault_is_reverted(tmp_path, route_fault, sandbox,
                                                                                 monkeypatch):
    from sandbox.azurite import start_azurite

    with start_azurite(tmp_path / "azurite") as azurite:  # its own: this test stops it
        monkeypatch.setenv(CONNECTION_VAR, azurite.connection_string)
        store = open_test_store("blob", "gone")
        store.create_container()
        journal = UndoJournal(store, holder=ALICE)
        started = time.monotonic()
        with pytest.raises(StoreError) as stopped:
            with applied(route_fault(), journal):
                azurite.process.stop()
                time.sleep(60)
    assert time.monotonic() - started < STOPPED_IN_S + 10  # one renewal, its retry, then the close that fails
    message = str(stopped.value)
    assert "\n" not in message and message.startswith("the fault was reverted (removed 1 sandbox fault(s) on /health)")
    assert f"but its undo could not be closed (the next run closes it): store azure blob {azurite.account_url}, " \
           "container gone: " in message
    assert health(sandbox) == 200


def test_a_destructive_drill_waits_for_the_environments_lease_naming_its_holder(store):
    held = store.acquire_lease(lease_name(TARGET), 15, ALICE)
    lines: list[str] = []
    threading.Timer(2.0, held.release).start()
    with Progress(lines.append, every_s=0.5) as progress:
        lease = take_environment_lease(another_machine(store), TARGET, BOB, wait_s=30, progress=progress)
    assert lease is not None and lease.holder == BOB
    waiting = [line for line in lines if "waiting for the environment's lease" in line]
    assert waiting and all("held by alice on runner-7 (run 1a2b3c4d, drill chaos redis-outage) since "
                           "2026-12-07T13:00:00Z" in line for line in waiting)
    assert lines[-1].endswith("got the environment's lease")
    lease.release()


def test_a_destructive_drill_that_waited_in_vain_is_refused_naming_the_holder(store):
    holder = store.acquire_lease(lease_name(TARGET), 15, ALICE)
    with pytest.raises(pytest.fail.Exception) as refused:
        take_environment_lease(another_machine(store), TARGET, BOB, wait_s=1.5)
    assert (f"the environment's lease {lease_name(TARGET)} in {store.description} has been held by alice on "
            "runner-7 (run 1a2b3c4d, drill chaos redis-outage) since 2026-12-07T13:00:00Z for longer than 1.5 s "
            "-> let that drill finish") in str(refused.value)
    holder.release()


class _Unanswered(Lease):
    """A lease whose renewal never answers, or fails with what no store raises."""

    def __init__(self, renew, duration_s: int = 2) -> None:
        self.name, self.duration_s, self.holder, self._renew = "leases/x", duration_s, ALICE, renew

    def renew(self) -> None:
        self._renew()

    def release(self) -> None:
        pass


@pytest.mark.parametrize("renew, said", [
    (lambda: 1 / 0, "renewing the lease leases/x failed: ZeroDivisionError: division by zero"),
    (lambda: time.sleep(30), "renewing the lease leases/x took longer than its 2 s"),
])
def test_a_renewal_that_fails_in_any_way_loses_the_lease_aloud(renew, said):
    lost: list[StoreError] = []
    kept = KeptLease(_Unanswered(renew), on_lost=lost.append, where="local files in x", every_s=0.1)
    deadline = time.monotonic() + 5
    while not lost and time.monotonic() < deadline:
        time.sleep(0.05)
    kept.release()
    assert [str(e) for e in lost] == [f"store local files in x: {said}" + (
        " -> check that the store is reachable from this machine" if "longer" in said else "")]
