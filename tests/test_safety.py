"""Destructive drills are refused on production unless the file allows them AND the run carries an approval."""

import pytest

FAST = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:locust")
PRODUCTION = """
[target]
tier = "production"
base_url = "https://127.0.0.1:9"   # never contacted: the guard acts before any fixture
[auth]
admin_token = {{ env = "SAFETY_TEST_TOKEN" }}
[safety]
allow_destructive = {allow}
"""
DRILL = """
import pytest

@pytest.mark.destructive
def test_clears_the_cache():
    pass

def test_reads_only():
    pass
"""


@pytest.fixture
def production(pytester, monkeypatch):
    monkeypatch.setenv("SAFETY_TEST_TOKEN", "safety-token-value")
    pytester.makepyfile(test_drill=DRILL)

    def run(allow: bool, *args: str):
        pytester.path.joinpath("prod.toml").write_text(PRODUCTION.format(allow=str(allow).lower()))
        return pytester.runpytest_subprocess(*FAST, f"--env-file={pytester.path / 'prod.toml'}", "-rs",
                                             f"--alluredir={pytester.path / 'results'}", *args)
    return run


def test_destructive_drill_is_refused_when_the_file_forbids_it(production):
    result = production(False, "--approve", "CHG-123")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*refused: destructive drill on production; prod.toml has [[]safety[]] "
                                 "allow_destructive = false*"])


def test_destructive_drill_is_refused_without_approval(production):
    result = production(True)
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*refused: destructive drill on production without approval -> pass --approve*"])


def test_destructive_drill_runs_with_both_and_the_approval_is_recorded(production, pytester):
    result = production(True, "--approve", "CHG-123")
    result.assert_outcomes(passed=2)
    properties = (pytester.path / "results" / "environment.properties").read_text()
    assert "approval=CHG-123" in properties and "tier=production" in properties


def test_a_malformed_approval_id_is_an_error(production):
    result = production(True, "--approve", "yes please")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: --approve 'yes please': not a change id -> use the ticket id, e.g. --approve CHG-123"])
