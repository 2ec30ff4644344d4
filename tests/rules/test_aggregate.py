"""Window aggregates: rates are ratios of sums, percentiles pool requests, gauges average points."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drillbook.rules import Rule, Sample, aggregate, exact_quantile, histogram_quantile, merge_buckets

ERROR_RATE = Rule("api_error_rate", "rate", ">", 5, window_s=300, unit="%")
P95 = Rule("api_p95", "percentile", ">", 1000, window_s=600, quantile=0.95, unit="ms")
CPU = Rule("cpu", "gauge", ">", 70, window_s=300, unit="%")
BOUNDS = (5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0)


def test_bursty_errors_breach_on_the_ratio_of_sums():
    burst = Sample(60, count=1000, hits=700)  # 70 % of a busy minute
    quiet = [Sample(60 + 60 * k, count=500) for k in range(1, 19)]  # 0 % each
    mean_of_rates = (70 + 0 * len(quiet)) / (1 + len(quiet))
    assert mean_of_rates < 5
    assert aggregate(ERROR_RATE, [burst, *quiet]) == 7.0
    assert ERROR_RATE.breaches(7.0)


def test_a_lone_failed_request_does_not_dominate_a_busy_window():
    samples = [Sample(60, count=1, hits=1), *(Sample(60 * k, count=1000) for k in range(2, 11))]
    assert aggregate(ERROR_RATE, samples) == pytest.approx(100 / 9001)


def test_rate_below_min_count_is_no_data():
    rule = Rule("api_error_rate", "rate", ">", 5, window_s=300, min_count=20)
    assert aggregate(rule, [Sample(60, count=19, hits=19)]) is None
    assert aggregate(rule, [Sample(60, count=20, hits=1)]) == 5.0


def test_rate_without_requests_is_no_data_even_with_min_count_zero():
    rule = Rule("api_error_rate", "rate", ">", 5, window_s=300, min_count=0)
    assert aggregate(rule, [Sample(60)]) is None


def test_gauge_is_the_mean_of_all_points_not_of_sample_means():
    assert aggregate(CPU, [Sample(60, points=(10,)), Sample(120, points=(50, 50, 50))]) == 40.0


def test_gauge_skips_nan_points_as_missing_not_zero():
    assert aggregate(CPU, [Sample(60, points=(math.nan, 80))]) == 80.0
    assert aggregate(CPU, [Sample(60, points=(math.nan,))]) is None


def test_gauge_below_min_points_is_no_data():
    rule = Rule("cpu", "gauge", ">", 70, window_s=300, min_points=3)
    assert aggregate(rule, [Sample(60, points=(90, 95))]) is None
    assert aggregate(rule, [Sample(60, points=(90, 95)), Sample(120, points=(100,))]) == 95.0


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0.25, 50.0), (0.5, 100.0), (0.75, 150.0), (0.9, 180.0), (1.0, 200.0)],
)
def test_histogram_quantile_interpolates_linearly_inside_the_bucket(q, expected):
    assert histogram_quantile(q, {100: 10, 200: 10}) == expected


def test_histogram_quantile_skips_empty_buckets_like_prometheus():
    assert histogram_quantile(0.5, {100: 10, 200: 0, 400: 10}) == 100.0
    assert histogram_quantile(0.75, {100: 10, 200: 0, 400: 10}) == 300.0


def test_histogram_quantile_in_the_inf_bucket_returns_the_highest_finite_bound():
    assert histogram_quantile(0.95, {100: 5, 1000: 4, math.inf: 91}) == 1000.0


def test_histogram_quantile_without_a_finite_bound_is_inf():
    assert histogram_quantile(0.5, {math.inf: 3}) == math.inf


def test_histogram_quantile_of_an_empty_histogram_is_none():
    assert histogram_quantile(0.5, {100: 0, math.inf: 0}) is None


def test_exact_quantile_is_nearest_rank_without_float_noise():
    values = range(1, 101)
    assert exact_quantile(0.07, values) == 7.0  # 0.07 * 100 is 7.000000000000001 in floats
    assert exact_quantile(0.95, values) == 95.0
    assert exact_quantile(1.0, values) == 100.0
    assert exact_quantile(0.001, values) == 1.0
    assert exact_quantile(0.5, []) is None


def test_percentile_merges_histograms_across_samples():
    whole = Sample(60, buckets={500: 90, 1000: 5, 2500: 5})
    halves = [Sample(60, buckets={500: 40, 1000: 5, 2500: 0}), Sample(120, buckets={500: 50, 2500: 5})]
    assert aggregate(P95, halves) == aggregate(P95, [whole]) == 1000.0
    assert merge_buckets(s.buckets for s in halves) == dict(whole.buckets)


def test_percentile_pools_raw_durations_exactly():
    samples = [Sample(60, durations=tuple(range(1, 51))), Sample(120, durations=tuple(range(51, 101)))]
    assert aggregate(P95, samples) == 95.0


def test_percentile_bins_raw_durations_into_the_window_bounds_when_histograms_are_present():
    mixed = [Sample(60, buckets={100: 10, 200: 0}), Sample(120, durations=(150.0,) * 10)]
    assert aggregate(P95, mixed) == histogram_quantile(0.95, {100: 10, 200: 10}) == 190.0


def test_percentile_counts_observations_against_min_count():
    rule = Rule("api_p95", "percentile", ">", 1000, window_s=600, quantile=0.95, min_count=20)
    assert aggregate(rule, [Sample(60, count=500, buckets={100: 19})]) is None
    assert aggregate(rule, [Sample(60, buckets={100: 10}), Sample(120, durations=(50.0,) * 10)]) == 95.0


def _nearest_rank(q: float, values: list[float]) -> float:
    """Brute force: the smallest value with at least q of all values at or below it."""
    return min(v for v in values if sum(w <= v for w in values) >= q * len(values) - 1e-9)


@settings(max_examples=200, deadline=None)
@given(
    durations=st.lists(st.integers(0, 3000).map(float), min_size=1, max_size=60),
    q=st.sampled_from([0.5, 0.9, 0.95, 0.99, 1.0]) | st.floats(0.01, 1.0),
)
def test_percentile_from_histogram_matches_raw_durations_within_bucket_resolution(durations, q):
    histogram = dict.fromkeys((*BOUNDS, math.inf), 0)
    for d in durations:
        histogram[min(b for b in (*BOUNDS, math.inf) if d <= b)] += 1
    exact = _nearest_rank(q, durations)
    estimate = histogram_quantile(q, histogram)
    assert exact_quantile(q, durations) == exact
    if exact > BOUNDS[-1]:
        assert estimate == BOUNDS[-1]  # Prometheus' answer for a rank in the +Inf bucket
        return
    upper = min(b for b in BOUNDS if exact <= b)
    lower = max((b for b in BOUNDS if b < upper), default=0.0)
    assert lower <= estimate <= upper
