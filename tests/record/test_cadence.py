"""The cadence gate: a quarterly drill last passed on staging 91 days ago fails the gate, 89 days ago passes."""

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from drillbook.record.chain import append_chained
from drillbook.store.local import LocalStore

CADENCE = '\n[cadence]\nenforce = true\nkinds = ["load"]\n'


def write_journal(directory, *runs: tuple[int, str, str, str]) -> None:
    """Journal lines for (days ago, kind, environment, verdict), through the real chained writer."""
    now = datetime.now(timezone.utc)
    for days, kind, env, verdict in runs:
        started = (now - timedelta(days=days)).isoformat(timespec="seconds")
        entry = {"started": started, "environment": env, "markers": kind, "kinds": {kind: verdict},
                 "exit_status": int(verdict != "passed")}
        append_chained(LocalStore(directory), "drills.jsonl", entry)


def gate(run_drill, env_file, journal_dir):
    return run_drill("-m", "gate", f"--env-file={env_file(CADENCE)}", f"--journal-dir={journal_dir}",
                     paths=("checks/test_cadence.py",))


def test_a_91_day_old_load_drill_fails_the_gate_naming_kind_and_date(run_drill, env_file, tmp_path):
    write_journal(tmp_path, (91, "load", "staging", "passed"), (3, "load", "staging", "failed"),
                  (1, "load", "production", "passed"))
    result = gate(run_drill, env_file, tmp_path)
    day = (datetime.now(timezone.utc) - timedelta(days=91)).strftime("%Y-%m-%d")
    result.stdout.fnmatch_lines([f"*last passing load drill on staging was {day}T* (91 days ago), older than 90 days "
                                 f"-> run pytest -m load --env staging*"])
    result.assert_outcomes(failed=1)


def test_an_89_day_old_load_drill_passes_the_gate(run_drill, env_file, tmp_path):
    write_journal(tmp_path, (89, "load", "staging", "passed"))
    gate(run_drill, env_file, tmp_path).assert_outcomes(passed=1)


def test_a_kind_never_drilled_fails_the_gate(run_drill, env_file, tmp_path):
    write_journal(tmp_path, (1, "smoke", "staging", "passed"))
    result = gate(run_drill, env_file, tmp_path)
    result.stdout.fnmatch_lines(["*no passing load drill on staging in the journal "
                                 "-> run pytest -m load --env staging*"])


def test_the_gate_is_not_enforced_on_the_local_tier_by_default(run_drill, env_file, tmp_path):
    result = run_drill("-m", "gate", f"--env-file={env_file()}", f"--journal-dir={tmp_path}", "-rs",
                       paths=("checks/test_cadence.py",))
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["*cadence is not enforced on the local tier -> set ?cadence? enforce = true*"])


def test_status_prints_last_run_verdict_and_age_per_kind_and_environment(tmp_path):
    write_journal(tmp_path, (91, "load", "staging", "passed"), (3, "load", "staging", "failed"),
                  (10, "chaos", "staging", "passed"), (0, "smoke", "local", "passed"))
    with (tmp_path / "drills.jsonl").open("a") as handle:  # an entry from before kinds were recorded: read from -m
        handle.write(json.dumps({"started": "2026-01-05T10:00:00+00:00", "environment": "staging",
                                 "markers": "dr and not load", "exit_status": 0}) + "\n")
    done = subprocess.run([sys.executable, "-m", "drillbook", "journal", "status", "--journal-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    lines = done.stdout.splitlines()
    assert done.returncode == 0
    assert lines[0].split() == ["kind", "environment", "last", "run", "(UTC)", "verdict", "age"]
    assert [line.split()[:2] for line in lines[1:]] == [["load", "staging"], ["chaos", "staging"],
                                                        ["dr", "staging"], ["smoke", "local"]]
    assert lines[1].split()[3:6] == ["failed", "3", "days"]
    assert "(last pass: " in lines[1] and "91 days ago)" in lines[1]
    assert lines[2].split()[3:5] == ["passed", "10"]


@pytest.mark.parametrize("days, expected", [(91, 1), (89, 0)])
def test_overdue_counts_days_from_now(days, expected, tmp_path):
    from drillbook.config.sections import CadenceSection
    from drillbook.gates import cadence

    write_journal(tmp_path, (days, "load", "staging", "passed"))
    settings = CadenceSection(environment="staging", kinds=["load"], max_age_days=90)
    runs = cadence.read_runs(LocalStore(tmp_path))
    assert len(cadence.overdue(runs, settings, datetime.now(timezone.utc))) == expected


def journal_command(action: str, directory) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "drillbook", "journal", action, "--journal-dir", str(directory)],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("broken, problem", [('{"started": "2026-12-0', "not valid JSON"),
                                             ('["load"]', "not a JSON object"),
                                             ('{"environment": "staging", "kinds": {"load": "passed"}}',
                                              'no ISO-8601 start time ("started")')])
def test_status_on_an_unreadable_journal_names_the_line_and_the_fix_and_exits_1(tmp_path, broken, problem):
    write_journal(tmp_path, (3, "load", "staging", "passed"))
    with (tmp_path / "drills.jsonl").open("a") as handle:
        handle.write(broken + "\n")
    done = journal_command("status", tmp_path)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [f"journal status: {tmp_path / 'drills.jsonl'} line 2: {problem} -> the journal "
                                        "is unreadable there; python -m drillbook journal verify names what changed: "
                                        "restore the line from a backup"]


@pytest.mark.parametrize("action", ["status", "verify"])
def test_a_missing_journal_is_named_and_exits_3_not_as_tampered(tmp_path, action):
    done = journal_command(action, tmp_path / "nowhere")
    assert done.returncode == 3
    assert done.stderr.splitlines() == [f"journal {action}: no journal at {tmp_path / 'nowhere' / 'drills.jsonl'} "
                                        "(no such folder) -> pass the folder drills journal to with --journal-dir "
                                        "(default reports/journal, relative to where pytest ran), or run a drill first"]


def test_an_empty_journal_has_no_drills_yet(tmp_path):
    (tmp_path / "drills.jsonl").write_text("")
    done = journal_command("status", tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("journal status: no drills in the journal yet")


@pytest.mark.parametrize("action", ["status", "verify"])
def test_the_journal_commands_document_their_exit_codes(action):
    done = subprocess.run([sys.executable, "-m", "drillbook", "journal", action, "--help"], capture_output=True,
                          text=True, timeout=60)
    text = " ".join(done.stdout.split())
    assert "exit status: 0 the journal reads back" in text and "3 no journal at --journal-dir" in text


def test_the_cadence_gate_fails_on_an_unreadable_journal_naming_the_line(run_drill, env_file, tmp_path):
    write_journal(tmp_path, (3, "load", "staging", "passed"))
    with (tmp_path / "drills.jsonl").open("a") as handle:
        handle.write("{torn\n")
    result = gate(run_drill, env_file, tmp_path)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*cadence: */drills.jsonl line 2: not valid JSON -> the journal is unreadable there*"])
