"""``--release PATH`` and ``--slot NAME`` on the command line, refused early when they cannot serve."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pytest

from drillbook import markers
from drillbook.errors import ConfigError
from drillbook.gates._manifest import Release, load_release

SLOT_MARKERS = ("smoke", "health")  # what reads a slot's own address; swaps, the watch and the gates read production


def release_for_run(option: Any) -> Release | None:
    """The manifest ``--release`` names, or None; a contradicting --expect-version is an error."""
    if option.release is None:
        return None
    release = load_release(Path(option.release))
    if option.expect_version and option.expect_version != release.version:
        raise ConfigError(f"--expect-version {option.expect_version} contradicts {option.release}: "
                          f"[release] version = \"{release.version}\" -> drop --expect-version, the manifest sets it")
    return release


def refuse_missing_release(release: Release | None, items: Sequence[pytest.Item], markexpr: str | None) -> None:
    """After -m has deselected: ``-m gate`` without a manifest cannot judge the release, so it is refused.

    A run that does not name the gates (a bare ``pytest``) runs them too: those that read the manifest skip
    with the reason (the ``release`` fixture), and the gates that read none (the drill cadence) run.
    """
    needing = [item for item in items if "release" in getattr(item, "fixturenames", ())]
    if release is None and needing and "gate" in markers.named_markers(markexpr):
        raise pytest.UsageError(f"-m gate needs the release manifest -> pass --release release.toml "
                                f"({len(needing)} selected gates read it; "
                                "see docs/gates-and-rollback.md \"The release manifest\")")


def refuse_slot_misuse(slot: str | None, items: Sequence[pytest.Item]) -> None:
    """After -m has deselected: ``--slot`` runs only smoke and health drills, never a swap, watch or gate."""
    others = [item for item in items if not any(item.get_closest_marker(name) for name in SLOT_MARKERS)]
    if slot is not None and others:
        raise pytest.UsageError(f"--slot {slot} aims only smoke and health drills at the slot ({len(others)} "
                                f"selected drills are neither, e.g. {others[0].nodeid}) -> run them without --slot")
