"""summary.json: every run of drills writes one that matches the schema, with each finding as data.

Real runs: a watch failed by an injected error rate, a passing smoke, a destructive drill refused on production,
a watch interrupted by Ctrl-C, and drills failed with and without a finding under xdist.
"""

import json
import signal

import jsonschema
import pytest

from interrupted_runs import InterruptibleRun
from summaries import FAILING_DRILLS, SCHEMA, drill_named, validated

WATCH = ("-m", "watch", "--watch-window", "10s", "--watch-interval", "2s", "--watch-min-requests", "10")
WATCH_NAME = "test_post_deploy_watch_holds_the_runbook_thresholds"


def journal_entry(directory) -> dict:
    return json.loads((directory / "drills.jsonl").read_text().splitlines()[-1])


def test_a_failing_watch_summary_carries_the_breach_value_limit_and_section(run_drill, faults, tmp_path):
    faults.inject("/api/shards", error_rate=0.10, status=500)
    asked = tmp_path / "pipeline" / "summary.json"
    result = run_drill(*WATCH, "--watch", "60s", "--watch-probe-rps", "30", f"--summary-json={asked}",
                       f"--journal-dir={tmp_path / 'journal'}")
    result.assert_outcomes(failed=1)
    summary = validated(run_drill.results / "summary.json")
    assert validated(asked) == summary
    run, drill = summary["run"], drill_named(summary, WATCH_NAME)
    assert (run["outcome"], run["exit_status"], run["markexpr"], run["counts"]) == ("failed", 1, "watch", {"failed": 1})
    assert (drill["verdict"], drill["markers"]) == ("failed", ["watch"]) and drill["duration_s"] > 1
    breach = next(f for f in drill["findings"] if f["rule"] == "api_error_rate")
    assert (breach["kind"], breach["limit"], breach["unit"], breach["section"]["key"]) == (
        "threshold", 5.0, "%", "high-error-rate")
    assert breach["value"] > 5 and breach["source"]
    assert breach["remedy"].startswith("runbook §High error rate: ") and breach["remedy"] in breach["message"]
    entry = journal_entry(tmp_path / "journal")  # the journal and the summary tell the same run
    assert drill["message"] == entry["failures"][drill["nodeid"]] and run["run_id"] == entry["run_id"]
    assert run["counts"] == entry["counts"] and "summary.json" in " ".join(entry["artifacts"])


def test_a_passing_smoke_summary_lists_every_drill_with_its_runbook_section(run_drill, faults, tmp_path):
    result = run_drill("-m", "smoke", f"--journal-dir={tmp_path}")
    assert result.ret == 0
    summary = validated(run_drill.results / "summary.json")
    passed = result.parseoutcomes()["passed"]
    assert summary["run"]["outcome"] == "passed" and summary["run"]["counts"] == {"passed": passed}
    assert len(summary["drills"]) == passed and summary["run"]["target_version"] == "1.4.2"
    for drill in summary["drills"]:
        assert (drill["verdict"], drill["findings"], drill["message"]) == ("passed", [], None)
        assert "smoke" in drill["markers"] and drill["runbook"]["link"].startswith("RUNBOOK.md#")


def test_a_destructive_drill_refused_on_production_is_refused_in_the_summary(run_drill, env_file, tmp_path):
    """Nothing is contacted: the guard refuses before any fixture, so the loopback address is never dialled."""
    production = env_file(tier="production", base_url="https://127.0.0.1:9")
    step_summary = tmp_path / "step-summary.md"
    result = run_drill("-m", "cache and destructive", f"--env-file={production}", f"--journal-dir={tmp_path}",
                       environ={"GITHUB_STEP_SUMMARY": str(step_summary)})
    assert result.ret == 6  # README "Exit codes": every drill refused
    summary = validated(run_drill.results / "summary.json")
    assert (summary["run"]["outcome"], summary["run"]["tier"]) == ("refused", "production")
    for drill in summary["drills"]:
        [refusal] = drill["findings"]
        assert (drill["verdict"], refusal["kind"]) == ("refused", "refused")
        assert drill["message"] == refusal["message"]
        assert refusal["message"].startswith("refused: destructive drill on production without approval")
    rows = [line for line in step_summary.read_text().splitlines() if line.startswith("| ⛔ |")]
    assert len(rows) == len(summary["drills"]) and all(
        " | refused | " in row and "| refused: destructive drill on production without approval" in row for row in rows)


def test_an_interrupted_watch_leaves_a_summary_that_says_so(run_drill, faults, tmp_path):
    argv, env = run_drill.command("-m", "watch", "--watch", "60s", "--watch-window", "2s", "--watch-interval", "1s",
                                  "--watch-probe-rps", "5", "--watch-min-requests", "5", "-s",
                                  f"--journal-dir={tmp_path}")
    run = InterruptibleRun(argv, run_drill.workdir, env)
    try:
        run.wait_for_line("watch 00:01/01:00 | ")  # under way: its first progress line
    finally:
        run.signal(signal.SIGINT)  # as Ctrl-C does
    rc, _ = run.finish(timeout=60)
    summary = validated(run_drill.results / "summary.json")
    assert rc == 2 and (summary["run"]["outcome"], summary["run"]["exit_status"]) == ("interrupted", 2)
    assert drill_named(summary, WATCH_NAME)["verdict"] == "interrupted"
    assert summary["run"]["counts"] == {"interrupted": 1}




@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
def test_a_failure_without_a_finding_is_kept_as_a_defect_and_findings_cross_xdist(pytester, workers, tmp_path):
    pytester.makepyfile(test_drills=FAILING_DRILLS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *workers, f"--alluredir={tmp_path / 'r'}",
                                           f"--journal-dir={tmp_path / 'j'}")
    result.assert_outcomes(failed=2, passed=1)
    summary = validated(tmp_path / "r" / "summary.json")
    [breach] = drill_named(summary, "test_breach")["findings"]
    assert (breach["rule"], breach["value"], breach["limit"], breach["window"]) == ("api_error_rate", 7.0, 5.0, "10 s")
    [defect] = drill_named(summary, "test_defect")["findings"]
    assert (defect["kind"], defect["value"]) == ("defect", None)
    # the line pytest ends a traceback with, in the journal too (its first line was the source's: "@pytest.mark.smoke")
    assert defect["detail"] == "ValueError: a | b <b>not bold</b>" == journal_entry(tmp_path / "j")["failures"][
        "test_drills.py::test_defect"]
    assert summary["run"]["counts"] == {"failed": 2, "passed": 1}


def test_a_summary_json_that_names_a_directory_is_refused_before_the_run(pytester, tmp_path):
    pytester.makepyfile(test_drills=FAILING_DRILLS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--summary-json={tmp_path}")
    assert result.ret == 4
    result.stderr.fnmatch_lines([f"*--summary-json {tmp_path}: a directory -> give the file's name, e.g. "
                                 f"--summary-json {tmp_path}/summary.json"])


def test_the_schema_refuses_a_failed_drill_whose_failure_was_dropped(tmp_path):
    """The rule the summary keeps (never drop a failure) is in the schema too, so a tool can rely on it."""
    drill = {"nodeid": "checks/x.py::test_x", "name": "test_x", "markers": ["smoke"], "runbook": None,
             "verdict": "failed", "duration_s": 0.1, "message": "boom", "findings": []}
    schema = json.loads(SCHEMA.read_text())
    drill_schema = {"$defs": schema["$defs"], "$ref": "#/$defs/drill"}
    with pytest.raises(jsonschema.ValidationError, match="does not contain"):
        jsonschema.validate(drill, drill_schema, cls=jsonschema.Draft202012Validator)
    defect = {"kind": "defect", "rule": None, "value": None, "limit": None, "unit": None, "window": None,
              "source": None, "detail": "boom", "message": "boom", "section": None, "remedy": None}
    jsonschema.validate({**drill, "findings": [defect]}, drill_schema, cls=jsonschema.Draft202012Validator)


LEAKING_DRILL = '''
import pytest
from drillbook import redaction
from drillbook.findings import Finding, failing

@pytest.mark.smoke
def test_leaks():
    redaction.register_secret("s3cret-worker-value")  # resolved in the worker: the controller never knew it
    found = Finding("unreachable", None, "login with s3cret-worker-value refused (sent Bearer abc.def.ghi)",
                    source="https://user:pa55word@127.0.0.1:9/")
    raise failing("login refused", found)
'''


def test_secrets_a_drill_resolved_never_reach_the_summaries(pytester, tmp_path, monkeypatch):
    pytester.makepyfile(test_drills=LEAKING_DRILL)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "step-summary.md"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", f"--alluredir={tmp_path / 'r'}",
                                           f"--journal-dir={tmp_path / 'j'}", f"--summary-json={tmp_path / 's.json'}")
    result.assert_outcomes(failed=1)
    [finding] = drill_named(validated(tmp_path / "s.json"), "test_leaks")["findings"]
    assert finding["detail"] == "login with [REDACTED] refused (sent Bearer [REDACTED])"
    for path in (tmp_path / "s.json", tmp_path / "r" / "summary.json", tmp_path / "step-summary.md"):
        text = path.read_text()
        assert "s3cret" not in text and "pa55word" not in text and "abc.def.ghi" not in text, path


def test_a_run_that_selects_nothing_still_writes_the_summary_a_pipeline_asked_for(pytester, tmp_path):
    pytester.makepyfile(test_drills=FAILING_DRILLS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "no_such_drill",
                                           f"--alluredir={tmp_path / 'r'}", f"--journal-dir={tmp_path / 'j'}",
                                           f"--summary-json={tmp_path / 'out' / 's.json'}")
    assert result.ret == 5
    summary = validated(tmp_path / "out" / "s.json")
    assert (summary["run"]["outcome"], summary["drills"], summary["run"]["counts"]) == ("no drills", [], {})
    assert not (tmp_path / "r" / "summary.json").exists()  # the results folder's is for runs of drills


def test_a_test_that_is_no_drill_is_journaled_nowhere_though_its_folder_and_id_are_marker_names(pytester, tmp_path):
    """pytest's keywords hold the folder's name and the parameter's id: tests/chaos/..., [smoke] are no drills."""
    pytester.mkpydir("chaos").joinpath("test_not_a_drill.py").write_text(
        "import pytest\n\n@pytest.mark.parametrize('kind', ['smoke', 'load'], ids=['smoke', 'load'])\n"
        "def test_a_helper(kind):\n    assert kind\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--alluredir={tmp_path / 'r'}",
                                           f"--journal-dir={tmp_path / 'j'}")
    result.assert_outcomes(passed=2)
    assert not (tmp_path / "j" / "drills.jsonl").exists(), journal_entry(tmp_path / "j")["kinds"]
    assert not (tmp_path / "r" / "summary.json").exists()


def test_a_drill_counts_for_the_kinds_it_is_marked_not_the_folder_it_lies_in(pytester, tmp_path):
    """chaos/test_backup_restore.py is a DR drill: its pass is no chaos drill's in the journal's kinds."""
    pytester.mkpydir("chaos").joinpath("test_restore.py").write_text(
        "import pytest\n\n@pytest.mark.dr\n@pytest.mark.runbook('recovery-objectives')\n"
        "def test_restore():\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-m", "dr", f"--alluredir={tmp_path / 'r'}",
                                           f"--journal-dir={tmp_path / 'j'}")
    result.assert_outcomes(passed=1)
    assert journal_entry(tmp_path / "j")["kinds"] == {"dr": "passed"}
    assert drill_named(validated(tmp_path / "r" / "summary.json"), "test_restore")["markers"] == ["dr"]
