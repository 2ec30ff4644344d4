"""The server's side while Azure Load Testing runs the load: read the environment's metrics source as intervals pass.

Azure reports no intervals while it runs, so drillbook cuts the shape into
``interval_s`` steps from Azure's ``startDateTime`` and, at each poll, reads the
server side for every step the wall clock has passed (after the source's
ingestion lag, as with locust). Reads are bounded by the follow loop's own bound.
"""

from __future__ import annotations

import math
import time
from typing import Callable

from drillbook.load._azure_metrics import epoch
from drillbook.load._run import LoadRun
from drillbook.load._settings import LoadSettings
from drillbook.runbook import Threshold


def follow_server(run: LoadRun, resource: dict, lookup: Callable[[str], Threshold], deadline: float) -> None:
    """Once Azure says when the run started, judge the server side from then; read every passed interval."""
    server, start = run.server, resource.get("startDateTime")
    if server is None or not start:
        return
    run_start = epoch(start)
    if server.judge is None:
        server.start_judging(lookup, run.settings, run_start)
    end = resource.get("endDateTime")
    for boundary in passed_ends(run.settings, run_start, epoch(end) if end else math.inf, time.time()):
        server.complete(boundary)
    server.read_due(deadline)


def passed_ends(settings: LoadSettings, run_start: float, ended: float, now: float) -> list[float]:
    """The ends of the intervals ``now`` has passed; the last is cut where the shape or Azure's run ended."""
    stop = min(run_start + settings.duration_s, ended)
    steps = max(0, math.floor((min(now, stop) - run_start) / settings.interval_s))
    ends = [run_start + k * settings.interval_s for k in range(1, steps + 1)]
    if now >= stop > (ends[-1] if ends else run_start):
        ends.append(stop)
    return ends
