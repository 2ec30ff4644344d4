"""One contract, two stores: objects, a chained log appended under a precondition, and leases that run out."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drillbook.errors import LeaseLost
from drillbook.store import Holder
from drillbook.store.local import LocalStore

TESTS = Path(__file__).resolve().parents[1]
HOLDER = Holder(who="alice", host="runner-7", run_id="1a2b3c4d", drill="chaos/redis-outage",
                since="2026-12-07T13:00:00Z")
# Appends lines "n" where n is one more than the last line it read: a lost or misplaced line shows.
COUNTING_WRITER = """
import sys
from stores import open_test_store
store = open_test_store(sys.argv[1], sys.argv[2])
for _ in range(int(sys.argv[3])):
    store.append_line("log.txt", lambda end: b"%d\\n" % (int(end.splitlines()[-1]) + 1 if end else 0))
"""


def test_a_missing_object_reads_as_none(store):
    assert store.read("drills.jsonl") is None
    assert store.list("runs/") == []


def test_objects_are_written_overwritten_and_listed_by_prefix(store):
    store.write("runs/1a/results/a.json", b"one")
    store.write("runs/1a/junit.xml", b"two")
    store.write("runs/2b/junit.xml", b"three")
    store.write("runs/1a/results/a.json", b"one again")
    assert store.read("runs/1a/results/a.json") == b"one again"
    assert store.list("runs/1a/") == ["runs/1a/junit.xml", "runs/1a/results/a.json"]
    assert store.list("runs/") == ["runs/1a/junit.xml", "runs/1a/results/a.json", "runs/2b/junit.xml"]


def test_an_append_is_built_from_the_line_it_lands_after(store):
    seen = []
    for word in (b"first", b"second", b"third"):
        store.append_line("log.txt", lambda end, word=word: seen.append(end.splitlines()[-1:]) or word + b"\n")
    assert seen == [[], [b"first"], [b"second"]]
    assert store.read("log.txt") == b"first\nsecond\nthird\n"


def test_a_blob_append_reads_the_logs_end_not_the_log(blob_store, monkeypatch):
    """A line longer than the span read first is still read whole; a torn last line is passed as it is."""
    from drillbook.store import blob

    monkeypatch.setattr(blob, "TAIL_BYTES", 8)
    lines = [b"a" * 30 + b"\n", b"b" * 30 + b"\n"]
    for line in lines:
        blob_store.append_line("log.txt", lambda end, line=line: line)
    seen = []
    blob_store.append_line("log.txt", lambda end: seen.append(end) or b"torn")
    blob_store.append_line("log.txt", lambda end: seen.append(end) or b"\n")
    assert seen == [lines[1], b"torn"]


def test_a_blob_writer_that_loses_the_race_relinks_to_the_winner(blob_store):
    """Another machine lands its line between our read and our append: our retry is built on its line."""
    built = []

    def racing(end: bytes) -> bytes:
        built.append(end)
        if len(built) == 1:
            blob_store.append_line("log.txt", lambda _: b"other\n")
        return b"ours after " + end

    blob_store.append_line("log.txt", lambda _: b"first\n")
    blob_store.append_line("log.txt", racing)
    assert built == [b"first\n", b"other\n"]
    assert blob_store.read("log.txt") == b"first\nother\nours after other\n"


def test_two_processes_appending_at_once_lose_nothing_and_keep_the_order(store, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    where = str(store.root) if isinstance(store, LocalStore) else store.container_name
    kind = "local" if isinstance(store, LocalStore) else "blob"
    writers = [subprocess.Popen([sys.executable, "-c", COUNTING_WRITER, kind, where, "10"], env=env) for _ in range(2)]
    assert [writer.wait(timeout=60) for writer in writers] == [0, 0]
    assert store.read("log.txt").splitlines() == [b"%d" % n for n in range(20)]


def test_a_lease_is_held_by_one_holder_at_a_time(store):
    lease = store.acquire_lease("leases/env-staging", 15, HOLDER)
    assert lease is not None
    assert store.acquire_lease("leases/env-staging", 15, Holder(who="bob")) is None
    seen = store.inspect_lease("leases/env-staging")
    assert (seen.state, seen.held, seen.expired, seen.holder) == ("held", True, False, HOLDER)
    assert seen.holder.describe() == ("alice on runner-7 (run 1a2b3c4d, drill chaos/redis-outage) since "
                                      "2026-12-07T13:00:00Z")
    lease.renew()
    lease.release()
    released = store.inspect_lease("leases/env-staging")
    assert (released.state, released.expired) == ("released", False)
    with store.acquire_lease("leases/env-staging", 15, Holder(who="bob")) as again:
        assert store.inspect_lease("leases/env-staging").holder.who == "bob" == again.holder.who


def test_a_lease_never_taken_is_free(store):
    seen = store.inspect_lease("leases/nobody")
    assert (seen.state, seen.holder, seen.expired) == ("free", None, False)


def test_a_broken_lease_is_lost_to_its_holder_and_free_for_the_next(store):
    lease = store.acquire_lease("leases/undo-1", 15, HOLDER)
    store.break_lease("leases/undo-1")
    seen = store.inspect_lease("leases/undo-1")
    assert (seen.state, seen.expired, seen.holder) == ("broken", True, HOLDER)
    with pytest.raises(LeaseLost, match=r"lease leases/undo-1 was lost .* -> stop the drill and revert"):
        lease.renew()
    assert store.acquire_lease("leases/undo-1", 15, Holder(who="bob")) is not None


@pytest.mark.parametrize("duration", [0, 14, 61, -1, 30.5])
def test_a_lease_is_never_infinite_nor_outside_azures_bounds(store, duration):
    with pytest.raises(ValueError, match=r"expected a whole number from 15 to 60 \(never infinite"):
        store.acquire_lease("leases/x", duration, HOLDER)


def test_a_local_lease_nobody_renews_runs_out(tmp_path):
    """Another process on this machine, later than the lease's duration: it sees the holder gone."""
    LocalStore(tmp_path).acquire_lease("leases/undo-1", 15, HOLDER)
    later = LocalStore(tmp_path, clock=lambda: time.time() + 16)
    seen = later.inspect_lease("leases/undo-1")
    assert (seen.state, seen.expired, seen.holder) == ("expired", True, HOLDER)
    assert later.acquire_lease("leases/undo-1", 15, Holder(who="bob")) is not None


def test_a_blob_lease_nobody_renews_runs_out(blob_store):
    """Azure's shortest lease is 15 s: this test waits for it, once, on the real emulator."""
    lease = blob_store.acquire_lease("leases/undo-1", 15, HOLDER)
    assert blob_store.acquire_lease("leases/undo-1", 15, Holder(who="bob")) is None
    deadline = time.monotonic() + 25
    while blob_store.inspect_lease("leases/undo-1").state == "held" and time.monotonic() < deadline:
        time.sleep(0.5)
    seen = blob_store.inspect_lease("leases/undo-1")
    assert (seen.state, seen.expired, seen.holder) == ("expired", True, HOLDER)
    lease.renew()  # like Azure: a holder that comes back before anyone else took it keeps its lease
    assert blob_store.inspect_lease("leases/undo-1").held
