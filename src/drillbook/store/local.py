"""The store as files in one folder (the journal's): today's behaviour, and the sandbox's default.

Appends and leases keep the blob store's semantics on this one machine: the log is appended under an
exclusive ``flock``, and a lease is a small JSON file (holder, lease id, expiry) changed only under one.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Callable, Iterator

from drillbook.errors import LeaseLost, StoreError
from drillbook.runtime.pids import process_alive
from drillbook.store._base import APPEND_ATTEMPTS, Holder, Lease, LeaseState, LineBuilder, Store, check_duration
from drillbook.store.owned import this_process


class LocalStore(Store):
    """``LocalStore(Path("reports/journal"))``: objects are files under the folder (``../`` reaches beside it)."""

    def __init__(self, root: Path, *, clock: Callable[[], float] = time.time) -> None:
        """``clock``: the wall clock leases expire by (a test moves it on instead of sleeping)."""
        self.root, self.clock = Path(root), clock
        self.description = f"local files in {self.root}"

    def path(self, name: str) -> Path:
        return Path(os.path.normpath(self.root / name))

    def locate(self, name: str) -> str:
        return str(self.path(name))

    def local_name(self, path: Path) -> str | None:
        return os.path.relpath(path.resolve(), self.root.resolve())

    def read(self, name: str) -> bytes | None:
        with self._failures(f"reading {name}"):
            try:
                return self.path(name).read_bytes()
            except (FileNotFoundError, NotADirectoryError):
                return None

    def write(self, name: str, data: bytes) -> None:
        path = self.path(name)
        with self._failures(f"writing {name}"):
            path.parent.mkdir(parents=True, exist_ok=True)
            staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            staged.write_bytes(data)
            os.replace(staged, path)  # a reader sees the old object or the new one, never half of it

    def delete(self, name: str) -> None:
        with self._failures(f"deleting {name}"):
            self.path(name).unlink(missing_ok=True)

    def list(self, prefix: str = "") -> list[str]:
        folder, _, _ = prefix.rpartition("/")
        with self._failures(f"listing {prefix or '/'}"):
            base = self.path(folder) if folder else self.root
            found = [p.relative_to(self.root).as_posix() for p in base.rglob("*") if p.is_file()] \
                if base.is_dir() else []
        return sorted(name for name in found if name.startswith(prefix))

    def append_line(self, name: str, build: LineBuilder, attempts: int = APPEND_ATTEMPTS) -> bytes:
        path = self.path(name)
        with self._failures(f"appending to {name}"):
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a+b") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)  # released on close; a second writer reads our line first
                handle.seek(0)
                line = build(handle.read())
                handle.seek(0, os.SEEK_END)
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        return line

    def acquire_lease(self, name: str, duration_s: int, holder: Holder) -> Lease | None:
        check_duration(duration_s)
        with self._lease_file(name) as (handle, record):
            if _state(record, self.clock()) == "held":
                return None
            lease = _LocalLease(self, name, duration_s, holder, uuid.uuid4().hex)
            _rewrite(handle, lease.record("held"))
            return lease

    def inspect_lease(self, name: str) -> LeaseState:
        with self._lease_file(name) as (_, record):
            return LeaseState(_state(record, self.clock()), Holder.from_metadata(record.get("holder")))

    def break_lease(self, name: str) -> None:
        with self._lease_file(name) as (handle, record):
            if _state(record, self.clock()) == "held":
                _rewrite(handle, {**record, "state": "broken"})

    @contextmanager
    def _lease_file(self, name: str) -> Iterator[tuple[IO[str], dict]]:
        path = self.path(name)
        with self._failures(f"reading the lease {name}"):
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a+", encoding="utf-8") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                handle.seek(0)
                text = handle.read()
                try:
                    record = json.loads(text) if text.strip() else {}
                except ValueError:
                    record = {}  # a torn file is nobody's lease
                yield handle, record if isinstance(record, dict) else {}

    @contextmanager
    def _failures(self, doing: str) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise StoreError(f"store {self.description}: {(exc.strerror or str(exc)).lower()} {doing} "
                             f"({exc.filename or self.root}) -> make {self.root} writable for this user, or pass "
                             "--journal-dir DIR elsewhere") from None


class _LocalLease(Lease):
    def __init__(self, store: LocalStore, name: str, duration_s: int, holder: Holder, lease_id: str) -> None:
        self.store, self.name, self.duration_s, self.holder, self.lease_id = store, name, duration_s, holder, lease_id
        self.released = False

    def record(self, state: str) -> dict:
        return {"lease_id": self.lease_id, "state": state, "expires": self.store.clock() + self.duration_s,
                "duration_s": self.duration_s, "holder": self.holder.as_metadata(),
                **this_process()}  # on one machine the holder's end is known at once, not only when the lease runs out

    def renew(self) -> None:
        with self.store._lease_file(self.name) as (handle, record):
            # like Azure: an expired lease nobody took since is renewed; a broken or retaken one is lost
            if record.get("lease_id") != self.lease_id or record.get("state") != "held":
                raise LeaseLost(_lost(self.store, self.name, record))
            _rewrite(handle, self.record("held"))

    def release(self) -> None:
        if self.released:
            return
        with self.store._lease_file(self.name) as (handle, record):
            if record.get("lease_id") == self.lease_id and record.get("state") == "held":
                _rewrite(handle, {**record, "state": "released"})
        self.released = True


def _state(record: dict, now: float) -> str:
    state = record.get("state") or "free"
    if state == "held" and (float(record.get("expires", 0)) <= now or _holder_died(record)):
        return "expired"
    return state


def _holder_died(record: dict) -> bool:
    pid = record.get("pid")
    return (record.get("host") == socket.gethostname() and isinstance(pid, int) and pid != os.getpid()
            and not process_alive(pid))


def _lost(store: LocalStore, name: str, record: dict) -> str:
    now = LeaseState(_state(record, store.clock()), Holder.from_metadata(record.get("holder")))
    taken = f"now {now.state}" + (f", held by {now.holder.describe()}" if now.held and now.holder else "")
    return (f"store {store.description}: lease {name} was lost ({taken}) -> stop the drill and revert; "
            "renew at a third of the lease's duration")


def _rewrite(handle: IO[str], record: dict) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps(record))
    handle.flush()
    os.fsync(handle.fileno())
