"""The journal's chain: every entry carries its own sha256, its predecessor's, and its run's artifacts' sha256.

>>> append_chained(Path("reports/journal/drills.jsonl"), entry)
>>> verify_journal(Path("reports/journal/drills.jsonl")).problem   # None, or the first entry or file that differs

Editing an entry breaks its own hash; removing or reordering one breaks the
next entry's link; changing a result file, chart or JUnit XML breaks the
manifest. Concurrent runs append under an exclusive lock on the file.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

HASH_KEY, PREVIOUS_KEY, ARTIFACTS_KEY = "sha256", "previous_sha256", "artifacts"


def entry_digest(entry: dict) -> str:
    """The sha256 of an entry's canonical JSON, its own hash left out."""
    body = {k: v for k, v in entry.items() if k != HASH_KEY}
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest(paths: Iterable[Path], journal_dir: Path) -> dict[str, str]:
    """``{path relative to the journal's folder: sha256}`` for every file among ``paths``."""
    base = journal_dir.resolve()
    return {os.path.relpath(p.resolve(), base): file_digest(p) for p in sorted(set(paths)) if p.is_file()}


def append_chained(path: Path, entry: dict) -> dict:
    """Link ``entry`` to the last one and append it as one line, under an exclusive lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released on close; another run waits here, then links to our entry
        handle.seek(0)
        chained = {**entry, PREVIOUS_KEY: _last_hash(handle.read().splitlines())}
        chained[HASH_KEY] = entry_digest(chained)
        handle.seek(0, os.SEEK_END)
        handle.write(json.dumps(chained, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return chained


def _last_hash(lines: list[str]) -> str | None:
    for line in reversed([line for line in lines if line.strip()]):
        try:
            return json.loads(line).get(HASH_KEY)
        except (ValueError, AttributeError):
            return None  # a broken last line: verify names it; the new entry still links to "nothing known"
    return None


@dataclass(frozen=True)
class Verification:
    """What ``verify_journal`` found: entries read, unprotected entries before the chain, the first problem."""

    entries: int
    unchained: int
    head: str | None
    problem: str | None


def verify_journal(path: Path) -> Verification:
    """Check every entry's hash, its link to the one before, and its artifacts; stop at the first mismatch."""
    if not path.is_file():
        return Verification(0, 0, None, f"{path}: no journal here -> run a drill first, or pass the journal's folder")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    previous, unchained = None, 0
    for number, line in enumerate(lines, start=1):
        entry, problem = _read_entry(line, number)
        if problem is None and entry.get(HASH_KEY) is None:
            if previous is None:  # written before the journal was chained: counted, not trusted
                unchained += 1
                continue
            problem = f"entry {number}{_when(entry)}: carries no sha256 -> it was added or edited by hand"
        problem = problem or _check_entry(entry, number, previous, path.parent)
        if problem:
            return Verification(len(lines), unchained, previous, problem)
        previous = entry[HASH_KEY]
    return Verification(len(lines), unchained, previous, None)


def _read_entry(line: str, number: int) -> tuple[dict, str | None]:
    try:
        entry = json.loads(line)
    except ValueError:
        return {}, f"entry {number}: not valid JSON -> the line was edited; restore it from a backup"
    if not isinstance(entry, dict):
        return {}, f"entry {number}: not a JSON object -> the line was edited; restore it from a backup"
    return entry, None


def _check_entry(entry: dict, number: int, previous: str | None, base: Path) -> str | None:
    where = f"entry {number}{_when(entry)}"
    if entry_digest(entry) != entry[HASH_KEY]:
        return f"{where}: its sha256 does not match its content -> the entry was edited after it was written"
    if entry.get(PREVIOUS_KEY) != previous:
        return (f"{where}: previous_sha256 does not match entry {number - 1} -> an entry before it was removed, "
                f"reordered or replaced")
    for name, digest in (entry.get(ARTIFACTS_KEY) or {}).items():
        artifact = Path(os.path.normpath(base / name))
        problem = _check_artifact(artifact, digest)
        if problem:
            return f"{where}: artifact {artifact} {problem}"
    return None


def _check_artifact(path: Path, digest: str) -> str | None:
    if not path.is_file():
        return "is missing -> restore it, or the run's record is incomplete"
    actual = file_digest(path)
    return None if actual == digest else f"changed (sha256 {actual[:12]}..., recorded {digest[:12]}...)"


def _when(entry: dict) -> str:
    return f" (started {entry['started']})" if isinstance(entry.get("started"), str) else ""
