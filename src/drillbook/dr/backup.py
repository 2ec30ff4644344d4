"""A container's export as per-document checksums, and the comparison of a restore against it."""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field

SYSTEM_FIELDS = ("_rid", "_self", "_etag", "_attachments", "_ts", "_lsn")


def checksum(document: dict) -> str:
    """sha256 of the document's own fields (Cosmos' system fields left out), keys sorted."""
    own = {key: value for key, value in document.items() if key not in SYSTEM_FIELDS}
    return hashlib.sha256(json.dumps(own, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class Export:
    """id -> checksum, and the newest write (``_ts``, epoch seconds) among the documents."""

    checksums: dict[str, str]
    written_at: dict[str, float] = field(default_factory=dict)
    truncated: bool = False

    @property
    def count(self) -> int:
        return len(self.checksums)

    @property
    def newest_write(self) -> float | None:
        return max(self.written_at.values(), default=None)


def export_container(container, max_documents: int) -> Export:
    """Read at most ``max_documents`` documents; ``truncated`` says whether more were there."""
    items = list(itertools.islice(container.read_all_items(max_item_count=500), max_documents + 1))
    kept = items[:max_documents]
    return Export({d["id"]: checksum(d) for d in kept}, {d["id"]: float(d.get("_ts", 0)) for d in kept},
                  truncated=len(items) > max_documents)


@dataclass(frozen=True)
class Comparison:
    missing: tuple[str, ...]
    changed: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not self.missing and not self.changed

    def describe(self, reference: Export, restored: Export) -> str:
        parts = [f"{restored.count} documents restored of {reference.count} backed up"]
        for name, ids in (("missing", self.missing), ("changed", self.changed), ("not in the backup", self.extra)):
            if ids:
                parts.append(f"{len(ids)} {name} ({', '.join(ids[:3])}{', ...' if len(ids) > 3 else ''})")
        return "; ".join(parts)


def compare(reference: Export, restored: Export) -> Comparison:
    ref, got = reference.checksums, restored.checksums
    return Comparison(tuple(sorted(ref.keys() - got.keys())),
                      tuple(sorted(i for i in ref.keys() & got.keys() if ref[i] != got[i])),
                      tuple(sorted(got.keys() - ref.keys())))
