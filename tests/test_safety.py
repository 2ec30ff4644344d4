"""The destructive guard: the file must allow it, production needs an approval, and the tier cannot be talked around.

A refused drill is counted where a pipeline looks: the terminal summary, the journal, and an exit status of 6
when the whole selection was refused.
"""

import json
import socket

import pytest

FAST = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:locust")
TARGET = """
[target]
tier = "{tier}"
base_url = "{url}"   # never contacted: the guard acts before any fixture
[auth]
admin_token = {{ env = "SAFETY_TEST_TOKEN" }}
{safety}
"""
DRILL = """
import pytest

@pytest.mark.destructive
def test_clears_the_cache():
    pass

def test_reads_only():
    pass
"""
CACHE_CLEAR = ("-m", "cache and destructive")


@pytest.fixture
def target(pytester, monkeypatch):
    """``target(tier, allow, *args)``: run a destructive and a read-only test against a file of that tier."""
    monkeypatch.setenv("SAFETY_TEST_TOKEN", "safety-token-value")
    pytester.makepyfile(test_drill=DRILL)

    def run(tier: str, allow: bool | None, *args: str, url: str = "https://127.0.0.1:9"):
        safety = "" if allow is None else f"[safety]\nallow_destructive = {str(allow).lower()}"
        pytester.path.joinpath("prod.toml").write_text(TARGET.format(tier=tier, url=url, safety=safety))
        return pytester.runpytest_subprocess(*FAST, f"--env-file={pytester.path / 'prod.toml'}", "-rs",
                                             f"--alluredir={pytester.path / 'results'}",
                                             f"--journal-dir={pytester.path / 'journal'}", *args)
    return run


@pytest.fixture
def production(target):
    return lambda allow, *args: target("production", allow, *args)


def journal_entry(pytester) -> dict:
    return json.loads((pytester.path / "journal" / "drills.jsonl").read_text().splitlines()[-1])


def test_destructive_drill_is_refused_when_the_file_forbids_it(production):
    result = production(False, "--approve", "CHG-123")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*refused: destructive drill on production; prod.toml has [[]safety[]] "
                                 "allow_destructive = false*"])


def test_the_hint_names_only_what_this_run_lacks(production):
    result = production(False, "--approve", "CHG-9")
    result.stdout.fnmatch_lines(["*allow_destructive = false -> set it to true for the drill window "
                                 "(approval CHG-9 is given)"])
    assert "CHG-123" not in result.stdout.str()


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


def test_a_run_whose_every_drill_is_refused_exits_6_with_the_reason(production, pytester):
    result = production(True, "-m", "destructive")
    assert result.ret == 6
    result.stdout.fnmatch_lines(["drillbook: every selected drill was refused (1 of 1), exit status 6: refused: "
                                 "destructive drill on production without approval -> pass --approve CHG-123*"])
    entry = journal_entry(pytester)
    assert (entry["counts"], entry["exit_status"]) == ({"refused": 1}, 6)


def test_a_partly_refused_run_counts_the_refusals_and_exits_by_the_rest(production, pytester):
    result = production(False)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["drillbook: 1 of 2 drills refused: refused: destructive drill on production; *"
                                 "set it to true for the drill window and pass --approve with the change id*"])
    assert journal_entry(pytester)["counts"] == {"refused": 1}


def test_allow_destructive_false_is_respected_on_the_local_tier(target):
    result = target("local", False, url="http://127.0.0.1:9")
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*refused: destructive drill on local but prod.toml has [[]safety[]] "
                                 "allow_destructive = false*"])


def test_the_local_tier_allows_destructive_drills_unless_the_file_says_otherwise(target):
    target("local", None, url="http://127.0.0.1:9").assert_outcomes(passed=2)


def test_local_tier_pointing_at_production_stops_before_any_request(run_drill, env_file):
    path = env_file('\n[redis]\nurl = "redis://127.0.0.1:9/0"\n', tier="local", base_url="https://api.castiel.com")
    result = run_drill(*CACHE_CLEAR, f"--env-file={path}", paths=("checks/test_cache.py",), timeout=60)
    assert result.ret == 4 and "collected" not in result.stdout.str()
    result.stderr.fnmatch_lines(['ERROR: *drill-env.toml: [[]target] base_url = "https://api.castiel.com" on tier '
                                 "local -> the local tier reaches only loopback and the sandbox; this target belongs "
                                 "to environments/production.toml: use --env production"])


def test_a_production_resource_makes_the_target_production_and_nothing_is_sent(run_drill, env_file):
    with socket.socket() as listener:  # the target: it would see any request the guard let through
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        url = f"https://127.0.0.1:{listener.getsockname()[1]}"
        path = env_file('\n[redis]\nurl = "redis://127.0.0.1:9/0"\nread_paths = ["/api/shards/x"]\n'
                        '[azure]\nresource_group = "rg-castiel-prod"\n', tier="staging", base_url=url)
        result = run_drill(*CACHE_CLEAR, f"--env-file={path}", paths=("checks/test_cache.py",))
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert result.ret == 6
    properties = (run_drill.results / "environment.properties").read_text()
    assert "tier=production\n" in properties and "tier_reason=" in properties
    result.stdout.fnmatch_lines([
        'drillbook: environment drill-env, tier production (*drill-env.toml says tier = "staging", but its [[]azure] '
        "resource_group = rg-castiel-prod belongs to environments/production.toml), base url https://127.0.0.1:*",
        "*refused: destructive drill on production (*) without approval -> pass --approve CHG-123*"])


def test_a_refused_drill_needs_no_secret_and_the_vault_is_never_asked(run_drill, tmp_path):
    """Refusals come first: chaos on production without --approve is refused before any secret is resolved."""
    with socket.socket() as vault:  # a vault that would hang: it would see any connection the run made
        vault.bind(("127.0.0.1", 0))
        vault.listen(8)
        path = tmp_path / "prod.toml"
        path.write_text(TARGET.format(tier="production", url="https://127.0.0.1:9", safety="[safety]\n"
                                      "allow_destructive = true").replace(
            '{ env = "SAFETY_TEST_TOKEN" }',
            f'{{ keyvault = "https://127.0.0.1:{vault.getsockname()[1]}", secret = "castiel-admin-token" }}'))
        result = run_drill("-m", "chaos", f"--env-file={path}", paths=("chaos",), timeout=60)
        vault.setblocking(False)
        with pytest.raises(BlockingIOError):
            vault.accept()
    assert result.ret == 6, result.stderr.str()
    result.stdout.fnmatch_lines(["drillbook: every selected drill was refused (*), exit status 6: refused: destructive "
                                 "drill on production without approval -> pass --approve CHG-123*"])
    assert "Key Vault" not in result.stdout.str() + result.stderr.str()
    assert result.duration < 20  # the vault's timeout alone was 10 s a try


@pytest.mark.parametrize("workers", [(), ("-n", "2")], ids=["one process", "xdist"])
def test_a_secret_that_cannot_be_read_stops_the_first_drill_that_needs_it_in_one_line(run_drill, env_file, workers):
    path = env_file()
    path.write_text(path.read_text().replace('{ env = "CASTIEL_ADMIN_TOKEN" }', '{ env = "DRILL_TEST_UNSET_TOKEN" }'))
    result = run_drill("-m", "health", f"--env-file={path}", *workers)
    assert result.ret == 4, result.stdout.str()
    [line] = [line for line in result.outlines if "DRILL_TEST_UNSET_TOKEN" in line]
    assert line.strip("! ") == (f"drillbook: {path}: [auth] admin_token: environment variable "
                                "DRILL_TEST_UNSET_TOKEN is not set -> export DRILL_TEST_UNSET_TOKEN=... (the value "
                                "stays out of files and reports)")
    assert "Exit" not in result.stdout.str() and "INTERNALERROR" not in result.stdout.str()
