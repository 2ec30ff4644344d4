"""The evidence gates that read files the pipeline exports: test results, the review, the journal, the notice.

Each gate returns its finding (one line: what is wrong and the fix) or None
when the evidence holds. A missing or unreadable file is a finding, never a pass.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from drillbook.errors import StoreError
from drillbook.record.journal import JOURNAL_FILE
from drillbook.store import Store
from drillbook.store.local import LocalStore

if TYPE_CHECKING:
    from drillbook.gates._manifest import NoticeSection

MAX_EVIDENCE_BYTES = 64 * 1024 * 1024  # a test report larger than this is not one the pipeline wrote
SHOWN_CASES = 3
MIGRATION_MARKERS = ("dr", "migration")


def junit_finding(path: Path) -> str | None:
    """Any failed or erroring case, or no case at all, fails; so does a file that is missing or not JUnit XML."""
    try:
        counts, failed = _junit_cases(path)
    except (OSError, ET.ParseError, ValueError) as exc:
        return f"{path}: {_unreadable(exc)}; export the test run's JUnit XML there (pytest --junitxml={path})"
    if not counts["total"]:
        return f"{path}: 0 test cases; a run that tested nothing is not a pass; check the test job's selection"
    if failed:
        more = len(failed) - SHOWN_CASES
        shown = ", ".join(failed[:SHOWN_CASES]) + (f" and {more} more" if more > 0 else "")
        return (f"{path}: {counts['failure']} failed and {counts['error']} errors of {counts['total']} tests "
                f"({shown}); fix them, or release the build whose tests passed")
    return None


def _junit_cases(path: Path) -> tuple[Counter, list[str]]:
    if path.stat().st_size > MAX_EVIDENCE_BYTES:
        raise ValueError(f"larger than {MAX_EVIDENCE_BYTES // 2**20} MiB")
    counts, failed = Counter(total=0, failure=0, error=0), []
    root = ET.parse(path).getroot()
    if root.tag not in ("testsuites", "testsuite"):
        raise ValueError(f"<{root.tag}> is not a JUnit <testsuites> or <testsuite> root")
    for case in root.iter("testcase"):
        counts["total"] += 1
        outcome = next((child.tag for child in case if child.tag in ("failure", "error")), None)
        if outcome:
            counts[outcome] += 1
            failed.append(f"{case.get('classname', '')}::{case.get('name', '?')}".lstrip(":"))
    return counts, failed


def review_finding(path: Path) -> str | None:
    """``gh pr view --json reviewDecision,reviews``: APPROVED, with an approving review and no change request open."""
    try:
        data = _read_json(path)
    except (OSError, ValueError) as exc:
        return (f"{path}: {_unreadable(exc)}; export it with "
                f"gh pr view <pr> --json reviewDecision,reviews > {path}")
    decision = data.get("reviewDecision") or "none"
    latest = _latest_review_states(data.get("reviews"))
    approvers = sorted(author for author, state in latest.items() if state == "APPROVED")
    blockers = sorted(author for author, state in latest.items() if state == "CHANGES_REQUESTED")
    if decision != "APPROVED" or not approvers or blockers:
        wanted = f"changes requested by {', '.join(blockers)}" if blockers else f"{len(approvers)} approving reviews"
        return (f"{path}: review decision {decision} ({wanted}; expected APPROVED with an approving review)"
                "; get the pull request approved before the release")
    return None


def _latest_review_states(reviews: Any) -> dict[str, str]:
    """Each reviewer's last decisive state; comments do not withdraw an approval or a change request."""
    latest: dict[str, str] = {}
    for review in reviews if isinstance(reviews, list) else []:
        state = review.get("state") if isinstance(review, dict) else None
        author = ((review.get("author") or {}).get("login") or "?") if isinstance(review, dict) else "?"
        if state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[author] = state
    return latest


def migration_finding(store: Store, name: str, *, version: str, environment: str) -> str | None:
    """A passing migration or DR drill of ``version`` on ``environment`` in the drill journal ``name`` of ``store``.

    The journal line that counts: ``"environment": <name>``, ``"markers"``
    naming ``dr`` or ``migration``, ``"version": <version>`` (the version /health reported),
    ``"exit_status": 0`` and ``"counts"`` with at least one passed and no failed drill.
    """
    where, rerun = store.locate(name), f"run the DR drill on {environment}: pytest -m dr --env {environment}"
    try:
        data = store.read(name)
    except StoreError as exc:  # an unreachable journal is never an empty one
        return f"{exc}; the journal could not be read"
    if data is None:
        return f"{where}: no such file; {rerun}"
    drills = [e for e in _journal_entries(data) if e.get("environment") == environment
              and _names_migration(e.get("markers"))]
    of_version = [e for e in drills if e.get("version") == version]
    if any(_passed(e) for e in of_version):
        return None
    seen = ", ".join(sorted({str(e.get("version")) for e in drills})) or "none"
    failed = sum(1 for e in of_version if not _passed(e))
    return (f"{where}: no passing migration or DR drill of {version} on {environment} "
            f"({len(drills)} DR runs there, versions seen: {seen}; {failed} of {version} failed)"
            f"; run it: pytest -m dr --env {environment} --expect-version {version}")


def journal_source(journal_file: Path, record: Store) -> tuple[Store, str]:
    """The journal the migration gate reads: the environment's shared store, else the manifest's local file."""
    if record.shared:
        return record, JOURNAL_FILE
    return LocalStore(journal_file.parent), journal_file.name


def _journal_entries(data: bytes) -> Iterator[dict]:
    for line in data.decode("utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a torn line (an interrupted append) is no evidence either way
        if isinstance(entry, dict):
            yield entry


def _names_migration(markers: Any) -> bool:
    words = str(markers or "").replace("(", " ").replace(")", " ").split()
    return any(word in MIGRATION_MARKERS for word in words) and "not" not in words


def _passed(entry: dict) -> bool:
    counts = entry.get("counts") if isinstance(entry.get("counts"), dict) else {}
    bad = sum(counts.get(kind, 0) for kind in ("failed", "error", "refused"))
    return entry.get("exit_status") == 0 and counts.get("passed", 0) > 0 and not bad


def notice_finding(notice: NoticeSection, change_id: str, approval: str | None) -> str | None:
    """The manifest carries the notice; an approval given on the command line must be the manifest's change."""
    if approval and approval != change_id:
        return (f"--approve {approval} is not the release's change {change_id}"
                "; approve the change this release belongs to, or fix [release] change_id")
    if not (notice.link or notice.ticket):
        return "[notice] names no notice; add the stakeholder notice (link or ticket) to the manifest"
    return None


def _read_json(path: Path) -> dict:
    if path.stat().st_size > MAX_EVIDENCE_BYTES:
        raise ValueError(f"larger than {MAX_EVIDENCE_BYTES // 2**20} MiB")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _unreadable(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such file"
    if isinstance(exc, OSError):
        return f"cannot read ({exc.strerror})"
    return f"not readable evidence ({str(exc).splitlines()[0][:120]})"
