"""/health and /health/live answer fast and say who they are."""

import time


def test_health_reports_status_version_and_uptime(api):
    body = api.get("/health").json()
    assert body["status"] == "healthy" and body["version"] == "1.4.2" and body["uptime_s"] > 0


def test_live_answers_alive(api):
    assert api.get("/health/live").json() == {"status": "alive"}


def test_keep_alive_requests_are_not_delayed_by_nagle(api):
    api.get("/health/live")
    took = []
    for _ in range(20):
        started = time.perf_counter()
        api.get("/health/live")
        took.append(time.perf_counter() - started)
    # Nagle delays every keep-alive request by 40 ms; the fastest of 20 is quick even on a busy machine.
    assert min(took) < 0.03
