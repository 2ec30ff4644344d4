"""Markers are strict both ways: on tests (--strict-markers) and in -m expressions."""

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(pytester, *args):
    return pytester.runpytest_subprocess(f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"),
                                         "-p", "no:cacheprovider", "--co", "-q", *args, str(REPO / "checks"))


def test_a_typo_in_m_is_an_error_with_the_closest_marker(pytester):
    result = run(pytester, "-m", "smok")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: -m 'smok': unknown marker 'smok' -> did you mean 'smoke'? *"])


def test_an_expression_of_known_markers_is_accepted(pytester):
    result = run(pytester, "-m", "smoke or (cache and not destructive)")
    assert result.ret == 0


def test_an_unknown_marker_on_a_test_is_an_error(pytester):
    pytester.makepyfile(test_typo="import pytest\n@pytest.mark.smokee\ndef test_x():\n    pass\n")
    result = pytester.runpytest_subprocess(f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"),
                                           "-p", "no:cacheprovider", str(pytester.path / "test_typo.py"))
    result.stdout.fnmatch_lines(["*'smokee' not found in `markers` configuration option*"])


WATCH_LEFT_OUT = "drillbook: 1 long drill (watch) not selected; run it with -m watch"


def test_a_run_without_m_leaves_the_watch_out_and_says_so(pytester):
    result = run(pytester)
    result.stdout.fnmatch_lines([WATCH_LEFT_OUT])
    assert "test_post_deploy_watch" not in result.stdout.str()


def test_an_expression_that_does_not_name_the_watch_leaves_it_out(pytester):
    result = run(pytester, "-m", "not smoke")
    result.stdout.fnmatch_lines([WATCH_LEFT_OUT])
    assert "test_post_deploy_watch" not in result.stdout.str()


def test_naming_the_watch_selects_it(pytester):
    result = run(pytester, "-m", "watch or smoke")
    result.stdout.fnmatch_lines(["*test_post_deploy_watch_holds_the_runbook_thresholds*"])
    assert "not selected" not in result.stdout.str()


def test_an_expression_that_excludes_the_watch_says_nothing_of_it(pytester):
    assert "not selected" not in run(pytester, "-m", "smoke").stdout.str()


def test_a_bare_run_ends_without_starting_the_15_minute_watch(run_drill, faults):
    result = run_drill("-k", "live or post_deploy", paths=("checks/test_health.py", "checks/test_watch.py"))
    result.assert_outcomes(passed=1, deselected=6)  # -k leaves out the other five
    result.stdout.fnmatch_lines([WATCH_LEFT_OUT])
    assert result.duration < 120  # the watch alone would run 15 min


def test_with_xdist_the_controller_says_it_once(run_drill, faults):
    result = run_drill("-n", "2", "-k", "live or post_deploy", paths=("checks/test_health.py", "checks/test_watch.py"))
    result.assert_outcomes(passed=1)
    assert result.outlines.count(WATCH_LEFT_OUT) == 1


# --- what a bare run runs, and whose error a bad expression shows (issue 18) ----------------------

def bare_run(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """``pytest`` in the repo root, as a newcomer types it: pyproject's testpaths, no -m."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRILLBOOK_", "PYTEST_ADDOPTS"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--alluredir={tmp_path / 'r'}",
                           f"--journal-dir={tmp_path / 'j'}", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)


def test_a_bare_run_collects_every_drill_file_and_is_not_stopped_by_the_gates(tmp_path):
    done = bare_run(tmp_path, "--co", "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "gates/test_gates.py::test_all_tests_passed" in done.stdout and "ERROR" not in done.stderr
    assert "long drills (watch, load, chaos, dr, rollback) not selected" in done.stdout


def test_a_bare_run_skips_the_gates_that_read_the_manifest_with_the_fix(run_drill):
    result = run_drill("-rs", paths=("gates",))
    assert result.ret == 0, result.stderr.str()
    result.stdout.fnmatch_lines(["SKIPPED * no release manifest -> pass --release release.toml to run the gates"])


def test_a_malformed_expression_shows_pytests_own_error(pytester):
    result = run(pytester, "-m", "smoke and", str(REPO / "gates"))
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: Wrong expression passed to '-m': smoke and: at column 10: expected not OR "
                                 "left parenthesis OR identifier; got end of input"])
    assert "release manifest" not in result.stderr.str()
