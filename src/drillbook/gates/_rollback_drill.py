"""The rollback drills' steps: the slot swap and back, and the configuration change and its revert, each judged.

>>> run_swap_drill(http, slot_http, slots, slot_settings, rollback_record)
>>> run_config_drill(http, slots, slot_settings, record_store, holder, rollback_record)

``rollback_record(drill, objective_s, recovery=...)`` is the fixture that keeps each step's time for the record.
Whatever happens, the swap drill leaves production serving the version it found: if production serves another
one at the end, it swaps once more and says so. ``gates/test_rollback.py`` calls these.
"""

from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import httpx

from drillbook.components.check import fail
from drillbook.errors import DrillbookError
from drillbook.findings import Kind, kind_of
from drillbook.gates._config import DRILL_SETTING, pending_undo, wait_healthy, write_undo
from drillbook.gates._rollback import RollbackRecord, health_url, live_version, read_health, swap_and_watch
from drillbook.store import Holder, Store

SECTION = "rollback"


def run_swap_drill(http: httpx.Client, slot_http: httpx.Client, slots, slot_settings: dict,
                   start_record: Callable[..., RollbackRecord]) -> None:
    """Swap the slot into production and back; each flip of /health is timed against the objective."""
    __tracebackhide__ = True
    before = _healthy_version(http, "production")
    standby = _healthy_version(slot_http, f"slot {slot_settings.slot}")
    if before == standby:
        fail(SECTION, f"production and slot {slot_settings.slot} both serve {before}; a swap would show nothing",
             source=health_url(http))
    timing = {"objective_s": slot_settings.swap_objective_s, "poll_s": slot_settings.poll_interval_s}
    record = start_record("slot-swap", timing["objective_s"], recovery="swap back")
    with _restored(http, slots, before, timing):
        _swap_and_judge("swap", slots, http, standby, timing, record)
        _swap_and_judge("swap back", slots, http, before, timing, record)


def _healthy_version(client: httpx.Client, where: str) -> str:
    __tracebackhide__ = True
    version, seen = read_health(client)
    if version is None:
        fail(SECTION, f"{where} is not healthy before the swap: its /health gave {seen}; nothing was swapped",
             source=health_url(client))
    return version


def _swap_and_judge(step: str, slots, http: httpx.Client, expect: str, timing: dict, record: RollbackRecord) -> None:
    __tracebackhide__ = True
    try:
        flip = swap_and_watch(slots, http, expect=expect, **timing)
    except DrillbookError as exc:
        fail(SECTION, f"the {step} to {expect} failed: {exc}", source=slots.swap_source, kind=_kind(exc))
    record.timed(step, flip.took_s, flip.describe(step))
    finding = flip.finding(step)
    if finding:
        fail(SECTION, finding, source=health_url(http), window=f"{flip.took_s:.1f} s after the {step} call",
             value=flip.took_s, limit=flip.objective_s, unit="s")


@contextlib.contextmanager
def _restored(http: httpx.Client, slots, version: str, timing: dict) -> Iterator[None]:
    """On the way out, swap once more if production does not serve ``version``; print whether it had to."""
    try:
        yield
    finally:
        serving = live_version(http)
        if serving == version:
            print(f"rollback drill: production serves {version} again; no undo needed")
        else:
            try:
                now = swap_and_watch(slots, http, expect=version, **timing).seen
            except DrillbookError as exc:
                now = f"unknown, the undo swap failed ({exc}): swap back by hand"
            print(f"rollback drill: production served {serving}; undo swap ran, now {now}")


def run_config_drill(http: httpx.Client, slots, slot_settings: dict, store: Store, holder: Holder,
                     start_record: Callable[..., RollbackRecord]) -> None:
    """Change an app setting, restart, verify; revert it, restart, verify; the undo is stored before the change."""
    __tracebackhide__ = True
    _undo_an_interrupted_run(slots, store, holder)
    record = start_record("config-rollback", slot_settings.restart_objective_s, recovery="revert")
    undo = write_undo(store, target=slots.settings_source, holder=holder)  # before the change: it can always be undone

    def change() -> None:
        undo.check()  # a drill that lost the undo's lease changes nothing more
        slots.set_setting(DRILL_SETTING, "on")

    try:
        _change_and_verify("change", change, slots, http, slot_settings, record, present=True)
        _change_and_verify("revert", lambda: slots.remove_setting(DRILL_SETTING), slots, http, slot_settings,
                           record, present=False)
    finally:
        if _remove_drill_setting(slots, "the drill ended"):
            undo.done()
        else:
            undo.release()  # the undo stays, for the next run to apply


def _change_and_verify(step: str, change: Callable[[], None], slots, http: httpx.Client, slot_settings: dict,
                       record: RollbackRecord, *, present: bool) -> None:
    __tracebackhide__ = True
    try:
        change()
        slots.restart()
        names = slots.setting_names()
    except DrillbookError as exc:
        fail(SECTION, f"the configuration {step} failed: {exc}", source=slots.settings_source, kind=_kind(exc))
    if (DRILL_SETTING in names) != present:
        fail(SECTION, f"after the configuration {step}, {DRILL_SETTING} is "
                      f"{'missing' if present else 'still set'}", source=slots.settings_source)
    objective = slot_settings.restart_objective_s
    healthy, took, seen = wait_healthy(http, objective_s=objective, poll_s=slot_settings.poll_interval_s)
    answered = f"/health healthy in {took:.2f} s" if healthy else f"/health gave {seen} for {took:.2f} s"
    record.timed(step, took, f"configuration {step} and restart: {answered} (objective {objective:g} s)")
    if not healthy:
        fail(SECTION, f"after the configuration {step} and restart, /health gave {seen} for {took:.1f} s; "
                      f"objective {objective:g} s", source=health_url(http), value=took, limit=objective, unit="s")


def _kind(exc: DrillbookError) -> Kind:
    """A step the management API could not be reached for is unreachable; one it refused, the procedure failing."""
    return "unreachable" if kind_of(exc) == "unreachable" else "threshold"


def _undo_an_interrupted_run(slots, store: Store, holder: Holder) -> None:
    left = pending_undo(store, target=slots.settings_source, holder=holder)
    if left is None:
        return
    if _remove_drill_setting(slots, f"an interrupted run left an undo from {left.record.get('written')} "
                                    f"({left.store.locate(left.name)})"):
        left.done()
    else:
        left.release()


def _remove_drill_setting(slots, why: str) -> bool:
    """Remove the drill's setting if it is there, and say whether that was needed; False if it could not be."""
    try:
        if DRILL_SETTING in slots.setting_names():
            slots.remove_setting(DRILL_SETTING)
            slots.restart()
            print(f"rollback drill: {why}; removed {DRILL_SETTING} and restarted")
    except DrillbookError as exc:
        print(f"rollback drill: {why}; could not remove {DRILL_SETTING} ({exc}): remove it by hand")
        return False
    return True
