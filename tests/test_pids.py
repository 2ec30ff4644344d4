"""Process facts through psutil: alive or zombie, the start time that guards a reused pid, the command line."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from drillbook.runtime.pids import command_line, process_alive, process_started, same_process

from waiting import wait_for


@pytest.fixture
def child():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()


def test_a_running_process_is_alive_with_a_start_time_that_names_it(child):
    started = process_started(child.pid)
    assert process_alive(child.pid) and started is not None
    assert same_process(child.pid, started) and same_process(child.pid, started + 1.0)  # a stepped clock
    assert not same_process(child.pid, started - 60)  # another process that once had this pid
    assert not same_process(child.pid, str(int(started * 100)))  # an older record's clock ticks: not trusted
    assert command_line(child.pid)[-1] == "import time; time.sleep(60)"


def test_a_killed_child_not_yet_reaped_is_a_zombie_and_counts_as_gone(child):
    os.kill(child.pid, signal.SIGKILL)
    assert wait_for(lambda: not process_alive(child.pid), timeout=30)  # kill(pid, 0) would still answer
    assert process_started(child.pid) is None and not same_process(child.pid, 0.0)
    assert child.poll() == -signal.SIGKILL  # reaped only now


def test_a_pid_nobody_holds_is_gone():
    pid = 2 ** 22 + 1  # above any Linux pid_max
    assert not process_alive(pid) and process_started(pid) is None and command_line(pid) == []
