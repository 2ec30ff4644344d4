"""Evidence a release pipeline exports, written by the tests: JUnit XML, the review JSON, journal lines, a manifest."""

from __future__ import annotations

import json
from pathlib import Path

PASSING_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="2" failures="0" errors="0">
<testcase classname="tests.test_api" name="test_create_shard" time="0.1"/>
<testcase classname="tests.test_api" name="test_list_shards" time="0.1"><skipped message="slow"/></testcase>
</testsuite></testsuites>
"""
FAILING_JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuite name="pytest" tests="3" failures="0" errors="0">
<testcase classname="tests.test_api" name="test_create_shard"/>
<testcase classname="tests.test_api" name="test_delete_shard"><failure message="assert 500 == 204"/></testcase>
<testcase classname="tests.test_db" name="test_migrate"><error message="fixture error"/></testcase>
</testsuite>
"""
EMPTY_JUNIT = '<testsuites><testsuite name="pytest" tests="0"/></testsuites>'
APPROVED = {"reviewDecision": "APPROVED", "reviews": [
    {"author": {"login": "alice"}, "state": "COMMENTED", "body": "nit"},
    {"author": {"login": "bob"}, "state": "APPROVED", "body": ""}]}


def dr_run(version: str = "1.4.3", *, environment: str = "staging", exit_status: int = 0, failed: int = 0) -> dict:
    """A drill-journal line of a DR run, with the version it verified (the shape the migration gate reads)."""
    counts = {"passed": 3, **({"failed": failed} if failed else {})}
    return {"started": "2026-11-30T10:00:00+00:00", "environment": environment, "tier": "staging",
            "markers": "dr", "version": version, "exit_status": exit_status, "counts": counts, "failures": {}}


def write_evidence(directory: Path, *, junit: str = PASSING_JUNIT, review: dict | None = APPROVED,
                   journal: list[dict] | None = None, manifest_extra: str = "",
                   required: tuple[str, ...] = ("REDIS_URL", "COSMOS_ENDPOINT"), version: str = "1.4.3") -> Path:
    """Write passing evidence (or what a test passes instead) and a manifest naming it by absolute path (a drill
    run reads relative ones from its own working directory); return the manifest."""
    (directory / "junit").mkdir(parents=True, exist_ok=True)
    (directory / "junit" / "unit.xml").write_text(junit)
    if review is not None:
        (directory / "review.json").write_text(json.dumps(review))
    lines = [dr_run(version)] if journal is None else journal
    (directory / "drills.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    manifest = directory / "release.toml"
    manifest.write_text(f"""
[release]
version = "{version}"
previous_version = "1.4.2"
commit = "3f2c9a1"
change_id = "CHG-123"

[evidence]
junit = ["{directory / 'junit' / 'unit.xml'}"]
review = "{directory / 'review.json'}"
journal = "{directory / 'drills.jsonl'}"

[settings]
required = {json.dumps(list(required))}

[notice]
link = "https://status.castiel.com/changes/CHG-123"
{manifest_extra}""")
    return manifest
