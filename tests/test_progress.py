"""A long drill's progress: stamped lines, and a line after every few seconds of silence, even in a blocking call."""

from __future__ import annotations

import re
import time

from drillbook.runtime.progress import Progress

STAMP = re.compile(r"^\d\d:\d\d:\d\dZ ")


def collect() -> tuple[list[tuple[float, str]], callable]:
    lines: list[tuple[float, str]] = []
    return lines, lambda line: lines.append((time.monotonic(), line))


def test_a_phase_that_blocks_in_one_call_still_gets_a_line_every_few_seconds_with_its_status():
    lines, show = collect()
    with Progress(show, prefix="chaos redis-outage: ", every_s=0.3) as progress:
        progress.enter("revert", planned_s=120, status=lambda: "waiting for provisioning state Succeeded")
        time.sleep(1.4)  # one call that does not return: an Azure revert waiting on its resource
    assert len(lines) >= 3
    assert all(STAMP.match(text) for _, text in lines)
    assert re.search(r"Z chaos redis-outage: revert \d s of 120 s: waiting for provisioning state Succeeded$",
                     lines[0][1])
    gaps = [later - earlier for (earlier, _), (later, _) in zip(lines, lines[1:])]
    assert max(gaps) < 0.3 + 0.5  # the ticker's period, and scheduling slack on a busy machine


def test_a_line_the_drill_prints_resets_the_silence():
    lines, show = collect()
    with Progress(show, every_s=0.5) as progress:
        progress.enter("observe")
        for index in range(5):
            progress.line(f"look {index}")
            time.sleep(0.2)
    assert [text.split(" ", 1)[1] for _, text in lines] == [f"look {index}" for index in range(5)]


def test_a_status_that_fails_does_not_silence_the_drill():
    lines, show = collect()

    def broken() -> str:
        raise ValueError("the window is closed")

    with Progress(show, every_s=0.2) as progress:
        progress.enter("steady state", status=broken, say="a 10 s window")
        time.sleep(0.7)
    texts = [text.split(" ", 1)[1] for _, text in lines]
    assert texts[0] == "steady state: a 10 s window"
    assert "steady state (status unreadable: the window is closed)" in texts[1:]
