"""The watch loop: early fail at the first sustained breach, no data is inconclusive, gauges are optional,
unreadable intervals are counted and can make the watch inconclusive."""

import pytest

from drillbook import runbook
from drillbook.errors import MetricsError, NoDataError
from drillbook.metrics.reading import EndpointReading, Reading
from drillbook.watch.loop import Watch, WatchPlan
from drillbook.watch.drill import verdict_message, watch_record
from drillbook.watch.report import failure_lines, progress_line, summary

INTERVAL, WINDOW = 0.05, 0.15


class ScriptedSource:
    """Our own MetricsSource protocol, answering from a script: tick number -> (requests, errors, latency ms)."""

    name = "scripted"

    def __init__(self, script, *, unreadable=lambda n: False, cpu=lambda n: (), embedding=lambda n: (0, 0)):
        self.script, self.reads = script, 0
        self.unreadable, self.cpu, self.embedding = unreadable, cpu, embedding

    def read(self, start, end):
        self.reads += 1
        if self.unreadable(self.reads):
            raise MetricsError("scripted: /metrics returned 503")
        requests, errors, latency = self.script(self.reads)
        if requests is None:
            raise NoDataError("scripted: nothing in this interval")
        buckets = {latency: requests}
        endpoint = EndpointReading(requests, errors, buckets)
        jobs, failures = self.embedding(self.reads)
        return Reading(start, end, "scripted", requests=requests, status_4xx=errors, status_5xx=errors,
                       latency_buckets=buckets, endpoints={"GET /api/shards/{id}": endpoint},
                       gauges={"cpu": self.cpu(self.reads)} if self.cpu(self.reads) else {},
                       embedding_jobs=jobs, embedding_failures=failures)

    def close(self):
        pass


def plan(duration=1.0, **options):
    return WatchPlan.for_runbook(runbook.threshold, duration_s=duration, interval_s=INTERVAL, min_requests=10,
                                 window_s=WINDOW, **options)


def tracker(result, label):
    return next(t for t in result.trackers if t.label == label)


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
    assert "| 6 of 6 intervals read |" in lines[-1]


# --- unreadable intervals (issue 9, item 2) -------------------------------------------------

def test_a_source_that_stops_answering_mid_watch_makes_it_inconclusive_not_a_pass():
    """20 ticks, the source answers 503 from tick 7 on: 6 read, 14 unreadable (it used to end in a pass)."""
    source = ScriptedSource(lambda n: (100, 0, 50.0), unreadable=lambda n: n >= 7)
    result = Watch(plan(), source).run()
    assert result.status == "inconclusive"
    assert source.reads == 20  # retried every tick, never given up on
    assert result.coverage.describe() == "6 of 20 intervals read, 14 unreadable"
    message = verdict_message(result, allow_inconclusive=False)
    assert message.startswith("watch inconclusive after 1 s: no data is not a pass (use --allow-inconclusive to "
                              "accept it); 6 of 20 intervals read, 14 unreadable\n")
    assert "unreadable for 0.7 s in a row, longer than the 0.15 s window" in message
    assert "14 of 20 intervals unreadable (70 %, more than the 20 % allowed" in message
    assert "source said: scripted: /metrics returned 503" in message
    assert verdict_message(result, allow_inconclusive=True) is None


def test_a_short_blip_is_counted_and_shown_but_the_watch_passes():
    source = ScriptedSource(lambda n: (100, 0, 50.0), unreadable=lambda n: n == 10)
    lines = []
    result = Watch(plan(), source, on_progress=lambda e, r: lines.append(progress_line(e, r))).run()
    assert result.status == "pass"
    assert "| 9 of 10 intervals read, 1 unreadable | last interval unreadable" in lines[9]
    assert "coverage  19 of 20 intervals read, 1 unreadable" in summary(result)
    assert watch_record(result)["coverage"]["unreadable"] == 1


def test_a_gap_longer_than_a_window_is_inconclusive_even_with_a_small_share():
    source = ScriptedSource(lambda n: (100, 0, 50.0), unreadable=lambda n: 5 <= n <= 8)  # 4 ticks: 0.2 s > 0.15 s
    result = Watch(plan(2.0), source).run()
    assert result.coverage.share == 0.1
    assert result.status == "inconclusive"
    assert result.coverage_problems == [
        "the source was unreadable for 0.2 s in a row, longer than the 0.15 s window of api_error_rate, "
        "so a breach in that time could not be seen"]


@pytest.mark.parametrize(("allowed", "status"), [(0.2, "inconclusive"), (0.3, "pass")])
def test_scattered_unreadable_ticks_above_the_allowed_share_are_inconclusive(allowed, status):
    source = ScriptedSource(lambda n: (100, 0, 50.0), unreadable=lambda n: n % 4 == 0)  # 25 %, one tick at a time
    result = Watch(plan(max_unreadable_share=allowed), source).run()
    assert result.coverage.longest_gap_s == pytest.approx(INTERVAL)
    assert result.status == status


def test_a_breach_is_still_a_fail_when_intervals_were_lost():
    source = ScriptedSource(lambda n: (100, 20, 50.0), unreadable=lambda n: n <= 2)
    assert Watch(plan(), source).run().status == "fail"


# --- gauges need most of their points (item 3) -----------------------------------------------

def test_a_gauge_window_with_one_point_in_three_is_no_data():
    source = ScriptedSource(lambda n: (100, 0, 50.0), cpu=lambda n: (35.0,) if n % 3 == 0 else ())
    cpu = tracker(Watch(plan(0.5), source).run(), "cpu")
    assert cpu.evaluator.rule.min_points == 3  # 80 % of the 3 points a 0.15 s window holds at 0.05 s
    assert cpu.verdict.status == "inconclusive"
    assert "had ≥ 3 points" in cpu.verdict.describe()


def test_a_gauge_window_with_most_of_its_points_is_judged():
    source = ScriptedSource(lambda n: (100, 0, 50.0), cpu=lambda n: (95.0,))
    result = Watch(plan(0.5, min_points_share=0.5), source).run()
    assert tracker(result, "cpu").evaluator.rule.min_points == 2
    assert [t.label for t in result.failed] == ["cpu"]


def test_min_points_is_a_share_of_the_points_a_window_should_hold():
    cpu = runbook.threshold("cpu")
    assert cpu.to_rule(point_every_s=60).min_points == 4  # 5-minute window, one point a minute
    assert cpu.to_rule(point_every_s=60, min_points_share=0.5).min_points == 3
    assert cpu.to_rule().min_points == 1  # no expectation given: any point counts, as before


# --- the embedding failure alert and the key metrics (item 5) ---------------------------------

def test_embedding_failures_above_ten_percent_fail_the_watch():
    source = ScriptedSource(lambda n: (100, 0, 50.0), embedding=lambda n: (20, 3))  # 15 %
    result = Watch(plan(), source).run()
    assert [t.label for t in result.failed] == ["embedding_failures"]
    assert "runbook §Embedding failures" in failure_lines(result)[0]
    assert "embedding_failures 15 % > 10 % over 0.15 s window" in failure_lines(result)[0]


def test_a_source_without_embedding_calls_leaves_the_rule_unjudged_and_says_so():
    result = Watch(plan(0.3), ScriptedSource(lambda n: (100, 0, 50.0))).run()
    assert result.status == "pass"
    assert "not judged  cpu, memory, embedding_failures, cosmos_ru, redis_memory, servicebus_queue" in summary(result)


def test_key_metrics_are_in_the_progress_summary_and_record():
    """p50 and p99 interpolate inside the one 0-50 ms bucket; 2 of 100 requests a 0.05 s interval are 4xx and 5xx."""
    lines = []
    result = Watch(plan(0.3), ScriptedSource(lambda n: (100, 2, 50.0)),
                   on_progress=lambda e, r: lines.append(progress_line(e, r))).run()
    figures = "p50 25 ms, p99 49.5 ms, 4xx 2400/min, 5xx 2400/min, 2000 rps"
    assert lines[-1].endswith(f"| 6 of 6 intervals read | {figures}")
    assert f"traffic  {figures} (whole watch)" in summary(result)
    record = watch_record(result)["key_metrics"]
    assert record["whole_watch"]["requests"] == 600 and record["whole_watch"]["p99_ms"] == 49.5
    assert len(record["intervals"]) == 6 and record["intervals"][0]["status_5xx_per_min"] == pytest.approx(2400)
