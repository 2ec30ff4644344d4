"""The watch's evidence as one CSV series: every evaluation of every rule, at UTC clock time.

    time_utc,series,value,unit,limit,state,window_s,count
    2026-11-30T16:44:02Z,api_error_rate,0.0,%,5,pass,10,31

One file per watch replaces raw scrape bodies: it is what the charts plot and
what the verdicts judged, readable in any spreadsheet.
"""

from __future__ import annotations

import csv
import io
import time

COLUMNS = ("time_utc", "series", "value", "unit", "limit", "state", "window_s", "count")


def series_csv(result) -> str:
    """The CSV text of every evaluation of every rule of the watch ``result``, oldest first per rule."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for tracker in result.trackers:
        rule = tracker.evaluator.rule
        for e in tracker.evaluator.evaluations:
            writer.writerow([iso_utc(e.at), tracker.label, "" if e.value is None else f"{e.value:.6g}", rule.unit,
                             f"{rule.limit:g}", e.state, f"{rule.window_s:g}", getattr(e, "count", "") or ""])
    return buffer.getvalue()


def iso_utc(epoch: float) -> str:
    """ISO-8601 UTC with milliseconds: ``2026-11-30T16:44:02.735Z``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(epoch)) + f".{int(epoch * 1000) % 1000:03d}Z"
