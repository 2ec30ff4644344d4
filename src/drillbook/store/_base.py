"""The store's contract: named objects, a chained log appended under a precondition, and leases that run out.

Both implementations (``local.LocalStore``, ``blob.BlobStore``) keep these semantics; the tests run
the same cases against each.
"""

from __future__ import annotations

import socket
import time
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

MIN_LEASE_S, MAX_LEASE_S = 15, 60  # Azure's bounds for a finite blob lease; an infinite one is never taken
APPEND_ATTEMPTS = 20  # a writer that loses the race this often in a row gives up with one line

# Builds the line to append from the log's end: at least its last line (b"" when the log is empty or new).
LineBuilder = Callable[[bytes], bytes]


@dataclass(frozen=True)
class Holder:
    """Who holds a lease: written beside it, so a waiter or an auditor names them. Every field is plain text."""

    who: str  # the operator (record.evidence.operator_name())
    host: str = field(default_factory=socket.gethostname)
    run_id: str = ""
    drill: str = ""
    since: str = field(default_factory=lambda: _utc_now())

    def as_metadata(self) -> dict[str, str]:
        return {name: str(value) for name, value in asdict(self).items()}

    @classmethod
    def from_metadata(cls, metadata: dict[str, str] | None) -> Holder | None:
        if not metadata or "who" not in metadata:
            return None
        return cls(**{name: str(metadata.get(name, "")) for name in cls.__dataclass_fields__})

    def describe(self) -> str:
        """``alice on runner-7 (run 1a2b3c4d, drill chaos/redis-outage) since 2026-12-07T13:05:00Z``."""
        run = ", ".join(part for part in (f"run {self.run_id}" if self.run_id else "",
                                          f"drill {self.drill}" if self.drill else "") if part)
        return f"{self.who} on {self.host}{f' ({run})' if run else ''} since {self.since}"


@dataclass(frozen=True)
class LeaseState:
    """What ``Store.inspect_lease`` saw: ``held`` (someone renews it), ``expired`` (its holder stopped renewing:
    gone, on whatever machine), ``broken``, ``released`` or ``free`` (never taken); and the last holder."""

    state: str
    holder: Holder | None

    @property
    def held(self) -> bool:
        return self.state == "held"

    @property
    def expired(self) -> bool:
        """The holder is gone without releasing: what it owned is nobody's now (replay its undo)."""
        return self.state in ("expired", "broken") and self.holder is not None


class Lease(ABC):
    """A lease one holder took: renew it at a third of its duration; release it when done."""

    name: str
    duration_s: int
    holder: Holder

    @abstractmethod
    def renew(self) -> None:
        """Extend the lease by its duration; ``LeaseLost`` when another holder took it meanwhile."""

    @abstractmethod
    def release(self) -> None:
        """Give the lease up (idempotent); its holder metadata says it was released, not abandoned."""

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class Store(ABC):
    """Where what must outlive the run is kept. Names are ``/``-separated paths (``drills.jsonl``, ``runs/<id>/x``).

    Every call either succeeds, answers "not there" (``read`` -> None), or raises ``StoreError`` with one line
    naming the store; an unreachable store never reads as empty.
    """

    shared = False  # True where every machine reads the same record (a blob container)
    description: str  # "local files in reports/journal", "azure blob http://127.0.0.1:10000/devstoreaccount1/x"

    def locate(self, name: str) -> str:
        """Where the object is, for a message: a file's path, a blob's URL."""
        return f"{self.description}: {name}"

    def local_name(self, path: Path) -> str | None:
        """The name under which the store already holds this local file (local files need no copy), else None."""
        return None

    def check(self) -> None:
        """Raise StoreError unless the store answers now (a run checks before its first drill)."""

    @abstractmethod
    def read(self, name: str) -> bytes | None:
        """The object's bytes, or None when there is no such object."""

    @abstractmethod
    def write(self, name: str, data: bytes) -> None:
        """Create or overwrite the object."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove the object; one that is not there is already removed."""

    @abstractmethod
    def list(self, prefix: str = "") -> list[str]:
        """The names that start with ``prefix``, sorted."""

    @abstractmethod
    def append_line(self, name: str, build: LineBuilder, attempts: int = APPEND_ATTEMPTS) -> bytes:
        """Append ``build(the log's end)`` exactly where that end was read; return what was appended.

        ``build`` gets at least the log's last line, ending in a newline unless that line is torn (local files
        pass the whole log). Two writers at once: one lands, the other sees the precondition fail, reads the
        new end and calls ``build`` again (so it links to the winner), up to ``attempts`` times.
        """

    @abstractmethod
    def acquire_lease(self, name: str, duration_s: int, holder: Holder) -> Lease | None:
        """Take the lease ``name`` for ``duration_s`` (15-60 s), or None while someone else holds it."""

    @abstractmethod
    def inspect_lease(self, name: str) -> LeaseState:
        """The lease's state and its last holder, without taking it."""

    @abstractmethod
    def break_lease(self, name: str) -> None:
        """End whoever holds the lease now (an operator's override); its holder metadata stays for the record."""


def last_line(data: bytes) -> bytes:
    """The last line of ``data`` with its newline (or the torn fragment after the last newline)."""
    cut = data.rfind(b"\n", 0, len(data) - 1)
    return data[cut + 1:]


def check_duration(duration_s: int) -> int:
    """A lease's duration, refused outside 15-60 s: an infinite lease would hide that its holder died."""
    if not isinstance(duration_s, int) or not MIN_LEASE_S <= duration_s <= MAX_LEASE_S:
        raise ValueError(f"lease duration {duration_s!r} s: expected a whole number from {MIN_LEASE_S} to "
                         f"{MAX_LEASE_S} (never infinite: nobody would learn that its holder died)")
    return duration_s


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
