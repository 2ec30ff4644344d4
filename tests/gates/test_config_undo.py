"""The configuration undo in the run's store: found by a later run once its drill is over, never while it runs."""

from __future__ import annotations

import json
import subprocess
import sys

from drillbook.gates._config import pending_undo, undo_names, write_undo
from drillbook.store import Holder
from drillbook.store.local import LocalStore

TARGET = "http://127.0.0.1:1/_sandbox/settings"
ALICE, BOB = Holder(who="alice", run_id="a1"), Holder(who="bob", run_id="b2")


def test_a_live_drills_undo_is_not_found_and_a_finished_one_is_gone(tmp_path):
    store = LocalStore(tmp_path)
    undo = write_undo(store, target=TARGET, holder=ALICE)
    assert (tmp_path / undo_names(TARGET)[0]).is_file()  # in the store before the change
    assert pending_undo(store, target=TARGET, holder=BOB) is None  # its drill renews the lease
    undo.done()
    assert pending_undo(store, target=TARGET, holder=BOB) is None and not (tmp_path / undo.name).exists()


def test_on_local_files_a_drill_whose_process_is_gone_leaves_its_undo_to_the_next_run_at_once(tmp_path):
    store = LocalStore(tmp_path)
    undo = write_undo(store, target=TARGET, holder=ALICE)
    record = json.loads((tmp_path / undo.name).read_text())
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / undo.name).write_text(json.dumps({**record, "owner": {**record["owner"], "pid": int(done.stdout)}}))
    found = pending_undo(store, target=TARGET, holder=BOB)  # no wait for the lease to run out
    assert found is not None and found.record["holder"]["who"] == "alice"
    assert store.inspect_lease(undo_names(TARGET)[1]).holder.who == "bob"
    found.done()
    undo.release()  # its renewer lost the lease to bob: nothing to give back
