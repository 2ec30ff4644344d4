"""The post-deploy watch against the sandbox: early fail on a sustained breach, pass below it, no data fails."""

import re

WATCH = ("-m", "watch", "--watch-window", "10s", "--watch-interval", "2s", "--watch-min-requests", "10")


def failed_after(result) -> float:
    match = re.search(r"watch failed after (\d+) s of", result.stdout.str())
    assert match, result.stdout.str()
    return float(match.group(1))


def test_ten_percent_errors_on_a_critical_route_fail_within_window_plus_interval(run_drill, faults):
    faults.inject("/api/shards", error_rate=0.10, status=500)
    result = run_drill(*WATCH, "--watch", "60s", "--watch-probe-rps", "30", "-s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*api_error_rate on GET /api/shards * % > 5 % over 10 s window*"
                                 "-> runbook §High error rate*"])
    assert failed_after(result) <= 10 + 2 + 1  # window + interval (+1 s of rounding), not the 60 s watch


def test_three_percent_errors_pass(run_drill, faults):
    faults.inject("/api/shards", error_rate=0.03, status=500)
    result = run_drill(*WATCH, "--watch", "16s", "--watch-probe-rps", "30")
    result.assert_outcomes(passed=1)


def test_p95_pushed_to_1500_ms_fails_on_the_p95_rule(run_drill, faults):
    faults.inject("/api/shards", latency_ms=1500)
    result = run_drill(*WATCH, "--watch", "40s", "--watch-probe-rps", "9")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*api_p95 * ms > 1000 ms over 10 s window*-> runbook §Slow response times*"])


def test_no_traffic_is_inconclusive_and_fails_with_no_data(run_drill, faults):
    result = run_drill("-m", "watch", "--watch", "6s", "--watch-window", "2s", "--watch-interval", "1s",
                       "--watch-probe-rps", "0")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*watch inconclusive after * s: no data is not a pass*",
                                 "*api_error_rate inconclusive*"])


def test_no_traffic_may_be_allowed_explicitly(run_drill, faults):
    result = run_drill("-m", "watch", "--watch", "4s", "--watch-window", "2s", "--watch-interval", "1s",
                       "--watch-probe-rps", "0", "--allow-inconclusive")
    result.assert_outcomes(passed=1)


def test_watch_attaches_a_chart_per_rule(run_drill, faults):
    run_drill("-m", "watch", "--watch", "6s", "--watch-window", "2s", "--watch-interval", "1s",
              "--watch-probe-rps", "10", "--watch-min-requests", "3")
    charts = list(run_drill.results.glob("*-attachment.png"))
    assert len(charts) >= 2
    assert all(c.read_bytes().startswith(b"\x89PNG") for c in charts)


def test_a_target_that_only_exposes_metrics_is_watched_from_its_own_traffic(run_drill, faults, sandbox):
    """No probe: the traffic comes from elsewhere (here a bounded client thread), the verdict from /metrics."""
    import threading

    import httpx

    stop = threading.Event()

    def users():
        with httpx.Client(base_url=sandbox.url, timeout=2) as client:
            for _ in range(2000):  # bounded in count; stopped when the watch ends
                if stop.wait(0.05):
                    return
                client.get("/api/shards", params={"tenantId": "someone"})

    thread = threading.Thread(target=users, daemon=True)
    thread.start()
    try:
        faults.inject("/api/shards", error_rate=0.25, status=500)
        result = run_drill(*WATCH, "--watch", "30s", "--watch-probe-rps", "0")
    finally:
        stop.set()
        thread.join(timeout=5)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*api_error_rate * % > 5 % over 10 s window*(source: scrape http://127.0.0.1:*/metrics)*"])


def test_an_environment_override_is_applied_and_recorded(run_drill, faults, tmp_path):
    local = (run_drill.repo / "environments" / "local.toml").read_text()
    env_file = tmp_path / "strict.toml"
    env_file.write_text(local + "\n[thresholds]\napi_error_rate = 1\n")
    faults.inject("/api/shards", error_rate=0.04, status=500)
    result = run_drill(*WATCH, f"--env-file={env_file}", "--watch", "30s", "--watch-probe-rps", "30")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*api_error_rate on GET /api/shards * % > 1 % over 10 s window*"])
    properties = (run_drill.results / "environment.properties").read_text()
    assert "threshold_overrides=api_error_rate=1 (runbook 5)" in properties
