"""The post-deploy watch against the sandbox: early fail on a sustained breach, pass below it, no data fails."""

import re

import pytest

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
    import json

    records = [json.loads(p.read_text()) for p in run_drill.results.glob("*-attachment.json")]
    record = next(r for r in records if "key_metrics" in r)
    assert record["judged"].endswith("the 6 s after the deploy") and record["coverage"]["intervals"] == 6
    assert set(record["key_metrics"]["whole_watch"]) >= {"p50_ms", "p99_ms", "status_4xx_per_min",
                                                         "status_5xx_per_min", "rps"}


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


# --- the source goes away mid-watch (issue 9, item 2) ----------------------------------------

SHORT = ("-m", "watch", "--watch-window", "10s", "--watch-interval", "2s", "--watch-min-requests", "10",
         "--watch-probe-rps", "10", "-s")


def sandbox_requests(sandbox) -> float:
    """Every request the sandbox has counted (its /metrics is never counted itself)."""
    import httpx

    text = httpx.get(f"{sandbox.url}/metrics", timeout=2).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("http_requests_total{"))


def inject_mid_watch(sandbox, faults, seconds_in: float, route: str, **fault):
    """A thread that injects ``fault`` once the watch's probe traffic has run for about ``seconds_in`` seconds."""
    import threading
    import time

    def later():
        # the probe's steady 10 rps, not the run's start-up requests (a burst, then a pause while pytest collects)
        deadline, counts = time.monotonic() + 60, [sandbox_requests(sandbox)]
        while time.monotonic() < deadline and not (len(counts) > 2 and counts[-1] - counts[-2] >= 3
                                                   and counts[-2] - counts[-3] >= 3):
            time.sleep(0.5)
            counts.append(sandbox_requests(sandbox))
        time.sleep(max(0.0, seconds_in - 1))
        faults.inject(route, **fault)

    thread = threading.Thread(target=later, daemon=True)
    thread.start()
    return thread


def coverage_of(result) -> tuple[int, int, int]:
    match = re.search(r"watch: +coverage +(\d+) of (\d+) intervals read(?:, (\d+) unreadable)?", result.stdout.str())
    assert match, result.stdout.str()
    read, total, unread = match.groups()
    return int(read), int(total), int(unread or 0)


def test_metrics_answering_503_mid_watch_is_inconclusive_not_a_pass(run_drill, faults, sandbox):
    thread = inject_mid_watch(sandbox, faults, 7, "/metrics", status=503)
    result = run_drill(*SHORT, "--watch", "20s")
    thread.join(timeout=5)
    result.assert_outcomes(failed=1)
    read, total, unread = coverage_of(result)
    assert total == 10 and unread >= 6 and read + unread == total
    result.stdout.fnmatch_lines([
        f"*watch inconclusive after 20 s: no data is not a pass*; {read} of 10 intervals read, {unread} unreadable",
        "*the source was unreadable for * s in a row, longer than the 10 s window of api_error_rate*",
        "*source said: scrape: http://127.0.0.1:*/metrics returned 503*"])
    assert re.search(r"watch \d\d:\d\d/00:20 \|.*\| \d+ of \d+ intervals read, \d+ unreadable \| last interval "
                     "unreadable", result.stdout.str())


def test_one_metrics_timeout_does_not_silence_the_rest_of_the_watch(run_drill, faults, sandbox):
    """A 5 s hang outlives the 3 s client timeout once; the next ticks read /metrics again and the watch passes."""
    thread = inject_mid_watch(sandbox, faults, 6, "/metrics", hang=True, ttl_s=5)
    result = run_drill(*SHORT, "--watch", "20s")
    thread.join(timeout=5)
    result.assert_outcomes(passed=1)
    read, total, unread = coverage_of(result)
    assert total == 10 and 1 <= unread <= 2, (read, total, unread)
    assert re.search(r"/metrics: no (complete )?answer within 3 s", result.stdout.str())


# --- every alert is judged, the key metrics are shown (item 5) ---------------------------------

def test_embedding_failures_above_ten_percent_fail_the_watch(run_drill, faults, sandbox):
    import threading

    import httpx

    stop = threading.Event()

    def jobs():
        with httpx.Client(base_url=sandbox.url, timeout=2) as client:
            for index in range(600):  # bounded in count; stopped when the watch ends
                if stop.wait(0.1):
                    return
                client.post("/api/embeddings/jobs", json={"text": f"watch drill {index}"})

    faults.embedding_failure_rate(0.25)
    thread = threading.Thread(target=jobs, daemon=True)
    thread.start()
    try:
        result = run_drill(*SHORT, "--watch", "30s")
    finally:
        stop.set()
        thread.join(timeout=5)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*embedding_failures * % > 10 % over 10 s window*-> runbook §Embedding failures*"])
    result.stdout.fnmatch_lines(["*watch: *traffic  p50 * ms, p99 * ms, 4xx */min, 5xx */min, * rps (whole watch)*"])


# --- fail at configuration time (item 7) -------------------------------------------------------

def test_a_watch_shorter_than_a_rule_window_is_refused_before_it_starts(run_drill, faults):
    result = run_drill("-m", "watch", "--watch", "5m", "--watch-interval", "30s")
    assert result.ret == 4
    assert result.duration < 60  # not the 5 minutes the watch would have run
    result.stderr.fnmatch_lines(["ERROR: --watch 5m is shorter than the window of api_p95 (600 s), so the watch "
                                 "could only end inconclusive -> use --watch 10m or longer, or --watch-window 5m*"])


def test_a_short_watch_value_does_not_refuse_a_run_without_the_watch(run_drill, faults):
    result = run_drill("-m", "smoke", "--watch", "5m", "--collect-only", "-q")
    assert result.ret == 0, result.stderr.str()


# --- impossible combinations are refused, and the fix offered works (issue 18) ------------------

@pytest.mark.parametrize(("args", "message"), [
    (("--watch", "20s", "--watch-interval", "30s", "--watch-window", "10s"),
     "ERROR: --watch-interval 30s is longer than the watch (20s), so it would never evaluate and could only end "
     "inconclusive -> use --watch-interval 20s, or --watch 30s or longer"),
    (("--watch", "20s", "--watch-window", "10s", "--watch-probe-rps=-1"),
     "ERROR: --watch-probe-rps -1: must be 0 (no probe traffic) or more -> e.g. --watch-probe-rps 5"),
    (("--watch", "1s", "--watch-window", "1s"),
     "ERROR: probe traffic of 5 rps brings each window about 5 requests (1s of traffic), fewer than the 20 it "
     "needs (--watch-min-requests), so the watch could only end inconclusive -> use --watch 8s --watch-window 8s, "
     "or --watch-probe-rps 40"),
])
def test_a_watch_that_could_only_end_inconclusive_is_refused_before_it_starts(run_drill, args, message):
    result = run_drill("-m", "watch", *args)
    assert result.ret == 4, result.stdout.str()
    assert result.stderr.lines[:1] == [message]
    assert "watch:" not in result.stdout.str()  # nothing ran


def test_the_short_watch_hint_leads_to_a_watch_that_decides(run_drill, faults):
    refused = run_drill("-m", "watch", "--watch", "1s")
    assert refused.ret == 4
    hint = refused.stderr.lines[0].rsplit(", or ", 1)[1]
    assert hint == "--watch 8s --watch-window 8s"
    result = run_drill("-m", "watch", *hint.split())
    result.assert_outcomes(passed=1)  # decided: not inconclusive, which fails
