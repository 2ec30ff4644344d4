"""A lease kept alive by its holder: renewed at a third of its duration from a background thread.

>>> with KeptLease(store.acquire_lease("leases/env-x", 15, holder), on_lost=stopper.stop) as kept:
...     run_the_drill()          # renewed every 5 s meanwhile; released on exit
...     kept.lost                # None, or the StoreError that ended it (on_lost was called once with it)

The ticker never dies silently: whatever a renewal raises (``LeaseLost``, a ``StoreError``, anything else)
ends the lease as lost and reaches ``on_lost``. A renewal is also bounded by the lease's own life: one that
has not answered when the lease would run out counts as lost, since by then another machine may take it.
"""

from __future__ import annotations

import threading
import time
from typing import Callable

from drillbook.errors import StoreError
from drillbook.store._base import Lease

MARGIN_S = 1.0  # a renewal must answer this long before the lease would run out


class KeptLease:
    """Renews ``lease`` every third of its duration until released; ``on_lost(error)`` once if it cannot."""

    def __init__(self, lease: Lease, on_lost: Callable[[StoreError], None] = lambda error: None, *,
                 where: str = "the store", every_s: float | None = None) -> None:
        """``every_s``: how often to renew (default: a third of the lease's duration)."""
        self.lease, self.on_lost, self.where = lease, on_lost, where
        self.every_s = every_s or lease.duration_s / 3
        self.lost: StoreError | None = None
        self.renewals_s: list[float] = []  # how long each renewal took (figures for the record)
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, daemon=True, name=f"drillbook-lease {lease.name}")
        self._ticker.start()

    @property
    def name(self) -> str:
        return self.lease.name

    def release(self) -> None:
        """Stop renewing and give the lease up; a lost lease is not ours to release."""
        self._stop.set()
        if self._ticker is not threading.current_thread():
            self._ticker.join(timeout=self.lease.duration_s)
        if self.lost is None:
            self.lease.release()

    def __enter__(self) -> KeptLease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _tick(self) -> None:
        renewed_at = time.monotonic()
        while not self._stop.wait(self.every_s):
            try:
                self._renew_within(renewed_at + self.lease.duration_s - MARGIN_S - time.monotonic())
                renewed_at = time.monotonic()
            except BaseException as exc:  # noqa: BLE001 - whatever ends the ticker ends the lease, said aloud
                self._lose(exc)
                return

    def _renew_within(self, budget_s: float) -> None:
        outcome: list[BaseException | None] = []

        def renew() -> None:
            try:
                self.lease.renew()
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - carried to the ticker
                outcome.append(exc)

        started = time.monotonic()
        call = threading.Thread(target=renew, daemon=True, name=f"drillbook-renew {self.lease.name}")
        call.start()
        call.join(max(budget_s, 0.0))
        if not outcome:
            raise StoreError(f"store {self.where}: renewing the lease {self.lease.name} took longer than its "
                             f"{self.lease.duration_s} s -> check that the store is reachable from this machine")
        if outcome[0] is not None:
            raise outcome[0]
        self.renewals_s.append(time.monotonic() - started)

    def _lose(self, exc: BaseException) -> None:
        if self._stop.is_set():
            return  # released meanwhile: nothing of ours is lost
        self.lost = exc if isinstance(exc, StoreError) else StoreError(
            f"store {self.where}: renewing the lease {self.lease.name} failed: {type(exc).__name__}: {exc}")
        self.on_lost(self.lost)
