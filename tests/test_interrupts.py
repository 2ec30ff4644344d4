"""Ctrl-C ends the run as interrupted even when a library swallows the KeyboardInterrupt (drillbook.runtime.interrupts)."""

import json
import os
import signal
import subprocess
import sys

import pytest

from drillbook.runtime.interrupts import InterruptGuard

SWALLOWING_DRILLS = '''
import signal

import pytest


@pytest.mark.smoke
def test_a_library_swallows_ctrl_c():
    try:
        signal.raise_signal(signal.SIGINT)
    except BaseException:  # what Hypothesis' gc callback or a broad except does to it
        pass


@pytest.mark.smoke
def test_after_ctrl_c_nothing_runs():
    pass
'''


def test_a_swallowed_ctrl_c_ends_the_run_as_interrupted(tmp_path):
    (tmp_path / "test_swallow.py").write_text(SWALLOWING_DRILLS)
    (tmp_path / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRILLBOOK_", "PYTEST_ADDOPTS"))}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v", f"--rootdir={tmp_path}",
                           f"--journal-dir={tmp_path / 'journal'}", f"--alluredir={tmp_path / 'results'}",
                           "test_swallow.py"], cwd=tmp_path, env={**env, "TMPDIR": str(tmp_path / "tmp")},
                          capture_output=True, text=True, timeout=120, preexec_fn=_default_sigint)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "test_after_ctrl_c_nothing_runs" not in done.stdout and "Traceback" not in done.stdout + done.stderr
    [entry] = [json.loads(line) for line in (tmp_path / "journal" / "drills.jsonl").read_text().splitlines()]
    assert (entry["interrupted"], entry["exit_status"], entry["failures"]) == (True, 2, {})
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_guard_raises_a_swallowed_ctrl_c_at_its_next_check_and_defers_it_during_cleanup():
    with InterruptGuard() as guard:
        try:
            signal.raise_signal(signal.SIGINT)
        except BaseException:
            pass
        with pytest.raises(KeyboardInterrupt):
            guard.check()
        guard.interrupted = False
        with guard.deferred():
            signal.raise_signal(signal.SIGINT)  # during cleanup: noted, not raised
        assert guard.interrupted


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
