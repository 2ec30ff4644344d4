"""Locust's interval reports, merged across processes: percentiles from merged histograms, late reports counted."""

import json
import math

from drillbook import runbook
from drillbook.load._judge import LoadJudge, windows_for
from drillbook.load._stats import StatsReader

BOUNDS = [10, 100, 1000, 1500, 2000]


def record(at: float, pid: int, route: str = "GET /api/shards/{id}", **buckets_by_bound) -> str:
    counts = [buckets_by_bound.get(f"le{b}", 0) for b in BOUNDS] + [buckets_by_bound.get("inf", 0)]
    routes = {route: {"count": sum(counts), "failures": buckets_by_bound.get("failures", 0), "buckets": counts,
                      "errors": {}}} if sum(counts) else {}
    return json.dumps({"at": at, "interval_s": 2.0, "pid": pid, "users": 4, "bounds": BOUNDS, "routes": routes}) + "\n"


def write(directory, pid: int, *lines: str) -> None:
    with open(directory / f"stats-{pid}.jsonl", "a") as out:
        out.write("".join(lines))


def test_p95_of_two_workers_comes_from_their_merged_histograms_not_their_average(tmp_path):
    # Worker 1: 90 fast requests (p95 10 ms). Worker 2: 10 slow ones (p95 1500 ms). Averaged: 755 ms, a pass.
    write(tmp_path, 1, record(102.0, 1, le10=90))
    write(tmp_path, 2, record(102.0, 2, le1500=10))
    [interval] = StatsReader(tmp_path).complete(now=103.0)
    merged = interval.routes["GET /api/shards/{id}"]
    assert merged.count == 100
    assert merged.percentile(0.95) == 1250.0  # rank 95 is half-way through the (1000, 1500] bucket
    assert set(merged.buckets) == {10.0, 100.0, 1000.0, 1500.0, 2000.0, math.inf}  # empty bounds kept


def test_an_interval_waits_for_every_process_until_it_settles(tmp_path):
    write(tmp_path, 1, record(100.0, 1, le10=5), record(102.0, 1, le10=5))
    write(tmp_path, 2, record(100.0, 2, le10=5))
    reader = StatsReader(tmp_path, settle_s=3.0)
    assert [i.at for i in reader.complete(now=102.5)] == [100.0]  # 102 still waits for process 2
    assert [i.at for i in reader.complete(now=105.5)] == [102.0]  # ... but not for ever
    write(tmp_path, 2, record(102.0, 2, le10=5))
    assert reader.complete(now=106.0) == [] and reader.late == 1  # judged already: counted, not merged


def test_a_line_still_being_written_waits_for_its_newline(tmp_path):
    line = record(100.0, 1, le10=5)
    write(tmp_path, 1, line[:20])
    reader = StatsReader(tmp_path)
    assert reader.complete(now=200.0) == []
    write(tmp_path, 1, line[20:])
    assert [i.sample().count for i in reader.complete(now=200.0)] == [5]


def test_errors_on_one_route_fail_the_run_and_name_the_route(tmp_path):
    lines = [record(100.0 + 2 * k, 1, le10=20, failures=4 if k >= 2 else 0) for k in range(1, 6)]
    write(tmp_path, 1, *lines)
    judge = LoadJudge.for_runbook(runbook.threshold, duration_s=10, interval_s=2, window_s=4, min_requests=5,
                                  run_start=100.0)
    for interval in StatsReader(tmp_path).drain():
        judge.add(interval)
    assert [t.label for t in judge.failed] == ["api_error_rate", "api_error_rate GET /api/shards/{id}"]
    assert judge.failed[1].finding().startswith(
        "api_error_rate on GET /api/shards/{id} 10 % > 5 % over 4 s window ending +104 s (first breach after 4 s, worst 20 %")


def test_short_runs_compress_the_runbook_windows_to_half_the_run():
    thresholds = {key: runbook.threshold(key) for key in ("api_error_rate", "api_p95")}
    assert windows_for(thresholds, duration_s=60, interval_s=5, window_s=None) == {"api_error_rate": 30,
                                                                                  "api_p95": 30}
    assert windows_for(thresholds, duration_s=2100, interval_s=10, window_s=None) == {"api_error_rate": 300,
                                                                                     "api_p95": 600}
    assert windows_for(thresholds, duration_s=2100, interval_s=10, window_s=60) == {"api_error_rate": 60,
                                                                                   "api_p95": 60}
