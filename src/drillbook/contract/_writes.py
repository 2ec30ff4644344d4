"""What a contract run writes: tagged with a drill tenant, written down as it happens, removed afterwards.

Every write the fuzzer sends carries the run's drill tenant in ``tenantId``
(``drillbook-drill-<run id>``). The ledger, one JSON line per entry in the run's
store (``drill-writes/<tenant>.jsonl``: under the journal folder on local files,
in the blob container every machine shares), names the tenant before the first
write, each creating write (a POST to a collection) before it leaves, and its
outcome: the id a 2xx names, or nothing when it was refused or never left this
machine (the name did not resolve, the connection was refused). A write that may
have landed without naming an id (a 5xx, no answer in time) stays counted until
cleanup finds the tenant empty. Cleanup deletes the recorded ids and whatever
the tenant still lists; the ledger goes once nothing is left.

Who looks after a ledger is a lease its run renews (``leases/ledger-<tenant>``),
not a process id: a run killed before its cleanup, on any machine, stops
renewing it, and the next write drill against that environment, on any machine,
takes the lease over and sweeps the tenant. A ledger whose lease is renewed
belongs to a live run and is never swept; a run that loses its lease sends no
further write.

>>> ledger = WriteLedger.open(store, "staging", base_url, "drillbook-drill-20261130-1a2b", ["/api/shards"], holder)
>>> ledger.sending()                              # before the POST leaves: in the store, or StoreError
>>> ledger.answered("/api/shards", 201, {"id": "3f9c"})
>>> remove_writes(ledger, timeout_s=5, verify=True)
0
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from drillbook.store import Holder, Store
from drillbook.store.owned import give_back, keep, process_gone, take_over, this_process
from drillbook.store.renewal import KeptLease

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
TAG_FIELD = "tenantId"  # Castiel partitions every write by tenant; the drill's own tenant marks what it wrote
LEDGER_DIR = "drill-writes"  # the ledgers' folder in the store (today's <journal dir>/drill-writes on local files)
LEASE_PREFIX = "leases/ledger-"
CLEANUP_BUDGET_S = 30.0
LIST_LIMIT = 100


def drill_tenant_for_run(prefix: str) -> str:
    """``drillbook-drill-20261130T155401-1a2b``: recognisable, and unique per run."""
    return f"{prefix}-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{secrets.token_hex(2)}"


def ledger_name(tenant: str) -> str:
    return f"{LEDGER_DIR}/{tenant}.jsonl"


@dataclass
class WriteLedger:
    """The tenant a run writes under, the collections it may write to, and the ids it created."""

    store: Store | None  # None: kept in memory only
    environment: str
    base_url: str
    tenant: str
    collections: list[str]
    created: list[str] = field(default_factory=list)
    left: int | None = None  # what the last cleanup could not remove
    owner: dict = field(default_factory=dict)
    unsettled: int = 0  # creating writes that may have landed without naming what they created
    kept: KeptLease | None = field(default=None, repr=False)  # the lease this process renews while it owns the ledger

    @property
    def name(self) -> str:
        return ledger_name(self.tenant)

    @classmethod
    def open(cls, store: Store | None, environment: str, base_url: str, tenant: str, collections: list[str],
             holder: Holder | None = None) -> WriteLedger:
        """Take the ledger's lease, then write the header (tenant first, before any write) to the store."""
        owner = this_process()
        ledger = cls(store, environment, base_url, tenant, list(collections), owner=owner)
        if store is not None:
            owner["lease"] = LEASE_PREFIX + tenant
            ledger.kept = keep(store, owner["lease"], holder or Holder(who="drillbook", drill="contract writes"))
        try:
            ledger._append({"environment": environment, "base_url": base_url, "tenant": tenant,
                            "collections": ledger.collections, "owner": owner})
        except BaseException:
            ledger.release()
            raise
        return ledger

    @classmethod
    def load(cls, store: Store, name: str) -> WriteLedger | None:
        """The ledger as a killed run left it; None when there is none, or only half a header (nothing was written
        under it yet). A line cut short by a kill mid-write is skipped: its write never left."""
        lines = []
        for text in (store.read(name) or b"").decode("utf-8", errors="replace").splitlines():
            try:
                lines.append(json.loads(text))
            except ValueError:
                continue
        head = lines[0] if lines and isinstance(lines[0], dict) else {}
        if not {"environment", "base_url", "tenant", "collections"} <= head.keys():
            return None
        ledger = cls(store, head["environment"], head["base_url"], head["tenant"], head["collections"],
                     owner=head.get("owner") or {})
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
        """Before a creating write leaves: it counts as on the target until its outcome is known.

        A run that lost its lease sends nothing more (another run may be sweeping its tenant): the lease's
        StoreError is raised here, before the write leaves."""
        if self.kept is not None and self.kept.lost is not None:
            raise self.kept.lost
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
        """Drop the ledger when nothing is left; otherwise keep it, with the count, for the next run. Either way
        the lease is given up: what is left is the next write drill's to sweep."""
        self.left = left
        if self.store is None:
            return
        try:
            if left == 0:
                self.store.delete(self.name)
            else:
                self._append({"left": left})
        finally:
            self.release()

    def release(self) -> None:
        kept, self.kept = self.kept, None
        give_back(kept)

    @property
    def pending(self) -> int:
        """What may still be on the target: the last cleanup's count, else every write that may have landed."""
        return self.left if self.left is not None else len(set(self.created)) + self.unsettled

    def _append(self, entry: dict) -> None:
        if self.store is None:
            return
        line = (json.dumps(entry) + "\n").encode()
        # acknowledged by the blob service, or fsynced on local files: a SIGKILL right after must not lose the id;
        # a line a kill cut short is ended first, so this one stays whole
        self.store.append_line(self.name, lambda end: (b"\n" if end and not end.endswith(b"\n") else b"") + line)


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


def sweep_stale(store: Store, environment: str, *, timeout_s: float, verify: bool | str = True,
                holder: Holder | None = None) -> list[tuple]:
    """Remove what runs of this environment that are over left behind: [(tenant, created, left)].

    A ledger is swept under its own lease, taken over from its run (so two sweepers never sweep it at once);
    one whose lease its run still renews is left alone."""
    swept = []
    for ledger in _ledgers(store, environment):
        kept = _take_over(store, ledger, holder or Holder(who="drillbook", drill="contract writes sweep"))
        if kept is None:
            continue
        ledger = WriteLedger.load(store, ledger.name)  # as its run, or another sweeper, left it before letting go
        if ledger is None:
            give_back(kept)
        else:
            ledger.kept = kept
            swept.append((ledger.tenant, len(ledger.created), remove_writes(ledger, timeout_s=timeout_s,
                                                                             verify=verify)))
    return swept


def pending_writes(store: Store, environment: str) -> int:
    """How many drill writes of this environment are known to be left on the target (for the journal)."""
    return sum(ledger.pending for ledger in _ledgers(store, environment))


def _ledgers(store: Store, environment: str) -> list[WriteLedger]:
    found = (WriteLedger.load(store, name) for name in store.list(LEDGER_DIR + "/") if name.endswith(".jsonl"))
    return [ledger for ledger in found if ledger is not None and ledger.environment == environment]


def _take_over(store: Store, ledger: WriteLedger, holder: Holder) -> KeptLease | None:
    """Its lease, once its run is over; on a local store a process gone from this host is over at once."""
    gone = process_gone(ledger.owner, store)
    lease = ledger.owner.get("lease")
    if not lease:  # written before ledgers had leases (local files): judged by its process alone
        return take_over(store, LEASE_PREFIX + ledger.tenant, holder) if gone else None
    return take_over(store, lease, holder, owner_gone=gone)
