"""The watch loop: early fail at the first sustained breach, no data is inconclusive, gauges are optional."""

from drillbook import runbook
from drillbook.metrics.reading import EndpointReading, NoDataError, Reading
from drillbook.watch import Watch, WatchPlan, failure_lines, progress_line

INTERVAL, WINDOW = 0.05, 0.15


class ScriptedSource:
    """Our own MetricsSource protocol, answering from a script: tick number -> (requests, errors, latency ms)."""

    name = "scripted"

    def __init__(self, script):
        self.script, self.reads = script, 0

    def read(self, start, end):
        self.reads += 1
        requests, errors, latency = self.script(self.reads)
        if requests is None:
            raise NoDataError("scripted: nothing in this interval")
        buckets = {latency: requests}
        endpoint = EndpointReading(requests, errors, buckets)
        return Reading(start, end, "scripted", requests=requests, status_5xx=errors, latency_buckets=buckets,
                       endpoints={"GET /api/shards/{id}": endpoint})

    def close(self):
        pass


def plan(duration=1.0):
    return WatchPlan.for_runbook(runbook.threshold, duration_s=duration, interval_s=INTERVAL, min_requests=10,
                                 window_s=WINDOW)


def test_a_sustained_error_breach_fails_early():
    source = ScriptedSource(lambda n: (100, 0 if n < 6 else 10, 50.0))
    result = Watch(plan(), source).run()
    assert result.status == "fail"
    assert [t.label for t in result.failed][0] == "api_error_rate"
    assert source.reads <= 6 + WINDOW / INTERVAL + 1  # not the 20 ticks of the full watch
    assert "runbook §High error rate" in failure_lines(result)[0]


def test_errors_below_the_limit_pass():
    result = Watch(plan(0.5), ScriptedSource(lambda n: (100, 3, 50.0))).run()
    assert result.status == "pass"


def test_latency_above_the_limit_fails_the_p95_rule():
    result = Watch(plan(), ScriptedSource(lambda n: (100, 0, 1500.0))).run()
    assert {"api_p95", "slow_endpoint GET /api/shards/{id}"} <= {t.label for t in result.failed}


def test_no_data_is_inconclusive_not_a_pass():
    result = Watch(plan(0.5), ScriptedSource(lambda n: (None, 0, 0.0))).run()
    assert result.status == "inconclusive"
    assert result.source_errors and "nothing in this interval" in result.source_errors[0]


def test_too_few_requests_is_inconclusive():
    result = Watch(plan(0.5), ScriptedSource(lambda n: (2, 0, 50.0))).run()
    assert result.status == "inconclusive"


def test_missing_gauges_do_not_make_the_watch_inconclusive():
    result = Watch(plan(0.5), ScriptedSource(lambda n: (100, 0, 50.0))).run()
    cpu = next(t for t in result.trackers if t.label == "cpu")
    assert cpu.verdict.status == "inconclusive" and result.status == "pass"


def test_progress_line_shows_elapsed_and_current_values():
    lines = []
    Watch(plan(0.3), ScriptedSource(lambda n: (100, 1, 50.0)), on_progress=lambda e, r: lines.append(
        progress_line(e, r))).run()
    assert lines[0].startswith("watch 00:00/00:00 | api_error_rate")
    assert "api_error_rate 1 %" in lines[-1]
