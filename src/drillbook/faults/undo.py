"""The undo journal: ``undo.jsonl`` beside the drill journal, one line per planned and per reverted fault.

A fault's undo is appended (and flushed to disk) before the fault is applied.
A planned entry without its reverted line whose owning process is gone is
left over from a run that was killed: the next run replays it first.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from drillbook.errors import FaultError
from drillbook.faults.registry import revert_undo
from drillbook.runtime.pids import process_alive

UNDO_FILE = "undo.jsonl"


class UndoJournal:
    """Append-only record of the undos of applied faults.

    >>> journal = UndoJournal(Path("reports/journal"))
    >>> entry = journal.plan("dependency", {"url": "http://127.0.0.1:8000", "dependency": "redis", ...})
    >>> journal.close_entry(entry, "redis started")
    """

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / UNDO_FILE

    def plan(self, kind: str, undo: dict, description: str = "") -> str:
        entry = uuid.uuid4().hex[:12]
        self._append({"entry": entry, "event": "planned", "kind": kind, "undo": undo, "fault": description,
                      "pid": os.getpid(), "at": time.time()})
        return entry

    def close_entry(self, entry: str, outcome: str) -> None:
        self._append({"entry": entry, "event": "reverted", "outcome": outcome, "at": time.time()})

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
        """Pending entries whose drill process is gone (killed): nobody else will revert them."""
        return [record for record in self.pending() if not _alive(record.get("pid"))]

    def compact(self) -> None:
        """Drop closed entries once nothing is pending, so the file stays small."""
        with self._locked():
            if self.path.exists() and not self.pending():
                self.path.unlink()

    def _append(self, record: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._locked(), self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
            handle.flush()
            os.fsync(handle.fileno())  # on disk before the fault is applied: a SIGKILL cannot lose it

    def _records(self) -> Iterator[dict]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        for line in lines:
            try:
                yield json.loads(line)
            except ValueError:
                continue  # a line cut short by a kill mid-write; its fault was never applied

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def replay_pending(journal: UndoJournal, **client_options: Any) -> list[str]:
    """Revert every fault a killed run left applied; one line per fault saying what was done.

    ``client_options`` reach the Azure faults' reverts (a test's recorded Resource Manager); none: the signed-in
    identity.
    """
    lines = []
    # newest first, as nested ``finally`` blocks unwind: a drill's fault is reverted before the hold on its alerts
    for record in reversed(journal.orphans()):
        what = record.get("fault") or record["kind"]
        try:
            outcome = revert_undo(record["kind"], record["undo"], **client_options)
        except FaultError as exc:
            lines.append(f"drillbook: could not revert leftover fault {what}: {exc} (still in {journal.path})")
            continue
        journal.close_entry(record["entry"], f"replayed by pid {os.getpid()}: {outcome}")
        lines.append(f"drillbook: reverted leftover fault {what} from killed run (pid {record.get('pid')}): "
                     f"{outcome}")
    journal.compact()
    return lines


def _alive(pid: int | None) -> bool:
    """A record of this very process is not a leftover; any other pid is checked."""
    return bool(pid) and pid != os.getpid() and process_alive(pid)
