"""The record's folders are checked before anything runs: a file in the way, or a reports/ nobody may write to,
is one line naming the path and the fix (exit 4), not an INTERNALERROR traceback."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from pytest_runs import run_pytest

LIVE = ("-m", "health", "-k", "live")


@pytest.fixture
def unwritable(tmp_path) -> Path:
    """A directory this user cannot write to: chmod for a user, a sysfs directory for root (which chmod cannot stop)."""
    if os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir(mode=0o555)
        yield folder
        folder.chmod(0o755)
        return
    folder = Path("/sys/kernel")
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        yield folder
        return
    pytest.skip("no directory here that root cannot write to")


@pytest.mark.parametrize("option", ["--journal-dir", "--alluredir"])
def test_a_record_folder_that_is_a_file_is_one_line_with_the_fix(run_drill, tmp_path, option):
    in_the_way = tmp_path / "in-the-way.txt"
    in_the_way.write_text("not a directory\n")
    result = run_drill(*LIVE, f"--journal-dir={tmp_path / 'journal'}", f"{option}={in_the_way}")
    assert result.ret == 4
    assert result.stderr.lines[:1] == [f"ERROR: {option} {in_the_way}: not a directory (a file is in the way) "
                                       f"-> give {option} a directory this user can write (a missing one is "
                                       "created)"]
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_an_unwritable_reports_folder_is_named_before_any_drill(run_drill, unwritable):
    (run_drill.workdir / "reports").symlink_to(unwritable, target_is_directory=True)
    argv, env = run_drill.command(*LIVE)
    result = run_pytest([arg for arg in argv if not arg.startswith("--alluredir")], run_drill.workdir, env, 120)
    assert result.ret == 4
    [line] = result.stderr.lines[:1]
    assert line.startswith("ERROR: reports/journal (the default --journal-dir): ") and line.endswith(
        " -> make reports/ writable for this user, or pass --journal-dir=DIR elsewhere"), line
    assert "collected" not in result.stdout.str() and "INTERNALERROR" not in result.stdout.str()


def test_an_unwritable_default_results_folder_is_named_before_any_drill(run_drill, unwritable, tmp_path):
    (run_drill.workdir / "reports").symlink_to(unwritable, target_is_directory=True)
    argv, env = run_drill.command(*LIVE, f"--journal-dir={tmp_path / 'journal'}")
    result = run_pytest([arg for arg in argv if not arg.startswith("--alluredir")], run_drill.workdir, env, 120)
    assert result.ret == 4
    [line] = result.stderr.lines[:1]
    assert line.startswith("ERROR: reports/runs/") and "(the default --alluredir): " in line and line.endswith(
        " -> make reports/ writable for this user, or pass --alluredir=DIR elsewhere"), line
