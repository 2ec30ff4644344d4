"""wait_until: the one poll-until-a-deadline loop (locks, sandbox stop, slot swap, health, restore, chaos recovery)."""

from __future__ import annotations

import itertools
import time

from drillbook.runtime.waiting import Waited, wait_until


def test_a_condition_that_holds_at_once_is_looked_at_once_without_sleeping():
    started = time.monotonic()
    waited = wait_until(lambda: "healthy", lambda seen: seen == "healthy", timeout_s=30, poll_s=10)
    assert (waited.held, waited.last, waited.looks, waited.timed_out) == (True, "healthy", 1, False)
    assert time.monotonic() - started < 5  # no poll interval was slept


def test_a_timeout_says_what_was_seen_last_and_when():
    versions = itertools.count(1)
    waited = wait_until(lambda: f"1.4.{next(versions)}", lambda seen: seen == "9.9.9", timeout_s=0.3, poll_s=0.05)
    assert waited.timed_out and not waited.held
    assert waited.last == f"1.4.{waited.looks}"  # the last look's answer, not the first
    assert waited.took_s >= 0.3 and waited.looks >= 2


def test_the_last_look_is_at_the_deadline_not_a_poll_interval_later():
    started = time.monotonic()
    waited = wait_until(lambda: False, timeout_s=0.2, poll_s=60)
    assert waited.looks == 2  # at once, then at the deadline: the 60 s poll is cut to what is left
    assert 0.2 <= waited.took_s < 30 and time.monotonic() - started < 30


def test_every_look_is_reported_to_the_progress_callback():
    seen: list[Waited[int]] = []
    counter = itertools.count(1)
    waited = wait_until(lambda: next(counter), lambda n: n >= 3, timeout_s=30, poll_s=0.01, on_look=seen.append)
    assert [look.last for look in seen] == [1, 2, 3] and [look.held for look in seen] == [False, False, True]
    assert waited == seen[-1]


def test_the_clock_can_start_before_the_wait():
    before = time.monotonic() - 10  # the swap that was asked 10 s ago
    waited = wait_until(lambda: False, timeout_s=5, poll_s=1, since=before)
    assert waited.looks == 1 and waited.timed_out and waited.took_s >= 10
