"""A supervised thread logs its crash, reports it while it waits to restart, then runs its loop again."""

import logging
import threading
import time

import waiting
from sandbox.supervise import Supervised


def wait_for(check, timeout: float = 30.0) -> bool:
    return waiting.wait_for(check, timeout)


def crashing_loop(stopping: threading.Event, crashes: int):
    """A loop that raises ``crashes`` times, then works until stopped."""
    runs = []

    def loop():
        runs.append(time.monotonic())
        if len(runs) <= crashes:
            raise ValueError(f"bad job {len(runs)}")
        stopping.wait()

    return loop, runs


def test_a_crash_is_logged_reported_and_restarted(caplog):
    stopping = threading.Event()
    loop, runs = crashing_loop(stopping, crashes=1)
    worker = Supervised("test-worker", loop, stopping, first_delay_s=0.2)
    with caplog.at_level(logging.ERROR, logger="sandbox.supervise"):
        worker.start()
        try:
            assert wait_for(lambda: len(runs) == 2 and worker.state == "running")
        finally:
            stopping.set()
            worker.join(5)
    assert worker.status() == {"state": "stopped", "crashes": 1, "last_crash": "ValueError: bad job 1"}
    [record] = caplog.records
    assert "test-worker thread crashed (crash 1), restarting in 0.2 s" in record.getMessage()
    assert record.exc_info[0] is ValueError  # the traceback goes to the log


def test_while_it_waits_to_restart_it_says_so():
    stopping = threading.Event()
    loop, runs = crashing_loop(stopping, crashes=1)
    worker = Supervised("test-worker", loop, stopping, first_delay_s=60)
    worker.start()
    try:
        assert wait_for(lambda: worker.crashes == 1)
        assert worker.state == "restarting"
        assert worker.problem().startswith("test-worker thread crashed (ValueError: bad job 1) and restarts in ")
    finally:
        stopping.set()  # ends the backoff at once
        worker.join(5)
    assert len(runs) == 1 and worker.state == "stopped"


def test_repeated_crashes_back_off_up_to_the_limit():
    stopping = threading.Event()
    loop, runs = crashing_loop(stopping, crashes=4)
    worker = Supervised("test-worker", loop, stopping, first_delay_s=0.05, max_delay_s=0.1)
    worker.start()
    try:
        assert wait_for(lambda: len(runs) == 5)
    finally:
        stopping.set()
        worker.join(5)
    gaps = [later - earlier for earlier, later in zip(runs, runs[1:])]
    assert gaps[0] >= 0.05 and all(gap >= 0.1 for gap in gaps[1:])  # 0.05, then doubled and capped at 0.1
    assert worker.crashes == 4


def test_a_healthy_loop_that_returns_is_not_a_crash():
    stopping = threading.Event()
    worker = Supervised("test-worker", stopping.wait, stopping)
    worker.start()
    assert worker.state == "running" and worker.problem() is None
    stopping.set()
    worker.join(5)
    assert worker.status() == {"state": "stopped", "crashes": 0}
