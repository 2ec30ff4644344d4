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


CTRL_C_IN_EXEC = '''
import pytest


@pytest.mark.smoke
def test_ctrl_c_lands_in_code_run_by_exec():
    # where a @dataclass builds its methods: schemathesis' import, at the contract drill's start
    exec("import signal; signal.raise_signal(signal.SIGINT)")
'''

CTRL_C_IN_SET_NAME = '''
import signal

import pytest


class Descriptor:
    def __set_name__(self, owner, name):
        signal.raise_signal(signal.SIGINT)


@pytest.mark.smoke
def test_ctrl_c_lands_while_a_class_is_created():
    class Provider:  # Hypothesis' cached_property, as schemathesis imports it; Python 3.11 makes it a RuntimeError
        constants = Descriptor()
'''

CTRL_C_IN_A_FINALIZER = '''
import signal

import pytest


class Finalized:
    def __del__(self):
        signal.raise_signal(signal.SIGINT)


@pytest.mark.smoke
def test_ctrl_c_lands_in_a_finalizer():
    Finalized()  # or in importlib's module-lock weakref callback, as schemathesis loads: "Exception ignored in"
'''


def test_a_swallowed_ctrl_c_ends_the_run_as_interrupted(tmp_path):
    done = _run_drills(tmp_path, SWALLOWING_DRILLS)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "test_after_ctrl_c_nothing_runs" not in done.stdout and "Traceback" not in done.stdout + done.stderr
    _assert_recorded_as_interrupted(tmp_path)


@pytest.mark.parametrize("drills", [CTRL_C_IN_EXEC, CTRL_C_IN_SET_NAME, CTRL_C_IN_A_FINALIZER],
                         ids=["in exec", "in __set_name__", "in a finalizer"])
def test_a_ctrl_c_wherever_it_lands_ends_the_run_with_exit_code_2_and_one_line(tmp_path, drills):
    """Not -2: CPython ends ``python -m`` by SIGINT once a plain KeyboardInterrupt left exec'd code, even a caught one.

    Not a failed drill: Python 3.11 turns what ``__set_name__`` raises into a RuntimeError. No traceback: Python
    cannot raise from a finalizer, it reports "Exception ignored in" (pytest as a warning with the traceback).
    """
    done = _run_drills(tmp_path, drills)
    assert done.returncode == 2, f"exit {done.returncode} (expected 2, interrupted)\n" + done.stdout + done.stderr
    assert "Interrupted: Ctrl-C: the run stopped and ends as interrupted (exit code 2)" in done.stdout, done.stdout
    assert "Traceback" not in done.stdout + done.stderr and "FAILED" not in done.stdout, done.stdout
    _assert_recorded_as_interrupted(tmp_path)


def _run_drills(tmp_path, source: str) -> subprocess.CompletedProcess:
    """``python -m pytest`` on ``source``, as a drill runs: CPython's SIGINT exit applies to ``-m`` only.

    Without the plugins drills run without (pyproject's addopts): schemathesis' would import more @dataclass
    classes after the Ctrl-C, and the next exec() of a string clears CPython's mark again.
    """
    (tmp_path / "test_drills.py").write_text(source)
    (tmp_path / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DRILLBOOK_", "PYTEST_ADDOPTS"))}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                           "-p", "no:schemathesis", "-p", "no:locust", "-v", f"--rootdir={tmp_path}",
                           f"--journal-dir={tmp_path / 'journal'}", f"--alluredir={tmp_path / 'results'}",
                           "test_drills.py"], cwd=tmp_path, env={**env, "TMPDIR": str(tmp_path / "tmp")},
                          capture_output=True, text=True, timeout=120, preexec_fn=_default_sigint)


def _assert_recorded_as_interrupted(tmp_path) -> None:
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
