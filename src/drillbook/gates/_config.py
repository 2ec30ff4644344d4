"""The configuration rollback: change an app setting, restart, verify; revert, restart, verify.

The drill changes only a setting of its own (``DRILLBOOK_CONFIG_DRILL``), and
writes how to undo the change to the run's store before it makes it
(``config-undo/<target>.json``: under the journal folder on local files, in the
blob container every machine shares), so an interrupted drill is undone by the
next run on any machine (or by hand, reading the object). Who looks after the
undo is a lease the drill renews (``leases/config-undo-<target>``): a later run
takes it over only once its drill stopped renewing it, never while it runs.

>>> undo = write_undo(store, target="App Service app-castiel-api-prod", holder=holder)
>>> pending_undo(store, target="App Service app-castiel-api-prod")   # what a drill that is over left, or None
>>> undo.done()                                                        # the setting is gone: the undo too
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

from drillbook.gates._rollback import read_health
from drillbook.runtime.waiting import wait_until
from drillbook.store import Holder, Store
from drillbook.store.owned import give_back, keep, process_gone, take_over, this_process
from drillbook.store.renewal import KeptLease

DRILL_SETTING = "DRILLBOOK_CONFIG_DRILL"
UNDO_DIR = "config-undo"


@dataclass
class ConfigUndo:
    """An undo in the store and the lease that says its drill still runs (or that this run took it over)."""

    store: Store
    name: str
    record: dict
    kept: KeptLease | None

    def check(self) -> None:
        """Before a change: a drill that lost its lease changes nothing more (another run may be undoing it)."""
        if self.kept is not None and self.kept.lost is not None:
            raise self.kept.lost

    def release(self) -> None:
        """Give up its lease, leaving the undo for a later run (the setting could not be removed)."""
        kept, self.kept = self.kept, None
        give_back(kept)

    def done(self) -> None:
        """The setting is gone: remove the undo, then give up its lease."""
        try:
            self.store.delete(self.name)
        finally:
            self.release()


def undo_names(target: str) -> tuple[str, str]:
    """(the undo's name, its lease's name) for one target: drills of two targets never share an undo."""
    token = hashlib.sha1(target.encode()).hexdigest()[:12]
    return f"{UNDO_DIR}/{token}.json", f"leases/config-undo-{token}"


def write_undo(store: Store, *, target: str, holder: Holder) -> ConfigUndo:
    """Take the undo's lease and write the undo (remove the drill's setting) before the change is made."""
    name, lease = undo_names(target)
    kept = keep(store, lease, holder)
    record = {"written": datetime.now(timezone.utc).isoformat(timespec="seconds"), "target": target,
              "setting": DRILL_SETTING, "undo": f"remove the application setting {DRILL_SETTING}, then restart",
              "lease": lease, "holder": holder.as_metadata(), "owner": this_process()}
    try:
        store.write(name, (json.dumps(record) + "\n").encode())
    except BaseException:
        give_back(kept)
        raise
    return ConfigUndo(store, name, record, kept)


def pending_undo(store: Store, *, target: str, holder: Holder) -> ConfigUndo | None:
    """The undo an interrupted drill of ``target`` left behind, now this run's; None if there is none, or while the
    drill that wrote it still renews its lease."""
    name, lease = undo_names(target)
    written = _record(store.read(name))
    if written is None:
        return None
    kept = take_over(store, lease, holder, owner_gone=process_gone(written.get("owner") or {}, store))
    if kept is None:
        return None
    record = _record(store.read(name))  # read again: its drill may have finished meanwhile
    if record is None:
        give_back(kept)
        return None
    return ConfigUndo(store, name, record, kept)


def _record(data: bytes | None) -> dict | None:
    if data is None:
        return None
    try:
        record = json.loads(data)
    except ValueError:
        return {}  # torn: still an undo to apply (the setting may be there)
    return record if isinstance(record, dict) else {}


def wait_healthy(http: httpx.Client, *, objective_s: float, poll_s: float) -> tuple[bool, float, str]:
    """Read /health until it answers healthy or the objective passes: (healthy, seconds taken, what was seen)."""
    health = wait_until(lambda: read_health(http), lambda answer: answer[0] is not None, timeout_s=objective_s,
                        poll_s=poll_s)
    return health.held, health.took_s, health.last[1]
