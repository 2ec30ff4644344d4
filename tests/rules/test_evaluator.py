"""Sliding-window evaluation: warming up, no data, early fail, and a watch that may stop early."""

import pytest

from drillbook.rules import Evaluator, Rule, Sample, evaluate, infer_run_start

ERROR_RATE = Rule("api_error_rate", "rate", ">", 5, window_s=300, min_count=20, unit="%")


def minutes(*hits: int, count: int = 100, start: float = 0.0) -> list[Sample]:
    """One sample a minute after ``start``, with ``hits`` errors out of ``count`` requests."""
    return [Sample(start + 60 * (k + 1), count=count, hits=h) for k, h in enumerate(hits)]


def test_incomplete_windows_are_warming_up_and_never_judged():
    verdict = evaluate(ERROR_RATE, minutes(100, 100, 100, 100), run_start=0)
    assert [e.state for e in verdict.evaluations] == ["warming"] * 4
    assert verdict.evaluations[0].value == 100.0  # shown while warming, not judged
    assert verdict.status == "inconclusive"


def test_the_first_complete_window_is_judged():
    verdict = evaluate(ERROR_RATE, minutes(100, 100, 100, 100, 100), run_start=0)
    assert [e.state for e in verdict.evaluations] == ["warming"] * 4 + ["breach"]
    assert verdict.first_breach.at == 300.0


def test_a_window_covers_the_samples_after_its_start_up_to_its_end():
    series = minutes(*[0] * 10, 50, start=-60)  # at 0, 60, ... 600
    evaluation = evaluate(ERROR_RATE, series, run_start=-1000).evaluations[-1]
    assert (evaluation.window_start, evaluation.window_end) == (300.0, 600.0)
    assert (evaluation.samples, evaluation.count, evaluation.hits) == (5, 500, 50)  # 360 .. 600; 300 is out


@pytest.mark.parametrize(("op", "state"), [(">", "ok"), (">=", "breach"), ("<", "ok"), ("<=", "breach")])
def test_a_value_exactly_at_the_limit_breaches_only_an_inclusive_op(op, state):
    rule = Rule("api_error_rate", "rate", op, 5, window_s=60)
    verdict = evaluate(rule, [Sample(60, count=100, hits=5)], run_start=0)
    assert [(e.value, e.state) for e in verdict.evaluations] == [(5.0, state)]


def test_a_quiet_window_is_no_data_not_a_pass():
    series = minutes(*[0] * 10, count=3)  # 15 requests per 5 min, below min_count=20
    verdict = evaluate(ERROR_RATE, series, run_start=0)
    assert {e.state for e in verdict.evaluations} == {"warming", "no_data"}
    assert (verdict.status, verdict.judged, verdict.no_data) == ("inconclusive", 0, 6)


def test_a_pass_counts_its_no_data_evaluations():
    series = minutes(0, 0, 0, 0, 0, 0, 0) + [Sample(60 * k, count=1) for k in range(13, 16)]
    verdict = evaluate(ERROR_RATE, series, run_start=0)
    assert (verdict.status, verdict.judged, verdict.no_data) == ("pass", 3, 3)


def test_the_watch_fails_at_the_first_breaching_evaluation():
    watch = Evaluator(ERROR_RATE, run_start=0)
    for sample in minutes(0, 0, 0, 30, 0):  # 7.5 % at 240 s is still warming up
        watch.add(sample)
        assert watch.failed == (sample.at == 300)
    verdict = watch.verdict()
    assert (verdict.status, verdict.first_breach.at, verdict.first_breach.value) == ("fail", 300.0, 6.0)
    assert not watch.can_still_fail(until=900)


def test_a_failed_watch_stays_failed_and_tracks_the_worst_window():
    watch = Evaluator(ERROR_RATE, run_start=0)
    for sample in minutes(0, 0, 0, 0, 30, 60, 0, 0, 0, 0, 0, 0):
        watch.add(sample)
    verdict = watch.verdict(final=True)
    assert (verdict.status, verdict.first_breach.at, verdict.first_breach.value) == ("fail", 300.0, 6.0)
    assert (verdict.worst.at, verdict.worst.value) == (360.0, 18.0)
    assert verdict.evaluations[-1].state == "ok"


def test_the_worst_of_a_below_rule_is_its_minimum():
    hit_rate = Rule("cache_hit_rate", "gauge", "<", 80, window_s=60, unit="%")
    series = [Sample(60 * k, points=(p,)) for k, p in enumerate([95, 85, 90], start=1)]
    verdict = evaluate(hit_rate, series, run_start=0)
    assert (verdict.status, verdict.worst.value) == ("pass", 85.0)


def test_samples_with_the_same_time_form_one_evaluation():
    watch = Evaluator(ERROR_RATE, run_start=0)
    for sample in minutes(0, 0, 0, 0):
        watch.add(sample)
    assert watch.add(Sample(300, count=100, hits=100)).state == "breach"  # one instance of two so far
    assert watch.add(Sample(300, count=9500, hits=0)).state == "ok"
    assert [e.at for e in watch.evaluations] == [60.0, 120.0, 180.0, 240.0, 300.0]
    assert watch.verdict().status == "pass"


def test_a_sample_older_than_the_last_evaluation_is_refused():
    watch = Evaluator(ERROR_RATE, run_start=0)
    watch.add(Sample(120, count=100))
    with pytest.raises(ValueError, match="arrived after one at 120.0; add samples in time order"):
        watch.add(Sample(60, count=100))


def test_evaluate_sorts_the_series():
    series = minutes(0, 0, 0, 0, 0, 50)
    assert evaluate(ERROR_RATE, reversed(series)) == evaluate(ERROR_RATE, series)


def test_samples_before_the_run_start_are_not_part_of_the_run():
    verdict = evaluate(ERROR_RATE, [Sample(-60, count=100, hits=100), *minutes(0, 0, 0, 0, 0)], run_start=0)
    assert verdict.status == "pass"
    assert verdict.evaluations[0].value is None


def test_run_start_defaults_to_one_interval_before_the_first_sample():
    assert infer_run_start(minutes(0, 0, start=1000)) == 1000.0
    assert infer_run_start([Sample(300), Sample(360)], every_s=30) == 270.0
    assert evaluate(ERROR_RATE, minutes(0, 0, 0, 0, 0)).status == "pass"


def test_a_single_sample_cannot_prove_a_complete_window():
    assert infer_run_start([Sample(300, count=100)]) == 300.0
    assert evaluate(ERROR_RATE, [Sample(300, count=100, hits=100)]).status == "inconclusive"
    with pytest.raises(ValueError, match="pass run_start"):
        infer_run_start([])


def test_a_grid_evaluates_jittered_samples_at_the_end_of_their_interval():
    jittered = [Sample(at, count=100) for at in (59.5, 60.0, 61.0, 119.0, 181.0)]
    verdict = evaluate(ERROR_RATE, jittered, run_start=0, every_s=60)
    assert [(e.at, e.count) for e in verdict.evaluations] == [(60.0, 200), (120.0, 400), (240.0, 500)]
    with pytest.raises(ValueError, match="every_s 0 must be > 0"):
        Evaluator(ERROR_RATE, run_start=0, every_s=0)


def test_a_watch_shorter_than_the_window_can_never_fail_or_pass():
    watch = Evaluator(ERROR_RATE, run_start=0)
    assert not watch.can_still_fail(until=240)
    assert watch.can_still_fail(until=300)
    assert watch.can_still_fail()


def test_a_watch_can_stop_when_no_later_window_is_left_before_the_deadline():
    watch = Evaluator(ERROR_RATE, run_start=0)
    for sample in minutes(0, 0, 0, 0, 0):
        watch.add(sample)
    assert watch.can_still_fail(until=900)
    assert not watch.can_still_fail(until=300)
    verdict = watch.verdict(final=True)
    assert (verdict.status, verdict.final) == ("pass", True)
