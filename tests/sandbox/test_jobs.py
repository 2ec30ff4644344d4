"""The embedding worker drains the queue; a stall makes it grow; injected failures are counted."""

import time


def wait_for(check, timeout=3.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


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
    time.sleep(0.2)
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
