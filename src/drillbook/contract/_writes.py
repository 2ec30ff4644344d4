"""What a contract run writes: tagged with a drill tenant, written down as it happens, removed afterwards.

Every write the fuzzer sends carries the run's drill tenant in ``tenantId``
(``drillbook-drill-<run id>``). The ledger, one JSON line per entry under
``<journal dir>/drill-writes/``, names the tenant before the first write, each
creating write (a POST to a collection) before it leaves, and its outcome: the
id a 2xx names, or nothing when it was refused or never left this machine (the
name did not resolve, the connection was refused). A write that may have
landed without naming an id (a 5xx, no answer in time) stays counted until
cleanup finds the tenant empty. Cleanup deletes the recorded ids and whatever
the tenant still lists; the ledger goes once nothing is left, so a run killed
before its cleanup leaves the ledger for the next write drill to sweep.

>>> ledger = WriteLedger.open(directory, "staging", base_url, "drillbook-drill-20261130-1a2b", ["/api/shards"])
>>> ledger.sending()                              # before the POST leaves
>>> ledger.answered("/api/shards", 201, {"id": "3f9c"})
>>> remove_writes(ledger, timeout_s=5, verify=True)
0
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from drillbook.runtime.pids import process_alive

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
TAG_FIELD = "tenantId"  # Castiel partitions every write by tenant; the drill's own tenant marks what it wrote
LEDGER_DIR = "drill-writes"
CLEANUP_BUDGET_S = 30.0
LIST_LIMIT = 100


def drill_tenant_for_run(prefix: str) -> str:
    """``drillbook-drill-20261130T155401-1a2b``: recognisable, and unique per run."""
    return f"{prefix}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(2)}"


@dataclass
class WriteLedger:
    """The tenant a run writes under, the collections it may write to, and the ids it created."""

    path: Path | None
    environment: str
    base_url: str
    tenant: str
    collections: list[str]
    created: list[str] = field(default_factory=list)
    left: int | None = None  # what the last cleanup could not remove
    owner: dict = field(default_factory=dict)
    unsettled: int = 0  # creating writes that may have landed without naming what they created

    @classmethod
    def open(cls, directory: Path | None, environment: str, base_url: str, tenant: str,
             collections: list[str]) -> WriteLedger:
        """Write the header (tenant first, before any write), or keep the ledger in memory without a directory."""
        owner = {"pid": os.getpid(), "host": socket.gethostname()}
        path = None
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / f"{tenant}.jsonl"
        ledger = cls(path, environment, base_url, tenant, list(collections), owner=owner)
        ledger._append({"environment": environment, "base_url": base_url, "tenant": tenant,
                        "collections": ledger.collections, "owner": owner})
        return ledger

    @classmethod
    def load(cls, path: Path) -> WriteLedger:
        lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        head = lines[0]
        ledger = cls(path, head["environment"], head["base_url"], head["tenant"], head["collections"],
                     owner=head.get("owner", {}))
        for entry in lines[1:]:
            if "created" in entry:
                ledger.created.append(entry["created"])
            ledger.unsettled += int(entry.get("sending", 0)) - int(entry.get("settled", 0))
            if "left" in entry:
                ledger.left = entry["left"]
        return ledger

    def creates(self, method: str, path: str) -> bool:
        """A POST to a collection it can delete from: the one kind of write that leaves something behind."""
        return method.upper() == "POST" and path in self.collections

    def sending(self) -> None:
        """Before a creating write leaves: it counts as on the target until its outcome is known."""
        self.unsettled += 1
        self._append({"sending": 1})

    def answered(self, collection: str, status: int, body: Any) -> None:
        """A 2xx naming an id created that item; a 5xx, or a 2xx naming none, may have created one; else nothing."""
        item_id = body.get("id") if isinstance(body, dict) and 200 <= status < 300 else None
        if isinstance(item_id, (str, int)) and str(item_id):
            self.settle(f"{collection}/{item_id}")
        elif not (200 <= status < 300 or status >= 500):
            self.settle()

    def never_sent(self) -> None:
        """The write never left this machine (no address, connection refused): it created nothing."""
        self.settle()

    def settle(self, created: str | None = None) -> None:
        self.unsettled -= 1
        if created is not None:
            self.created.append(created)
        self._append({"settled": 1, **({"created": created} if created is not None else {})})

    def record(self, item_path: str) -> None:
        """An item a drill created by other means; recorded once."""
        if item_path not in self.created:
            self.created.append(item_path)
            self._append({"created": item_path})

    def finish(self, left: int) -> None:
        """Drop the ledger when nothing is left; otherwise keep it, with the count, for the next run."""
        self.left = left
        if self.path is None:
            return
        if left == 0:
            self.path.unlink(missing_ok=True)
        else:
            self._append({"left": left})

    @property
    def pending(self) -> int:
        """What may still be on the target: the last cleanup's count, else every write that may have landed."""
        return self.left if self.left is not None else len(set(self.created)) + self.unsettled

    def is_stale(self) -> bool:
        """Its run is over: the owning process is gone (only judged for ledgers written on this host)."""
        if self.owner.get("host") != socket.gethostname():
            return False
        try:
            pid = int(self.owner.get("pid", 0))
        except (TypeError, ValueError):
            return False
        return pid > 0 and not process_alive(pid)  # no pid recorded: not judged, never swept

    def _append(self, entry: dict) -> None:
        if self.path is None:
            return
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")
            handle.flush()
            os.fsync(handle.fileno())  # a SIGKILL right after the write must not lose the id


def deletable_collections(document: dict) -> list[str]:
    """Paths with a POST whose items have a DELETE (``/api/shards`` and ``/api/shards/{id}``)."""
    paths = document.get("paths") or {}
    found = []
    for path, item in paths.items():
        if isinstance(item, dict) and "post" in item and _item_delete(paths, path):
            found.append(path)
    return sorted(found)


def _item_delete(paths: dict, collection: str) -> bool:
    for path, item in paths.items():
        rest = path[len(collection) + 1:] if path.startswith(collection + "/") else ""
        if rest.startswith("{") and rest.endswith("}") and "/" not in rest and "delete" in (item or {}):
            return True
    return False


def tag_case(case: Any, tenant: str) -> None:
    """Put the drill tenant wherever the generated request names a tenant as a string."""
    for container in ("body", "query"):
        value = getattr(case, container, None)
        if isinstance(value, dict) and isinstance(value.get(TAG_FIELD), str):
            setattr(case, container, {**value, TAG_FIELD: tenant})


def remove_writes(ledger: WriteLedger, *, timeout_s: float, verify: bool | str = True,
                  budget_s: float = CLEANUP_BUDGET_S) -> int:
    """Delete what the ledger names and what its tenant still lists; returns how many are left."""
    import httpx

    from drillbook.clients.bounds import context_for

    deadline = time.monotonic() + budget_s
    try:
        with httpx.Client(base_url=ledger.base_url, timeout=timeout_s, verify=context_for(ledger.base_url, verify),
                          headers={"User-Agent": "drillbook (drill cleanup)"}) as client:
            left = _delete_all(client, ledger, deadline)
    except httpx.HTTPError as exc:
        left = _unreachable_count(ledger, exc)
    ledger.finish(left)
    return left


def _delete_all(client, ledger: WriteLedger, deadline: float) -> int:
    failed = {path for path in dict.fromkeys(ledger.created) if not _delete(client, path, ledger.tenant, deadline)}
    listed: set[str] = set()
    for collection in ledger.collections:
        for _ in range(3):  # a page at a time; a tenant that does not shrink is not deleted again and again
            page = _list(client, collection, ledger.tenant, deadline)
            todo = [f"{collection}/{item_id}" for item_id in page or () if f"{collection}/{item_id}" not in listed]
            listed.update(todo)
            if not todo:
                break
            failed.update(path for path in todo if not _delete(client, path, ledger.tenant, deadline))
    pages = [(c, _list(client, c, ledger.tenant, deadline)) for c in ledger.collections]
    still = {f"{c}/{i}" for c, page in pages for i in page or ()}
    unlisted = any(page is None for _, page in pages)  # what landed unnamed cannot be shown gone
    return len(failed | still) + (ledger.unsettled if unlisted else 0)


def _delete(client, path: str, tenant: str, deadline: float) -> bool:
    if time.monotonic() > deadline:
        return False
    response = client.delete(path, params={TAG_FIELD: tenant})
    return response.status_code < 300 or response.status_code == 404


def _list(client, collection: str, tenant: str, deadline: float) -> list[str] | None:
    """The tenant's item ids, or None when the target would not list them (out of time, not its documented list)."""
    if time.monotonic() > deadline:
        return None
    response = client.get(collection, params={TAG_FIELD: tenant, "limit": LIST_LIMIT})
    try:
        body = response.json() if response.status_code == 200 else None
    except ValueError:
        body = None
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        return None
    return [str(i["id"]) for i in items if isinstance(i, dict) and "id" in i]


def _unreachable_count(ledger: WriteLedger, exc: Exception) -> int:
    """What may have landed stays counted; a sandbox on loopback that refuses connections took its writes with it.

    A loopback target that accepts and hangs still holds them.
    """
    import httpx

    host = urlsplit(ledger.base_url).hostname or ""
    gone = isinstance(exc, httpx.ConnectError) and host in LOOPBACK_HOSTS
    return 0 if gone else ledger.pending


def sweep_stale(directory: Path, environment: str, *, timeout_s: float, verify: bool | str = True) -> list[tuple]:
    """Remove what runs of this environment that were killed left behind: [(tenant, created, left)]."""
    swept = []
    for path in sorted(directory.glob("*.jsonl")) if directory.is_dir() else []:
        try:
            ledger = WriteLedger.load(path)
        except (OSError, ValueError, KeyError, IndexError):
            continue  # half a header from a run killed mid-write: nothing was written under it yet
        if ledger.environment == environment and ledger.is_stale():
            swept.append((ledger.tenant, len(ledger.created), remove_writes(ledger, timeout_s=timeout_s,
                                                                             verify=verify)))
    return swept


def pending_writes(directory: Path, environment: str) -> int:
    """How many drill writes of this environment are known to be left on the target (for the journal)."""
    total = 0
    for path in directory.glob("*.jsonl") if directory.is_dir() else []:
        try:
            ledger = WriteLedger.load(path)
        except (OSError, ValueError, KeyError, IndexError):
            continue
        if ledger.environment == environment:
            total += ledger.pending
    return total
