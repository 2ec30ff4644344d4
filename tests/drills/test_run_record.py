"""The record names the target that was drilled: the journal, environment.properties and the run's header line."""

import json

import pytest

LIVE = ("-m", "health", "-k", "live")


@pytest.fixture
def named_file(tmp_path):
    """``named_file(name)``: a local environment file called canary-local.toml, with ``[target] name`` if given."""
    def write(name: str | None = None):
        path = tmp_path / "canary-local.toml"
        named = f'name = "{name}"\n' if name else ""
        path.write_text(f'[target]\ntier = "local"\nbase_url = "sandbox"\n{named}\n'
                        '[auth]\nadmin_token = { env = "CASTIEL_ADMIN_TOKEN" }\n')
        return path
    return write


def record(run_drill, tmp_path, path) -> tuple[pytest.RunResult, dict, str]:
    result = run_drill(*LIVE, f"--env-file={path}", f"--journal-dir={tmp_path / 'journal'}")
    entry = json.loads((tmp_path / "journal" / "drills.jsonl").read_text().splitlines()[-1])
    return result, entry, (run_drill.results / "environment.properties").read_text()


def test_an_env_file_run_is_recorded_under_the_file_s_name(run_drill, faults, tmp_path, named_file):
    path = named_file()
    result, entry, properties = record(run_drill, tmp_path, path)
    result.assert_outcomes(passed=1)
    assert entry["environment"] == "canary-local" and "environment=canary-local\n" in properties
    result.stdout.fnmatch_lines([f"drillbook: environment canary-local, tier local, base url embedded sandbox*, "
                                 f"env file {path}, approval none"])


def test_target_name_names_the_environment(run_drill, faults, tmp_path, named_file):
    result, entry, properties = record(run_drill, tmp_path, named_file("canary-eu"))
    assert entry["environment"] == "canary-eu" and "environment=canary-eu\n" in properties
    result.stdout.fnmatch_lines(["drillbook: environment canary-eu, tier local, *"])


def test_the_header_names_the_approval(run_drill, faults):
    result = run_drill(*LIVE, "--approve", "CHG-42")
    result.stdout.fnmatch_lines(["drillbook: environment local, tier local, base url embedded sandbox at "
                                 "http://127.0.0.1:*, env file *environments/local.toml, approval CHG-42"])


def test_the_journal_records_the_version_the_target_reported(run_drill, faults, tmp_path):
    """The migration gate asks for a passing DR drill *of this version*: the journal must say which build ran."""
    journal = tmp_path / "journal"
    run_drill("-m", "health", "-k", "version", f"--journal-dir={journal}").assert_outcomes(passed=1)
    faults.inject("/health", status=200, body={"status": "healthy", "version": "9.9.9", "uptime_s": 1})
    run_drill("-m", "health", "-k", "version", f"--journal-dir={journal}").assert_outcomes(passed=1)
    first, second = (json.loads(line) for line in (journal / "drills.jsonl").read_text().splitlines())
    assert (first["version"], second["version"]) == ("1.4.2", "9.9.9")
