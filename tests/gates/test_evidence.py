"""Each evidence gate passes on good evidence and fails, with the finding, on bad evidence."""

from __future__ import annotations

import json

from drillbook import gates
from drillbook.gates._manifest import NoticeSection
from drillbook.store.local import LocalStore

from evidence_files import APPROVED, EMPTY_JUNIT, FAILING_JUNIT, PASSING_JUNIT, dr_run


def test_passing_junit_passes(tmp_path):
    (tmp_path / "unit.xml").write_text(PASSING_JUNIT)
    assert gates.junit_finding(tmp_path / "unit.xml") is None


def test_failed_and_erroring_cases_fail_with_their_names(tmp_path):
    (tmp_path / "unit.xml").write_text(FAILING_JUNIT)  # its attributes claim 0 failures: the cases are counted
    finding = gates.junit_finding(tmp_path / "unit.xml")
    assert "1 failed and 1 errors of 3 tests" in finding
    assert "tests.test_api::test_delete_shard, tests.test_db::test_migrate" in finding


def test_zero_tests_fail(tmp_path):
    (tmp_path / "unit.xml").write_text(EMPTY_JUNIT)
    assert "0 test cases" in gates.junit_finding(tmp_path / "unit.xml")


def test_missing_or_broken_junit_fails_with_its_path(tmp_path):
    assert gates.junit_finding(tmp_path / "nowhere.xml").startswith(f"{tmp_path / 'nowhere.xml'}: no such file")
    (tmp_path / "broken.xml").write_text("<testsuite><testcase")
    assert "not readable evidence" in gates.junit_finding(tmp_path / "broken.xml")
    (tmp_path / "html.xml").write_text("<html/>")
    assert "<html> is not a JUnit" in gates.junit_finding(tmp_path / "html.xml")


def test_an_approved_review_passes(tmp_path):
    (tmp_path / "review.json").write_text(json.dumps(APPROVED))
    assert gates.review_finding(tmp_path / "review.json") is None


def test_a_review_without_approval_fails(tmp_path):
    path = tmp_path / "review.json"
    path.write_text(json.dumps({"reviewDecision": "REVIEW_REQUIRED", "reviews": []}))
    assert "review decision REVIEW_REQUIRED (0 approving reviews" in gates.review_finding(path)
    changes = {"reviewDecision": "APPROVED", "reviews": [*APPROVED["reviews"],
               {"author": {"login": "carol"}, "state": "CHANGES_REQUESTED"}]}
    path.write_text(json.dumps(changes))
    assert "changes requested by carol" in gates.review_finding(path)
    path.write_text("[]")
    assert "not a JSON object" in gates.review_finding(path)
    assert "no such file" in gates.review_finding(tmp_path / "missing.json")


def test_a_passing_dr_drill_of_this_version_on_staging_passes(tmp_path):
    path = tmp_path / "drills.jsonl"
    path.write_text("{torn\n" + json.dumps(dr_run()) + "\n")
    assert gates.migration_finding(LocalStore(tmp_path), path.name, version="1.4.3", environment="staging") is None


def test_no_passing_dr_drill_of_this_version_fails(tmp_path):
    path = tmp_path / "drills.jsonl"
    lines = [dr_run("1.4.2"), dr_run(failed=1, exit_status=1), dr_run(environment="local"),
             {**dr_run(), "markers": "smoke"}, {**dr_run(), "markers": "not dr"}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    finding = gates.migration_finding(LocalStore(tmp_path), path.name, version="1.4.3", environment="staging")
    assert "no passing migration or DR drill of 1.4.3 on staging (2 DR runs there" in finding
    assert "versions seen: 1.4.2, 1.4.3; 1 of 1.4.3 failed" in finding
    missing = gates.migration_finding(LocalStore(tmp_path), "none.jsonl", version="1.4.3", environment="staging")
    assert missing.startswith(f"{tmp_path / 'none.jsonl'}: no such file; run the DR drill on staging")


def test_notice_and_change_id():
    notice = NoticeSection(link="https://status.castiel.com/changes/CHG-123")
    assert gates.notice_finding(notice, "CHG-123", "CHG-123") is None
    assert "--approve CHG-9 is not the release's change CHG-123" in gates.notice_finding(notice, "CHG-123", "CHG-9")
    assert "names no notice" in gates.notice_finding(NoticeSection(), "CHG-123", None)
