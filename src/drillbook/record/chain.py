"""The journal's chain: every entry carries its own sha256, its predecessor's, and its run's artifacts' sha256.

>>> append_chained(store, "drills.jsonl", entry)      # store: drillbook.store, local files or a blob container
>>> verify_journal(store, "drills.jsonl").problem     # None, or the first entry or file that differs

Editing an entry breaks its own hash; removing or reordering one breaks the
next entry's link; changing a result file, chart or JUnit XML breaks the
manifest (each artifact is read back from the store, where the run kept it).
Concurrent runs, on one machine or many, append through the store's
conditional append: a run that loses the race relinks to the winner's entry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from drillbook.store import Store

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


def append_chained(store: Store, name: str, entry: dict) -> dict:
    """Link ``entry`` to the last one in the log ``name`` and append it as one line; return it as written."""
    written: dict = {}

    def link(content: bytes) -> bytes:  # called again with the new tail when another run appended first
        lines = content.decode("utf-8", errors="replace").splitlines()
        written.clear()
        written.update({**entry, PREVIOUS_KEY: _last_hash(lines)})
        written[HASH_KEY] = entry_digest(written)
        torn = b"\n" if content and not content.endswith(b"\n") else b""  # a torn last line stays its own line
        return torn + (json.dumps(written, ensure_ascii=False) + "\n").encode()

    store.append_line(name, link)
    return dict(written)


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
    missing: bool = False  # there is no journal at all


def verify_journal(store: Store, name: str) -> Verification:
    """Check every entry's hash, its link to the one before, and its artifacts; stop at the first mismatch."""
    data = store.read(name)
    if data is None:
        return Verification(0, 0, None, f"{store.locate(name)}: no journal here -> run a drill first, or name the "
                                        "journal's folder (--journal-dir) or environment (--env)", missing=True)
    lines = [line for line in data.decode("utf-8", errors="replace").splitlines() if line.strip()]
    previous, unchained = None, 0
    for number, line in enumerate(lines, start=1):
        entry, problem = _read_entry(line, number)
        if problem is None and entry.get(HASH_KEY) is None:
            if previous is None:  # written before the journal was chained: counted, not trusted
                unchained += 1
                continue
            problem = f"entry {number}{_when(entry)}: carries no sha256 -> it was added or edited by hand"
        problem = problem or _check_entry(entry, number, previous, store)
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


def _check_entry(entry: dict, number: int, previous: str | None, store: Store) -> str | None:
    where = f"entry {number}{_when(entry)}"
    if entry_digest(entry) != entry[HASH_KEY]:
        return f"{where}: its sha256 does not match its content -> the entry was edited after it was written"
    if entry.get(PREVIOUS_KEY) != previous:
        return (f"{where}: previous_sha256 does not match entry {number - 1} -> an entry before it was removed, "
                f"reordered or replaced")
    for name, digest in (entry.get(ARTIFACTS_KEY) or {}).items():
        problem = _check_artifact(store.read(name), digest)
        if problem:
            return f"{where}: artifact {store.locate(name)} {problem}"
    return None


def _check_artifact(data: bytes | None, digest: str) -> str | None:
    if data is None:
        return "is missing -> restore it, or the run's record is incomplete"
    actual = hashlib.sha256(data).hexdigest()
    return None if actual == digest else f"changed (sha256 {actual[:12]}..., recorded {digest[:12]}...)"


def _when(entry: dict) -> str:
    return f" (started {entry['started']})" if isinstance(entry.get("started"), str) else ""
