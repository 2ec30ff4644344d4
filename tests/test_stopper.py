"""A lease lost in a background thread is raised in the drill, once; never over a stop the run is already making."""

from __future__ import annotations

import threading
import time

import pytest

from drillbook.errors import StoreError
from drillbook.runtime.stopper import DrillStopper, stand_down


def stop_from_a_thread(stopper: DrillStopper, error: BaseException) -> None:
    thread = threading.Thread(target=stopper.stop, args=(error,))
    thread.start()
    thread.join(timeout=5)


def test_a_lost_lease_is_raised_in_the_armed_drill():
    stopper = DrillStopper()
    with pytest.raises(StoreError, match="renewing the lease"):
        with stopper.armed():
            stop_from_a_thread(stopper, StoreError("store x: unreachable renewing the lease leases/env"))
            time.sleep(2)  # the signal interrupts this sleep
    assert stopper.raised


def test_a_lease_lost_after_the_run_stood_down_is_kept_not_raised():
    # two leases lost to one outage: the ledger's stop ends the run, the environment lease's must not bury its line
    stopper = DrillStopper()
    with stopper.armed():
        stand_down()
        stop_from_a_thread(stopper, StoreError("store x: unreachable renewing the lease leases/env"))
        time.sleep(0.2)  # a signal, had one been raised, lands here
    assert not stopper.raised and "renewing the lease" in str(stopper.error)
