"""The rollback drills: swap the slot into production and back, each flip of /health timed against the objective;
and the configuration rollback: change an app setting, restart, verify, revert, restart, verify.

    pytest -m rollback --env staging                      # [safety] allow_destructive = true on staging
    pytest -m rollback --env production --approve CHG-123

Whatever happens, the drill leaves production serving the version it found:
if production serves another one at the end, it swaps once more and says so.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from drillbook import gates
from drillbook.components.check import fail
from drillbook.errors import DrillbookError

SECTION = "rollback"
pytestmark = [pytest.mark.rollback, pytest.mark.destructive, pytest.mark.runbook(SECTION)]


def test_swap_and_swap_back_each_flip_the_version_within_the_objective(http, slot_http, slots, slot_settings,
                                                                       rollback_record):
    before = _healthy_version(http, "production")
    standby = _healthy_version(slot_http, f"slot {slot_settings.slot}")
    if before == standby:
        fail(SECTION, f"production and slot {slot_settings.slot} both serve {before}; a swap would show nothing",
             source=gates.health_url(http))
    timing = {"objective_s": slot_settings.swap_objective_s, "poll_s": slot_settings.poll_interval_s}
    record = rollback_record("slot-swap", timing["objective_s"], recovery="swap back")
    with _restored(http, slots, before, timing):
        _swap_and_judge("swap", slots, http, standby, timing, record)
        _swap_and_judge("swap back", slots, http, before, timing, record)


def _healthy_version(client, where: str) -> str:
    version, seen = gates.read_health(client)
    if version is None:
        fail(SECTION, f"{where} is not healthy before the swap: its /health gave {seen}; nothing was swapped",
             source=gates.health_url(client))
    return version


def _swap_and_judge(step: str, slots, http, expect: str, timing: dict, record) -> None:
    try:
        flip = gates.swap_and_watch(slots, http, expect=expect, **timing)
    except DrillbookError as exc:
        fail(SECTION, f"the {step} to {expect} failed: {exc}", source=slots.swap_source)
    record.timed(step, flip.took_s, flip.describe(step))
    finding = flip.finding(step)
    if finding:
        fail(SECTION, finding, source=gates.health_url(http),
             window=f"{flip.took_s:.1f} s after the {step} call")


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


def test_a_configuration_change_and_its_revert_each_restart_healthy(http, slots, slot_settings, pytestconfig,
                                                                     rollback_record):
    journal = Path(pytestconfig.option.journal_dir)
    _undo_an_interrupted_run(slots, journal)
    record = rollback_record("config-rollback", slot_settings.restart_objective_s, recovery="revert")
    undo = gates.write_undo(journal, target=slots.settings_source)  # before the change, so it can always be undone
    try:
        _change_and_verify("change", lambda: slots.set_setting(gates.DRILL_SETTING, "on"), slots, http, slot_settings,
                           record, present=True)
        _change_and_verify("revert", lambda: slots.remove_setting(gates.DRILL_SETTING), slots, http, slot_settings,
                           record, present=False)
    finally:
        _remove_drill_setting(slots, "the drill ended")
        undo.unlink(missing_ok=True)


def _change_and_verify(step: str, change, slots, http, slot_settings: dict, record, *, present: bool) -> None:
    try:
        change()
        slots.restart()
        names = slots.setting_names()
    except DrillbookError as exc:
        fail(SECTION, f"the configuration {step} failed: {exc}", source=slots.settings_source)
    if (gates.DRILL_SETTING in names) != present:
        fail(SECTION, f"after the configuration {step}, {gates.DRILL_SETTING} is "
                      f"{'missing' if present else 'still set'}", source=slots.settings_source)
    objective = slot_settings.restart_objective_s
    healthy, took, seen = gates.wait_healthy(http, objective_s=objective, poll_s=slot_settings.poll_interval_s)
    answered = f"/health healthy in {took:.2f} s" if healthy else f"/health gave {seen} for {took:.2f} s"
    record.timed(step, took, f"configuration {step} and restart: {answered} (objective {objective:g} s)")
    if not healthy:
        fail(SECTION, f"after the configuration {step} and restart, /health gave {seen} for {took:.1f} s; "
                      f"objective {slot_settings.restart_objective_s:g} s", source=gates.health_url(http))


def _undo_an_interrupted_run(slots, journal: Path) -> None:
    left = gates.pending_undo(journal)
    if left:
        _remove_drill_setting(slots, f"an interrupted run left an undo from {left.get('written')}")


def _remove_drill_setting(slots, why: str) -> None:
    """Remove the drill's setting if it is there, and say whether that was needed."""
    try:
        if gates.DRILL_SETTING in slots.setting_names():
            slots.remove_setting(gates.DRILL_SETTING)
            slots.restart()
            print(f"rollback drill: {why}; removed {gates.DRILL_SETTING} and restarted")
    except DrillbookError as exc:
        print(f"rollback drill: {why}; could not remove {gates.DRILL_SETTING} ({exc}): remove it by hand")
