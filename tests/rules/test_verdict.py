"""A verdict's one-line description: measured value, limit, window, time and how much data."""

from datetime import datetime, timezone

import pytest

from drillbook.rules import Evaluator, Rule, Sample, evaluate

ERROR_RATE = Rule("api_error_rate", "rate", ">", 5, window_s=300, min_count=20, unit="%")


def epoch(iso: str) -> float:
    """Unix seconds of an ISO UTC time."""
    return datetime.fromisoformat(iso).replace(tzinfo=timezone.utc).timestamp()


def test_a_fail_names_value_limit_window_end_and_first_breach():
    start = epoch("2026-11-26T14:58:48")
    minute = [epoch(f"2026-11-26T{hm}:00") for hm in ("14:59", "15:00", "15:01", "15:02", "15:03", "15:04", "15:05")]
    hits = [0, 0, 0, 0, 0, 36, 50]
    verdict = evaluate(ERROR_RATE, [Sample(at, count=100, hits=h) for at, h in zip(minute, hits)], run_start=start)
    assert verdict.describe() == (
        "api_error_rate 7.2 % > 5 % over 300 s window ending 2026-11-26T15:04:00Z "
        "(first breach after 312 s, worst 17.2 %; 2 of 7 evaluations judged, 5 warming up)"
    )


def test_a_fail_on_a_relative_clock_shows_plus_seconds():
    p95 = Rule("api_p95", "percentile", ">", 1000, window_s=600, quantile=0.95, unit="ms")
    verdict = evaluate(p95, [Sample(600, durations=(1240.0,) * 20)], run_start=0)
    assert verdict.describe() == (
        "api_p95 1240 ms > 1000 ms over 600 s window ending +600 s (first breach after 600 s; 1 of 1 evaluations judged)"
    )


def test_a_pass_reports_its_worst_window_and_no_data():
    series = [Sample(60 * k, count=100, hits=3 if k == 6 else 0) for k in range(1, 8)]
    series += [Sample(60 * k, count=1) for k in range(13, 16)]
    assert evaluate(ERROR_RATE, series, run_start=0).describe() == (
        "api_error_rate pass: worst 0.6 % (breach > 5 %) over 300 s window ending +360 s "
        "(3 of 10 evaluations judged, 3 no data, 4 warming up)"
    )


def test_inconclusive_when_every_complete_window_is_too_quiet():
    series = [Sample(60 * k, count=1) for k in range(1, 15)]
    assert evaluate(ERROR_RATE, series, run_start=-1000).describe() == (
        "api_error_rate inconclusive: no complete 300 s window had ≥ 20 requests (14 evaluations, all no data)"
    )
    assert evaluate(ERROR_RATE, series, run_start=0).describe().endswith("(14 evaluations: 10 no data, 4 warming up)")


def test_inconclusive_when_the_run_is_shorter_than_the_window():
    series = [Sample(60 * k, count=100) for k in range(1, 5)]
    assert evaluate(ERROR_RATE, series, run_start=0).describe() == (
        "api_error_rate inconclusive: no complete 300 s window yet, the run covered 240 s "
        "(4 evaluations, all warming up)"
    )


def test_inconclusive_without_samples():
    assert evaluate(ERROR_RATE, []).describe() == "api_error_rate inconclusive: no samples"


def test_a_gauge_asks_for_points():
    memory = Rule("redis_memory", "gauge", ">", 90, window_s=300, min_points=3, unit="%")
    verdict = evaluate(memory, [Sample(600, points=(95.0,))], run_start=0)
    assert verdict.describe() == (
        "redis_memory inconclusive: no complete 300 s window had ≥ 3 points (1 evaluation, all no data)"
    )


def test_a_mid_watch_verdict_says_so_far():
    watch = Evaluator(ERROR_RATE, run_start=0)
    watch.add(Sample(60, count=100))
    assert watch.verdict().describe().startswith("api_error_rate inconclusive so far: no complete 300 s window yet")
    for k in range(2, 6):
        watch.add(Sample(60 * k, count=100))
    assert watch.verdict().describe().startswith("api_error_rate pass so far: worst 0 %")
    assert watch.verdict(final=True).describe().startswith("api_error_rate pass: worst 0 %")


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.0123, "0.0123"), (7.25, "7.25"), (99.96, "100"), (1240.4, "1240"), (123456.0, "123456"), (5.0, "5")],
)
def test_values_show_three_significant_digits_without_exponent(value, shown):
    depth = Rule("queue_depth", "gauge", ">", 1e9, window_s=60, unit="messages")
    verdict = evaluate(depth, [Sample(60, points=(value,))], run_start=0)
    assert verdict.describe().startswith(f"queue_depth pass: worst {shown} messages (breach > 1000000000 messages)")


def test_the_description_carries_no_remedy():
    verdict = evaluate(ERROR_RATE, [Sample(300, count=100, hits=100)], run_start=0)
    assert "->" not in verdict.describe()
    assert "runbook" not in verdict.describe()


P95 = Rule("api_p95", "percentile", ">", 1000, window_s=600, quantile=0.95, unit="ms")
PROMETHEUS_DEFAULT_MS = (5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000, float("inf"))


def histogram(bounds, **counts) -> dict[float, int]:
    """Every bound of the layout, zeros included, with ``ms_<bound>=n`` counts (``ms_inf`` for +Inf)."""
    layout = dict.fromkeys(map(float, bounds), 0)
    layout.update({float(key.removeprefix("ms_")): n for key, n in counts.items()})
    return layout


def test_six_percent_at_1200_ms_on_prometheus_default_buckets_fails_on_p95():
    window = histogram(PROMETHEUS_DEFAULT_MS, ms_25=94, ms_2500=6)
    assert evaluate(P95, [Sample(600, buckets=window)], run_start=0).describe() == (
        "api_p95 1250 ms > 1000 ms over 600 s window ending +600 s "
        "(rank in the 1000-2500 ms bucket; first breach after 600 s; 1 of 1 evaluations judged)"
    )


def test_a_rank_in_inf_above_a_bound_at_the_limit_is_a_breach_not_1000_equals_1000():
    fastapi = histogram((100, 500, 1000, float("inf")), ms_100=90, ms_inf=10)  # p95 really 1.5 s
    verdict = evaluate(P95, [Sample(600, buckets=fastapi)], run_start=0)
    assert (verdict.status, verdict.first_breach.value) == ("fail", 1000.0)  # histogram_quantile's answer
    assert verdict.describe() == (
        "api_p95 > 1000 ms (rank in +Inf bucket above 1000 ms), breach > 1000 ms, over 600 s window ending +600 s "
        "(first breach after 600 s; 1 of 1 evaluations judged)"
    )


def test_a_limit_inside_the_bucket_is_judged_on_the_interpolation_and_says_so():
    coarse = histogram((100, 2500, float("inf")), ms_100=90, ms_2500=10)
    assert evaluate(P95, [Sample(600, buckets=coarse)], run_start=0).describe() == (
        "api_p95 1300 ms > 1000 ms over 600 s window ending +600 s (rank in the 100-2500 ms bucket, which holds the "
        "limit: interpolated; first breach after 600 s; 1 of 1 evaluations judged)"
    )


def test_a_rank_in_inf_above_a_bound_short_of_the_limit_is_no_data_never_a_pass():
    short = histogram((100, 500, float("inf")), ms_100=90, ms_inf=10)
    verdict = evaluate(P95, [Sample(600, buckets=short)], run_start=0)
    assert verdict.status == "inconclusive"
    assert verdict.describe() == (
        "api_p95 inconclusive: rank in +Inf bucket above 500 ms, which cannot tell the p95 from the 1000 ms limit "
        "-> expose bucket bounds at and above the limit (1 evaluation, all no data)"
    )


def test_a_pass_on_buckets_says_how_coarse_they_were():
    window = histogram(PROMETHEUS_DEFAULT_MS, ms_100=94, ms_750=6)
    assert evaluate(P95, [Sample(600, buckets=window)], run_start=0).describe() == (
        "api_p95 pass: worst 542 ms (breach > 1000 ms) over 600 s window ending +600 s "
        "(rank in the 500-750 ms bucket; 1 of 1 evaluations judged)"
    )
