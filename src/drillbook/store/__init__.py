"""The one store for what must outlive the run: local files, or an Azure Blob container every machine shares.

Chosen by the environment file's ``[record]`` (``store = "local"``, the default, or ``"blob"``)::

    store = open_store(env.config.record, Path("reports/journal"), where="environments/staging.toml")
    store.read("drills.jsonl")                       # bytes, or None when there is no such object
    store.write("runs/1a2b3c4d/manifest.json", data)  # create or overwrite
    store.list("runs/1a2b3c4d/")                     # names under a prefix, sorted
    store.delete("drill-writes/x.jsonl")             # gone (or was never there)
    store.append_line("drills.jsonl", lambda end: link(end, entry))   # see below

Nothing else knows where the record lives. Every call is bounded; a store that cannot be reached raises
``errors.StoreError`` with one line naming it (folder, or account URL and container), never an empty answer.

**Chained log.** ``append_line(name, build)`` calls ``build(the log's end)`` (at least its last line) and
appends what it returns exactly where that end was read (an append blob's ``appendpos_condition``;
``flock`` on local files). A writer that loses the race reads what landed meanwhile, calls ``build``
again (so its line links to the winner's) and retries, at most ``APPEND_ATTEMPTS`` times. An append
reads the log's last 64 KiB, not the log: its cost stays flat as the journal grows.

**Leases** (ownership across machines: an undo, an environment). A lease is never infinite: 15-60 s,
renewed by its holder at a third of that. A holder that cannot renew (``errors.LeaseLost``, or a
``StoreError``) stops what it owns and reverts; a lease nobody renews runs out, which is how another
machine learns its holder is gone::

    holder = Holder(who=operator_name(), run_id=run_id(), drill="chaos/redis-outage")
    lease = store.acquire_lease("leases/env-staging", 30, holder)   # None while another holder renews it
    if lease is None:
        state = store.inspect_lease("leases/env-staging")          # .state, .holder.describe()
    with lease:                                                     # released on exit
        lease.renew()                                               # every 10 s, from the holder's ticker
    store.inspect_lease("leases/undo-1a2b").expired                # held once, not released, not renewed
    store.break_lease("leases/env-staging")                        # an operator's override

``inspect_lease(name).state`` is ``held``, ``expired`` (its holder stopped renewing), ``broken``,
``released`` or ``free`` (never taken); ``.holder`` is the last holder (who, host, run id, drill,
since) in every state but ``free``. Right after ``acquire_lease`` returns, an inspector may for a
moment still see the previous holder's name beside ``held``. On local files the semantics are the
same within one machine (expiry by the wall clock; ``LocalStore(root, clock=...)`` lets a test move it on).
A test that needs a holder gone need not wait the 15 s Azure's shortest lease lasts: ``break_lease`` leaves
the same trace (``expired`` is true of a broken lease too).

A container under a time-based retention policy refuses to overwrite a blob: the journal (appends) and
run records (new blobs) live there well, but a lease's holder is rewritten on every take and release, so
leases belong in a container without such a policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from drillbook.errors import ConfigError
from drillbook.store._base import (
    APPEND_ATTEMPTS, MAX_LEASE_S, MIN_LEASE_S, Holder, Lease, LeaseState, LineBuilder, Store, check_duration,
)

if TYPE_CHECKING:
    from drillbook.config.sections import RecordSection

__all__ = ["APPEND_ATTEMPTS", "MAX_LEASE_S", "MIN_LEASE_S", "Holder", "Lease", "LeaseState", "LineBuilder", "Store",
           "check_duration", "open_store"]


def open_store(record: RecordSection, local_root: Path, *, where: str, **client_options: object) -> Store:
    """The store ``[record]`` names; ``local_root`` (--journal-dir) is the local store's folder.

    ``client_options`` reach the blob SDK's client (a test's ``transport``, a ``credential``).
    """
    if record.store == "local":
        from drillbook.store.local import LocalStore

        return LocalStore(local_root)
    from drillbook.config.secrets import resolve_secret
    from drillbook.store.blob import BlobStore

    _require_blob_keys(record, where)
    secret = (resolve_secret(record.connection_string, where=f"{where}: [record] connection_string")
              if record.connection_string else None)
    try:
        return BlobStore(record.account_url, record.container, connection_string=secret,
                         timeout_s=record.timeout_s, **client_options)
    except ValueError as exc:  # a connection string the SDK cannot parse (its text is never shown)
        if secret is None:
            raise
        raise ConfigError(f"{where}: [record] connection_string ({record.connection_string.describe()}): "
                          f"{type(exc).__name__} -> give a storage connection string (AccountName=...;"
                          "AccountKey=...; or BlobEndpoint=...;SharedAccessSignature=...)") from None
    except ConfigError as exc:  # no credential to sign in with (clients.azure.default_credential says why)
        raise ConfigError(f"{where}: [record] store {record.account_url}: {exc}") from None


def _require_blob_keys(record: RecordSection, where: str) -> None:
    if not record.container:
        raise ConfigError(f'{where}: [record] store = "blob" needs container -> add container = "drillbook-record" '
                          "(the container every runner shares)")
    if not (record.account_url or record.connection_string):
        raise ConfigError(f'{where}: [record] store = "blob" needs account_url (signed in with '
                          'DefaultAzureCredential) or connection_string -> add account_url = '
                          '"https://ACCOUNT.blob.core.windows.net", or connection_string = { env = "NAME" }')
