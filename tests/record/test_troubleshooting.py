"""When the watch fails, the runbook's troubleshooting for the breached section is run and attached."""

import json

WATCH = ("-m", "watch", "--watch", "40s", "--watch-window", "4s", "--watch-interval", "1s",
         "--watch-probe-rps", "20", "--watch-min-requests", "5")


def troubleshooting_of(run_drill) -> dict:
    found = [json.loads(p.read_text()) for p in run_drill.results.glob("*-attachment.json")]
    return next(f for f in found if "sections" in f)


def test_a_high_error_rate_attaches_the_failing_operations(run_drill, faults):
    faults.inject("/api/shards", error_rate=0.5, status=500)
    run_drill(*WATCH).assert_outcomes(failed=1)
    found = troubleshooting_of(run_drill)
    assert "high-error-rate" in found["sections"]
    assert found["failing operations"][0]["operation"] == "GET /api/shards"
    assert 20 < found["failing operations"][0]["error_rate_pct"] < 80
    assert found["dependency readiness"]["status"] == 200
    assert "App Insights exceptions need [metrics] source = azure-monitor" in found["exceptions by type"]


def test_slow_responses_attach_the_slowest_endpoints_and_the_cache(run_drill, faults):
    faults.inject("/api/shards", latency_ms=1500)
    run_drill(*WATCH, "--watch-probe-rps", "9").assert_outcomes(failed=1)
    found = troubleshooting_of(run_drill)
    assert "slow-response-times" in found["sections"]
    assert found["slowest endpoints (watch)"][0]["endpoint"] == "GET /api/shards"
    assert found["slowest endpoints (watch)"][0]["p99_ms"] >= 1000
    assert found["slow endpoints (target)"]["status"] == 200 and found["cache stats"]["status"] == 200
    assert set(found["cache hit rate (watch)"]) == {"hits", "misses", "hit_rate_pct"}


def test_a_passing_watch_attaches_no_troubleshooting(run_drill, faults):
    run_drill("-m", "watch", "--watch", "4s", "--watch-window", "2s", "--watch-interval", "1s",
              "--watch-probe-rps", "10", "--watch-min-requests", "3").assert_outcomes(passed=1)
    assert not [p for p in run_drill.results.glob("*-attachment.json") if "sections" in json.loads(p.read_text())]
