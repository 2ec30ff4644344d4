"""The undo journal: ``undo.jsonl`` in the store, one line per planned and per reverted fault.

A fault's undo is appended to the store (fsynced to disk locally; acknowledged by the blob service) before
the fault is applied. Who looks after it is a lease, not a process id: the journal takes its own lease
(``leases/undo-<token>``) before its first entry and renews it every third of ``store.owned.LEASE_S`` until its last
entry is closed. A planned entry without its reverted line whose lease nobody renews is left over from a
drill that died, on whatever machine: the next run takes that lease over and replays the entry first. An
entry whose lease is renewed belongs to a live drill and is never replayed by another run.
"""

from __future__ import annotations

import getpass
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any, Iterable, Iterator

from drillbook.errors import FaultError, StoreError
from drillbook.faults.registry import revert_undo
from drillbook.runtime.stopper import DrillStopper
from drillbook.store import Holder, LeaseState, Store
from drillbook.store.owned import keep, take_over
from drillbook.store.renewal import KeptLease

UNDO_FILE = "undo.jsonl"


class UndoJournal:
    """Append-only record of the undos of applied faults, in the run's store.

    >>> journal = UndoJournal(store, holder=Holder("alice", run_id="1a2b3c4d", drill="chaos redis-outage"))
    >>> entry = journal.plan("dependency", {"url": "http://127.0.0.1:8000", "dependency": "redis", ...})
    >>> journal.close_entry(entry, "redis started")
    >>> UndoJournal(Path("reports/journal"))         # a folder: the local store there
    """

    def __init__(self, where: Path | Store, *, holder: Holder | None = None) -> None:
        if isinstance(where, Store):
            self.store = where
        else:
            from drillbook.store.local import LocalStore

            self.store = LocalStore(Path(where))
        self.holder = holder or Holder(who=_user())
        self.lease_name = f"leases/undo-{uuid.uuid4().hex[:12]}"
        self.stopper = DrillStopper()  # a lost lease stops the drill in ``faults.applied``
        self._kept: KeptLease | None = None
        self._open: set[str] = set()

    @property
    def location(self) -> str:
        return f"{self.store.description}: {UNDO_FILE}"

    def plan(self, kind: str, undo: dict, description: str = "") -> str:
        """Write the undo (under this journal's lease) before the fault is applied; returns its entry id."""
        kept = self._keep_lease(description)
        entry = uuid.uuid4().hex[:12]
        self._append({"entry": entry, "event": "planned", "kind": kind, "undo": undo, "fault": description,
                      "owner": self.lease_name, "holder": kept.lease.holder.as_metadata(), "pid": os.getpid(),
                      "at": time.time()})
        self._open.add(entry)
        return entry

    def close_entry(self, entry: str, outcome: str) -> None:
        """Record the revert; the lease is given up once nothing of this journal is open."""
        self._append({"entry": entry, "event": "reverted", "outcome": outcome, "at": time.time()})
        self._open.discard(entry)
        if not self._open:
            self.release()

    def release(self) -> None:
        """Stop renewing; what is still open becomes the next run's to replay."""
        kept, self._kept = self._kept, None
        if kept is not None:
            kept.release()

    def release_quietly(self) -> None:
        """Release what can be; a store that cannot be reached lets the lease run out by itself."""
        try:
            self.release()
        except StoreError:
            pass

    @property
    def lost(self) -> BaseException | None:
        """Why this journal's lease ended before its faults were reverted (a StoreError), or None."""
        return self.stopper.error

    def pending(self) -> list[dict]:
        """Planned entries with no reverted line, oldest first."""
        planned: dict[str, dict] = {}
        for record in self._records():
            if record.get("event") == "planned":
                planned[record["entry"]] = record
            elif record.get("event") == "reverted":
                planned.pop(record.get("entry"), None)
        return list(planned.values())

    def orphans(self) -> list[dict]:
        """Pending entries whose lease nobody renews (their drill died): nobody else will revert them."""
        return [record for record in self.pending() if not self.owner_state(record).held]

    def owner_state(self, record: dict) -> LeaseState:
        """The lease of the drill that planned ``record``: ``held`` while that drill lives."""
        owner = record.get("owner")
        if owner == self.lease_name and self._kept is not None:
            return LeaseState("held", self.holder)
        if not owner:  # written before undos had leases: nobody can be looking after it
            return LeaseState("free", None)
        return self.store.inspect_lease(owner)

    def take_over(self, owner: str) -> KeptLease | None:
        """Take a dead drill's lease before replaying its undo (None: someone renewed or took it meanwhile)."""
        return take_over(self.store, owner, Holder(**{**self.holder.as_metadata(), "drill": "replay"}))

    def _keep_lease(self, description: str) -> KeptLease:
        if self._kept is not None:
            return self._kept
        holder = self.holder if self.holder.drill else Holder(**{**self.holder.as_metadata(), "drill": description})
        self._kept = keep(self.store, self.lease_name, holder, on_lost=self.stopper.stop)
        return self._kept

    def _append(self, record: dict) -> None:
        line = (json.dumps(record) + "\n").encode()
        # a line cut short by a kill mid-write is ended first, so this one stays whole
        self.store.append_line(UNDO_FILE, lambda content: (b"\n" if content and not content.endswith(b"\n")
                                                           else b"") + line)

    def _records(self) -> Iterator[dict]:
        content = self.store.read(UNDO_FILE) or b""
        for line in content.decode("utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill mid-write; its fault was never applied
            if isinstance(record, dict) and record.get("entry"):
                yield record


def replay_pending(journal: UndoJournal, **client_options: Any) -> list[str]:
    """Revert every fault a dead drill left applied; one line per fault saying what was done.

    A fault whose drill still renews its lease is named, never reverted: it is that drill's. Newest first, as
    nested ``finally`` blocks unwind: a drill's fault is reverted before the hold on its alerts is released.
    ``client_options`` reach the Azure faults' reverts (a test's recorded Resource Manager); none: the signed-in
    identity.
    """
    lines = []
    pending = journal.pending()
    states = {owner: journal.owner_state(records[0]) for owner, records in _by_owner(pending)}
    for owner, records in reversed(_by_owner(pending)):
        state = states[owner]
        if state.held:
            lines += [f"drillbook: fault {_what(r)} is applied by a live drill ({_holder(r, state)}), which "
                      "renews its lease: not replayed here" for r in reversed(records)]
        else:
            lines += _replay_owned(journal, owner, list(reversed(records)), state, client_options)
    return lines


def _replay_owned(journal: UndoJournal, owner: str, records: list[dict], state: LeaseState,
                  client_options: dict) -> list[str]:
    claim = journal.take_over(owner) if owner else None
    if owner and claim is None:
        return []  # another run took it over a moment ago, or its drill renewed after all
    try:
        return [_replay(journal, record, state, client_options) for record in records]
    finally:
        if claim is not None:
            claim.release()


def _replay(journal: UndoJournal, record: dict, state: LeaseState, client_options: dict) -> str:
    what, whose = _what(record), _holder(record, state)
    try:
        outcome = revert_undo(record["kind"], record["undo"], **client_options)
    except FaultError as exc:
        return f"drillbook: could not revert leftover fault {what} left by {whose}: {exc} (still in {journal.location})"
    journal.close_entry(record["entry"], f"replayed by {journal.holder.describe()}: {outcome}")
    return (f"drillbook: reverted leftover fault {what} left by {whose} (its lease {state.state}, nobody renews it): "
            f"{outcome}")


def _by_owner(records: Iterable[dict]) -> list[tuple[str, list[dict]]]:
    owners: dict[str, list[dict]] = {}
    for record in records:
        owners.setdefault(record.get("owner") or "", []).append(record)
    return list(owners.items())


def _what(record: dict) -> str:
    return record.get("fault") or record["kind"]


def _holder(record: dict, state: LeaseState) -> str:
    holder = Holder.from_metadata(record.get("holder")) or state.holder
    return holder.describe() if holder else f"a run (pid {record.get('pid')})"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's uid with no name
        return f"uid {os.getuid()}"
