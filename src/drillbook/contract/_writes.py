"""What a contract run writes: tagged with a drill tenant, written down as it happens, removed afterwards.

Every write the fuzzer sends carries the run's drill tenant in ``tenantId``
(``drillbook-drill-<run id>``). The ledger, one JSON line per entry under
``<journal dir>/drill-writes/``, names the tenant before the first write and
each created id as its 2xx arrives. Cleanup deletes the recorded ids and
whatever the tenant still lists; the ledger goes once nothing is left, so a run
killed before its cleanup leaves the ledger for the next write drill to sweep.

>>> ledger = WriteLedger.open(directory, "staging", base_url, "drillbook-drill-20261130-1a2b", ["/api/shards"])
>>> ledger.record("/api/shards/3f9c")
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

from drillbook.pids import process_alive

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
            if "left" in entry:
                ledger.left = entry["left"]
        return ledger

    def record(self, item_path: str) -> None:
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
        return self.left if self.left is not None else len(self.created)

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


def note_created(ledger: WriteLedger, method: str, path: str, status: int, body: Any) -> None:
    """A 2xx POST to a deletable collection that answered with an id created something: write it down."""
    if method.upper() == "POST" and 200 <= status < 300 and path in ledger.collections and isinstance(body, dict):
        item_id = body.get("id")
        if isinstance(item_id, (str, int)) and str(item_id):
            ledger.record(f"{path}/{item_id}")


def remove_writes(ledger: WriteLedger, *, timeout_s: float, verify: bool | str = True,
                  budget_s: float = CLEANUP_BUDGET_S) -> int:
    """Delete what the ledger names and what its tenant still lists; returns how many are left."""
    import httpx

    deadline = time.monotonic() + budget_s
    try:
        with httpx.Client(base_url=ledger.base_url, timeout=timeout_s, verify=verify,
                          headers={"User-Agent": "drillbook (drill cleanup)"}) as client:
            left = _delete_all(client, ledger, deadline)
    except httpx.HTTPError:
        left = _unreachable_count(ledger)
    ledger.finish(left)
    return left


def _delete_all(client, ledger: WriteLedger, deadline: float) -> int:
    failed = {path for path in dict.fromkeys(ledger.created) if not _delete(client, path, ledger.tenant, deadline)}
    listed: set[str] = set()
    for collection in ledger.collections:
        for _ in range(3):  # a page at a time; a tenant that does not shrink is not deleted again and again
            page = _list(client, collection, ledger.tenant, deadline)
            todo = [f"{collection}/{item_id}" for item_id in page if f"{collection}/{item_id}" not in listed]
            listed.update(todo)
            if not todo:
                break
            failed.update(path for path in todo if not _delete(client, path, ledger.tenant, deadline))
    still = {f"{c}/{i}" for c in ledger.collections for i in _list(client, c, ledger.tenant, deadline)}
    return len(failed | still)


def _delete(client, path: str, tenant: str, deadline: float) -> bool:
    if time.monotonic() > deadline:
        return False
    response = client.delete(path, params={TAG_FIELD: tenant})
    return response.status_code < 300 or response.status_code == 404


def _list(client, collection: str, tenant: str, deadline: float) -> list[str]:
    if time.monotonic() > deadline:
        return []
    response = client.get(collection, params={TAG_FIELD: tenant, "limit": LIST_LIMIT})
    try:
        body = response.json() if response.status_code == 200 else {}
    except ValueError:  # not the list it documents: what the ledger names is all that can be removed
        body = {}
    items = body.get("items") if isinstance(body, dict) else None
    return [str(i["id"]) for i in items or [] if isinstance(i, dict) and "id" in i]


def _unreachable_count(ledger: WriteLedger) -> int:
    """A sandbox on loopback that no longer answers took its writes with it; a remote target keeps them."""
    host = urlsplit(ledger.base_url).hostname or ""
    return 0 if host in ("127.0.0.1", "localhost", "::1") else max(ledger.pending, 1)


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
