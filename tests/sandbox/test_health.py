"""/health and /health/live answer fast and say who they are."""

import time


def test_health_reports_status_version_and_uptime(api):
    body = api.get("/health").json()
    assert body["status"] == "healthy" and body["version"] == "1.4.2" and body["uptime_s"] > 0


def test_live_answers_alive(api):
    assert api.get("/health/live").json() == {"status": "alive"}


def test_keep_alive_requests_are_not_delayed_by_nagle(api):
    api.get("/health/live")
    started = time.perf_counter()
    for _ in range(20):
        api.get("/health/live")
    assert (time.perf_counter() - started) / 20 < 0.02  # 40 ms each when TCP_NODELAY is missing
