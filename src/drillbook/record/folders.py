"""The folders a run writes its record to, checked before anything runs: one line names the path and the fix.

    writable_dir(Path("reports/journal"), "--journal-dir", given=False)   # the path, created if missing

A journal directory that is a file, or a ``reports/`` nobody may write to, used to surface as an
INTERNALERROR traceback when the run began or ended, after the drills had run and their record was lost.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from drillbook.errors import ConfigError


def writable_dir(path: Path, option: str, *, given: bool) -> Path:
    """``path``, created if missing, once a file could be made in it; else a ConfigError naming the fix."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        named = f"{option} {path}" if given else f"{path} (the default {option})"
        raise ConfigError(f"{named}: {_why(exc)} -> {_fix(path, option, given)}") from None
    return path


def _why(exc: OSError) -> str:
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return "not a directory (a file is in the way)"
    return (exc.strerror or str(exc)).lower()


def _fix(path: Path, option: str, given: bool) -> str:
    if given:
        return f"give {option} a directory this user can write (a missing one is created)"
    top = path.parts[0] if path.parts else str(path)
    return f"make {top}/ writable for this user, or pass {option}=DIR elsewhere"
