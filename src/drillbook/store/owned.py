"""What one run leaves in the store for a later run to finish (a ledger of drill writes, a configuration undo),
looked after under a lease the run renews: a later run, on any machine, takes it over only once that lease is
no longer renewed (its run ended, or died anywhere), and never while it is.

>>> kept = keep(store, "leases/ledger-drillbook-drill-x", holder)        # before the object is written
>>> kept.lost                                                          # None while renewed; else why it ended
>>> kept.release()                                                     # the run is done with it
>>> take_over(store, "leases/ledger-drillbook-drill-x", me)             # a KeptLease, or None while renewed

A local store serves one machine, where a process id still says whether the owner lives: an object names
its process (``this_process()``), and ``process_gone(owner, store)`` lets the next run on that machine take
over at once instead of waiting for the lease to run out. On a shared store a process id means nothing.
"""

from __future__ import annotations

import os
import socket
from contextlib import suppress
from typing import Callable

from drillbook.errors import StoreError
from drillbook.runtime.pids import process_alive
from drillbook.store._base import Holder, Store
from drillbook.store.renewal import KeptLease

LEASE_S = 15  # the shortest blob lease: what a dead run leaves is another run's this long after it died


def keep(store: Store, lease_name: str, holder: Holder,
         on_lost: Callable[[StoreError], None] = lambda error: None) -> KeptLease:
    """Take a fresh lease (a name nobody else knows) and renew it from now on; StoreError naming the store if not.

    ``on_lost(error)`` once if a renewal fails (``KeptLease``): a drill's stopper, say."""
    lease = store.acquire_lease(lease_name, LEASE_S, holder)
    if lease is None:
        now = store.inspect_lease(lease_name).holder
        raise StoreError(f"store {store.description}: the lease {lease_name} is held by "
                         f"{now.describe() if now else 'another run'} -> let that drill finish (a holder that died "
                         f"frees it within {LEASE_S} s by itself)")
    return KeptLease(lease, on_lost, where=store.description)


def take_over(store: Store, lease_name: str, holder: Holder, *, owner_gone: bool = False) -> KeptLease | None:
    """The lease of an object whose run is over, now ours and renewed; None while its owner renews it."""
    if owner_gone:
        store.break_lease(lease_name)
    lease = store.acquire_lease(lease_name, LEASE_S, holder)
    return KeptLease(lease, where=store.description) if lease is not None else None


def this_process() -> dict:
    """What names the owning process in an object it writes: judged by ``process_gone`` on a local store only."""
    return {"pid": os.getpid(), "host": socket.gethostname()}


def process_gone(owner: dict, store: Store) -> bool:
    """The process that wrote the object is gone: judged only on a local store, for objects written on this host."""
    if store.shared or owner.get("host") != socket.gethostname():
        return False
    try:
        pid = int(owner.get("pid", 0))
    except (TypeError, ValueError):
        return False
    return pid > 0 and not process_alive(pid)  # no pid recorded: not judged


def give_back(kept: KeptLease | None) -> None:
    """Release what can be; a store that no longer answers lets the lease run out by itself."""
    if kept is not None:
        with suppress(StoreError):
            kept.release()
