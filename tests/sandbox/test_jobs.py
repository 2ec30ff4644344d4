"""The embedding worker drains the queue; a stall makes it grow; injected failures are counted."""

import time

import waiting


def wait_for(check, timeout: float = 30.0) -> bool:
    return waiting.wait_for(check, timeout)


def stats(api) -> dict:
    return api.get("/api/embeddings/stats").json()


def test_worker_drains_the_queue(api):
    before = stats(api)["processed"]
    for i in range(5):
        assert api.post("/api/embeddings/jobs", json={"text": f"doc {i}"}).status_code == 202
    assert wait_for(lambda: stats(api)["processed"] >= before + 5)
    assert stats(api)["queue_depth"] == 0


def test_stalled_worker_lets_the_queue_grow_until_resumed(api, faults):
    faults.stall_worker()
    for i in range(4):
        api.post("/api/embeddings/jobs", json={"text": f"held {i}"})
    time.sleep(0.2)  # nothing to wait on: the time a worker that ignored the stall would need to take a job
    assert stats(api)["queue_depth"] == 4
    assert api.get("/health/ready").json()["dependencies"]["embedding_queue"]["worker"] == "stalled"
    faults.resume_worker()
    assert wait_for(lambda: stats(api)["queue_depth"] == 0)


def test_failure_rate_fails_that_share_of_jobs(api, faults):
    before = stats(api)
    faults.embedding_failure_rate(0.5)
    for i in range(4):
        api.post("/api/embeddings/jobs", json={"text": f"flaky {i}"})
    assert wait_for(lambda: stats(api)["processed"] >= before["processed"] + 4)
    assert stats(api)["failed"] - before["failed"] == 2


def test_empty_text_is_refused(api):
    assert api.post("/api/embeddings/jobs", json={"text": ""}).status_code == 422


def test_a_crashed_worker_is_logged_reported_and_restarted(api, faults, sandbox):
    """Poison jobs crash the worker three times (backoff 0.5 + 1 + 2 s): readiness says so, then it recovers."""
    crashes = api.get("/health/ready").json()["dependencies"]["embedding_queue"]["crashes"] + 3
    faults.poison_worker(jobs=3)
    seen_down = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        queue = api.get("/health/ready").json()["dependencies"]["embedding_queue"]
        if queue["status"] == "down":
            seen_down = seen_down or queue["error"]
        elif queue.get("crashes") == crashes:
            break
        time.sleep(0.05)
    assert seen_down and "embedding-worker thread crashed (PoisonJobError: poison job" in seen_down
    assert queue["status"] == "up" and queue["last_crash"].startswith("PoisonJobError")
    before = stats(api)["processed"]
    assert api.post("/api/embeddings/jobs", json={"text": "after the crash"}).status_code == 202
    assert wait_for(lambda: stats(api)["processed"] > before, timeout=30)
    log = sandbox.log_path.read_text()
    assert f"embedding-worker thread crashed (crash {crashes}), restarting in 2.0 s" in log
    assert "Traceback" in log and "PoisonJobError" in log


def test_reset_removes_poison_a_stalled_worker_has_not_popped(api, faults):
    faults.stall_worker()
    faults.poison_worker(jobs=2)
    assert faults.reset()["cleared_poison"] == 2
    assert api.get("/health/ready").json()["dependencies"]["embedding_queue"]["status"] == "up"
