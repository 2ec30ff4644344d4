"""``--release PATH`` on the command line: the manifest of this run, refused early when it cannot serve."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from drillbook.errors import ConfigError
from drillbook.gates._manifest import Release, load_release


def release_for_run(option: Any) -> Release | None:
    """The manifest ``--release`` names; a gate run without one, or a contradicting --expect-version, is an error."""
    if option.release is None:
        if _selects_gates(option.markexpr or ""):
            raise ConfigError("-m gate needs the release manifest -> pass --release release.toml "
                              "(see README \"Release manifest\")")
        return None
    release = load_release(Path(option.release))
    if option.expect_version and option.expect_version != release.version:
        raise ConfigError(f"--expect-version {option.expect_version} contradicts {option.release}: "
                          f"[release] version = \"{release.version}\" -> drop --expect-version, the manifest sets it")
    return release


def _selects_gates(expression: str) -> bool:
    """``-m gate`` or ``-m "gate or smoke"``; ``-m "not gate"`` does not."""
    return re.search(r"(?<!\bnot )\bgate\b", expression) is not None
