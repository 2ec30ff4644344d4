"""The gate drills, run as the pipeline runs them: every item passes on good evidence, each fails on its own."""

from __future__ import annotations

import json
import subprocess
import sys

from evidence_files import EMPTY_JUNIT, FAILING_JUNIT, dr_run, write_evidence

GATES = ("gates",)


def gate_run(run_drill, env_file, manifest, *args):
    return run_drill("-m", "gate", f"--env-file={env_file()}", f"--release={manifest}", *args, paths=GATES)


def test_every_gate_passes_on_good_evidence_within_a_minute(run_drill, env_file, faults, tmp_path):
    result = gate_run(run_drill, env_file, write_evidence(tmp_path), "--approve", "CHG-123")
    assert result.ret == 0, "\n".join(result.outlines[-30:])
    result.assert_outcomes(passed=6, skipped=1)
    assert result.duration < 60
    record = json.loads((run_drill.workdir / "reports" / "journal" / "drills.jsonl").read_text().splitlines()[-1])
    assert (record["markers"], record["approval"], record["exit_status"]) == ("gate", "CHG-123", 0)


def test_a_gate_run_is_a_row_of_journal_status(run_drill, env_file, faults, tmp_path):
    journal = tmp_path / "journal"
    result = gate_run(run_drill, env_file, write_evidence(tmp_path), f"--journal-dir={journal}")
    assert result.ret == 0, "\n".join(result.outlines[-30:])
    assert json.loads((journal / "drills.jsonl").read_text())["kinds"] == {"gate": "passed"}
    status = subprocess.run([sys.executable, "-m", "drillbook", "journal", "status", "--journal-dir", str(journal)],
                            capture_output=True, text=True, timeout=60)
    assert [line.split()[:2] + line.split()[3:4] for line in status.stdout.splitlines()[1:]] == [
        ["gate", "drill-env", "passed"]]


def test_each_gate_fails_on_its_own_bad_evidence(run_drill, env_file, faults, tmp_path):
    faults.hide_setting("COSMOS_ENDPOINT")
    faults.slot_fault(unhealthy=True)
    manifest = write_evidence(tmp_path, junit=FAILING_JUNIT, review={"reviewDecision": "REVIEW_REQUIRED"},
                              journal=[dr_run("1.4.2")])
    result = gate_run(run_drill, env_file, manifest, "--approve", "CHG-9")
    assert result.ret == 1
    result.assert_outcomes(failed=6, skipped=1)
    result.stdout.fnmatch_lines_random([
        "*all tests passing: *unit.xml: 1 failed and 1 errors of 3 tests (tests.test_api::test_delete_shard, "
        "tests.test_db::test_migrate)*-> runbook §Pre-deployment checklist: do not swap*",
        "*code review approved: *review.json: review decision REVIEW_REQUIRED (0 approving reviews*",
        "*database migrations tested: *no passing migration or DR drill of 1.4.3 on staging*versions seen: 1.4.2*",
        "*environment variables documented: 1 setting(s) the release needs are missing: COSMOS_ENDPOINT*"
        "(source: http://127.0.0.1:*/_sandbox/settings)*",
        "*rollback plan prepared: slot staging is not healthy: its /health gave HTTP 503, status unhealthy*"
        "-> runbook §Pre-deployment checklist*",
        "*stakeholders notified: --approve CHG-9 is not the release's change CHG-123*",
    ])


def test_zero_tests_a_missing_file_no_previous_version_and_no_notice_fail(run_drill, env_file, faults, tmp_path):
    manifest = write_evidence(tmp_path, junit=EMPTY_JUNIT, review=None)
    text = manifest.read_text().replace('previous_version = "1.4.2"', 'previous_version = "1.3.9"')
    manifest.write_text(text.replace('link = "https://status.castiel.com/changes/CHG-123"', ""))
    result = gate_run(run_drill, env_file, manifest, "-k", "tests_passed or review or rollback or stakeholders")
    result.assert_outcomes(failed=4)
    result.stdout.fnmatch_lines_random([
        "*all tests passing: *unit.xml: 0 test cases*",
        f"*code review approved: {tmp_path / 'review.json'}: no such file; export it with gh pr view*",
        "*the previous version 1.3.9 is served by neither production (1.4.2) nor slot staging (1.4.1)*",
        "*stakeholders notified: ?notice? names no notice; add the stakeholder notice*",
    ])


def test_a_gate_run_without_a_manifest_is_refused(run_drill, env_file):
    result = run_drill("-m", "gate", f"--env-file={env_file()}", paths=GATES)
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*-m gate needs the release manifest -> pass --release release.toml*"])


def test_a_refusal_found_by_an_xdist_worker_ends_the_run_in_one_line(run_drill, env_file):
    result = run_drill("-m", "gate", f"--env-file={env_file()}", "-n", "2", paths=GATES)
    assert result.ret == 4, result.stdout.str()
    result.stdout.fnmatch_lines(["! drillbook: -m gate needs the release manifest -> pass --release release.toml * !"])
    assert "INTERNALERROR" not in result.stdout.str()


def test_the_manifest_version_is_the_expected_version(run_drill, env_file, tmp_path):
    result = run_drill("-m", "health", "-k", "expected_version", f"--env-file={env_file()}",
                       f"--release={write_evidence(tmp_path)}")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*GET /health reports version 1.4.2 (expected 1.4.3)*"])
