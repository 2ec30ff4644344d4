"""Markers are strict both ways: on tests (--strict-markers) and in -m expressions."""

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
