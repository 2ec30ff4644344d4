"""The watch's p95 through a real /metrics shaped like common exporters: a slow tail fails, whatever the buckets.

A histogram only places the p95 in a bucket. These drills expose Prometheus-default
buckets, a stock FastAPI instrumentation's coarse ones (0.1, 0.5, 1 s), histograms
split by status class, and drillbook's own scrapes counted as traffic, and check
the watch fails on p95 with the bucket that held it.
"""

WATCH = ("-m", "watch", "--watch-window", "10s", "--watch-interval", "2s", "--watch-min-requests", "10",
         "--watch", "24s", "--watch-probe-rps", "30")
P95_REMEDY = "-> runbook §Slow response times*"


def test_six_percent_at_1200_ms_on_prometheus_default_buckets_fails_p95(run_drill, faults):
    faults.metrics_shape(buckets="prometheus")  # ... 0.75, 1, 2.5 s: the 1.2 s requests land in (1, 2.5]
    faults.inject("*", latency_ms=1200, latency_rate=0.06)
    result = run_drill(*WATCH)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*api_p95 1* ms > 1000 ms over 10 s window*(rank in the 1000-2500 ms bucket;*"
                                 f"{P95_REMEDY}"])


def test_ten_percent_beyond_the_top_bucket_fails_p95_as_above_it(run_drill, faults):
    faults.metrics_shape(buckets="fastapi")  # 0.1, 0.5, 1 s: a 1.5 s p95 is only "in +Inf"
    faults.inject("*", latency_ms=1500, latency_rate=0.10)
    result = run_drill(*WATCH)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*api_p95 > 1000 ms (rank in +Inf bucket above 1000 ms), breach > 1000 ms, "
                                 f"over 10 s window*{P95_REMEDY}"])


def test_a_stock_instrumentation_split_by_status_class_and_counting_scrapes_still_fails_p95(run_drill, faults):
    faults.metrics_shape(buckets="fastapi", split_by_status=True, status_classes=True, count_scrapes=True)
    faults.inject("*", latency_ms=1500, latency_rate=0.10)
    faults.inject("/api/shards", error_rate=0.10, status=503)  # a fast 5xx series beside the slow 2xx one
    result = run_drill(*WATCH)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*api_p95 > 1000 ms (rank in +Inf bucket above 1000 ms)*{P95_REMEDY}",
                                 "*api_error_rate on GET /api/shards * % > 5 % over 10 s window*"])
    assert "GET /metrics" not in result.stdout.str()  # drillbook's own scrapes are never judged as an endpoint
