"""The job summary: real drill runs with GITHUB_STEP_SUMMARY and TF_BUILD pointing at temporary files."""

import re

from drillbook.record.job_summary import escape
from summaries import FAILING_DRILLS

PIPELINE = {"GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "castiel/drillbook",
            "GITHUB_RUN_ID": "4242"}
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_a_failing_smoke_shows_the_failing_drill_and_its_remedy_on_both_pipelines(run_drill, faults, tmp_path):
    faults.inject("/health", status=503, error_rate=1.0)
    github = tmp_path / "step-summary.md"
    github.write_text("an earlier step's summary\n")
    result = run_drill("-m", "smoke", "-k", "health_returns_200 or live", f"--journal-dir={tmp_path}",
                       environ={"GITHUB_STEP_SUMMARY": str(github), "TF_BUILD": "True", **PIPELINE})
    result.assert_outcomes(failed=1, passed=1)
    azure = run_drill.results.resolve() / "job-summary.md"
    result.stdout.fnmatch_lines([f"##vso[task.uploadsummary]{azure}"])
    text = github.read_text()
    assert text == "an earlier step's summary\n" + azure.read_text()  # appended, and the same Markdown on both
    assert text.splitlines()[1] == "### drillbook: ❌ failed: smoke on local"
    assert "| ❌ | checks/test\\_health.py::test\\_health\\_returns\\_200 | failed |" in text
    assert "| ✅ | checks/test\\_health.py::test\\_live\\_returns\\_200 | passed |" in text
    assert "| failed | " in text and " | GET /health returned 503 (expected 200)" in text
    [finding] = [line for line in text.splitlines() if line.startswith("- **test\\_health\\_returns\\_200**")]
    assert "GET /health returned 503 (expected 200)" in finding
    assert "  - remedy: runbook §Service health: " in text
    assert "; [pipeline run](https://github.example/castiel/drillbook/actions/runs/4242)" in text
    assert f"Record: results {escape(run_drill.results)} (summary.json), journal entry sha256 " in text


def test_a_pipe_or_html_in_a_message_cannot_break_the_table(pytester, tmp_path, monkeypatch):
    pytester.makepyfile(test_drills=FAILING_DRILLS)
    github = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(github))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--alluredir={tmp_path / 'r'}",
                                           f"--journal-dir={tmp_path / 'j'}")
    result.assert_outcomes(failed=2, passed=1)
    lines = github.read_text().splitlines()
    rows = [line for line in lines if line.startswith("| ")]
    assert all(len(UNESCAPED_PIPE.findall(row)) == 6 for row in rows), rows  # five cells in every row
    [defect] = [line for line in lines if line.startswith("- **test\\_defect**")]
    assert defect == "- **test\\_defect**: defect: ValueError: a \\| b &lt;b&gt;not bold&lt;/b&gt;"
    [breach] = [line for line in lines if line.startswith("- **test\\_breach**")]
    assert breach.startswith("- **test\\_breach**: threshold (value 7 %, limit 5 %): error rate 7 % > 5 % "
                             "(over 10 s, source: scrape /metrics)".replace(">", "&gt;"))
    assert "  - remedy: runbook §High error rate: " in lines[lines.index(breach) + 1]


def test_a_step_summary_that_cannot_be_written_costs_one_line_not_the_verdict(pytester, tmp_path, monkeypatch):
    pytester.makepyfile(test_drills=FAILING_DRILLS)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))  # a directory: no file can be appended there
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "fine", f"--alluredir={tmp_path / 'r'}",
                                           f"--journal-dir={tmp_path / 'j'}")
    assert result.ret == 0
    result.stderr.fnmatch_lines(["drillbook: job summary: not written (Is a directory: *) -> check "
                                 "GITHUB_STEP_SUMMARY and the results folder; the run's verdict stands"])


def test_without_a_pipeline_no_job_summary_is_written(pytester, tmp_path, monkeypatch):
    for name in ("GITHUB_STEP_SUMMARY", "TF_BUILD"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_drills=FAILING_DRILLS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "fine", f"--alluredir={tmp_path / 'r'}",
                                           f"--journal-dir={tmp_path / 'j'}")
    assert result.ret == 0 and "##vso" not in result.stdout.str()
    assert (tmp_path / "r" / "summary.json").is_file() and not (tmp_path / "r" / "job-summary.md").exists()


def test_escape_keeps_text_inert_on_one_line():
    assert escape("a | b\n`c` *d* _e_ [f](g) <h> & ~i~") == (
        "a \\| b \\`c\\` \\*d\\* \\_e\\_ \\[f\\](g) &lt;h&gt; &amp; \\~i\\~")
