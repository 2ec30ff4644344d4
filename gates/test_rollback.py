"""The rollback drill: swap the slot into production and back, each flip of /health timed against the objective.

    pytest -m rollback --env staging                      # [safety] allow_destructive = true on staging
    pytest -m rollback --env production --approve CHG-123

Whatever happens, the drill leaves production serving the version it found:
if production serves another one at the end, it swaps once more and says so.
"""

from __future__ import annotations

import contextlib

import pytest

from drillbook import gates
from drillbook.check import fail
from drillbook.errors import DrillbookError

SECTION = "rollback"
pytestmark = [pytest.mark.rollback, pytest.mark.destructive, pytest.mark.runbook(SECTION)]


def test_swap_and_swap_back_each_flip_the_version_within_the_objective(http, slot_http, slots, slot_settings):
    before = _healthy_version(http, "production")
    standby = _healthy_version(slot_http, f"slot {slot_settings['slot']}")
    if before == standby:
        fail(SECTION, f"production and slot {slot_settings['slot']} both serve {before}; a swap would show nothing",
             source=f"{http.base_url}health")
    timing = {"objective_s": slot_settings["swap_objective_s"], "poll_s": slot_settings["poll_interval_s"]}
    with _restored(http, slots, before, timing):
        _swap_and_judge("swap", slots, http, standby, timing)
        _swap_and_judge("swap back", slots, http, before, timing)


def _healthy_version(client, where: str) -> str:
    version, seen = gates.read_health(client)
    if version is None:
        fail(SECTION, f"{where} is not healthy before the swap: its /health gave {seen}; nothing was swapped",
             source=f"{client.base_url}health")
    return version


def _swap_and_judge(step: str, slots, http, expect: str, timing: dict) -> None:
    try:
        flip = gates.swap_and_watch(slots, http, expect=expect, **timing)
    except DrillbookError as exc:
        fail(SECTION, f"the {step} to {expect} failed: {exc}", source=slots.swap_source)
    finding = flip.finding(step)
    if finding:
        fail(SECTION, finding, source=f"{http.base_url}health", window=f"{flip.took_s:.1f} s after the {step} call")


@contextlib.contextmanager
def _restored(http, slots, version: str, timing: dict):
    """On the way out, swap once more if production does not serve ``version``; print whether it had to."""
    try:
        yield
    finally:
        serving = gates.live_version(http)
        if serving == version:
            print(f"rollback drill: production serves {version} again; no undo needed")
        else:
            try:
                now = gates.swap_and_watch(slots, http, expect=version, **timing).seen
            except DrillbookError as exc:
                now = f"unknown, the undo swap failed ({exc}): swap back by hand"
            print(f"rollback drill: production served {serving}; undo swap ran, now {now}")
