"""The cadence gate: a quarterly drill last passed on staging 91 days ago fails the gate, 89 days ago passes."""

import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from drillbook.journal_chain import append_chained

CADENCE = '\n[cadence]\nenforce = true\nkinds = ["load"]\n'


def write_journal(directory, *runs: tuple[int, str, str, str]) -> None:
    """Journal lines for (days ago, kind, environment, verdict), through the real chained writer."""
    now = datetime.now(timezone.utc)
    for days, kind, env, verdict in runs:
        started = (now - timedelta(days=days)).isoformat(timespec="seconds")
        append_chained(directory / "drills.jsonl", {"started": started, "environment": env, "markers": kind,
                                                    "kinds": {kind: verdict}, "exit_status": int(verdict != "passed")})


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
    from drillbook import cadence

    write_journal(tmp_path, (days, "load", "staging", "passed"))
    settings = {"environment": "staging", "kinds": ["load"], "max_age_days": 90}
    runs = cadence.read_runs(tmp_path / "drills.jsonl")
    assert len(cadence.overdue(runs, settings, datetime.now(timezone.utc))) == expected
