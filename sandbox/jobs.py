"""The embedding job queue: a Redis list, a worker thread, and its HTTP routes.

Jobs are LPUSHed onto `queue:embedding_jobs` and BRPOPed by one worker. The
worker can be stalled (the queue then grows) and can be told to fail a share
of jobs, which is what the queue-backlog and embedding-failure drills need.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
import uuid

import anyio
import redis
from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.faults import RateGate
from sandbox.http import ApiError, read_json, route
from sandbox.schemas import EMBEDDING_JOB_INPUT
from sandbox.stores import QUEUE_POLL_S, Stores

QUEUE_KEY = "queue:embedding_jobs"
WAKE_KEY = "queue:embedding_jobs:wake"  # stop() pushes here to end a blocking BRPOP at once
log = logging.getLogger("sandbox.jobs")


def embed(text: str) -> list[float]:
    """A stand-in embedding: eight stable floats derived from the text's hash."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [round(byte / 255, 4) for byte in digest[:8]]


class EmbeddingJobs:
    """Queue and worker.

    >>> jobs = EmbeddingJobs(stores, counter); jobs.start()
    >>> jobs.enqueue("hello")["status"]
    'queued'
    """

    def __init__(self, stores: Stores, outcomes):
        self.stores = stores
        self.outcomes = outcomes  # prometheus Counter labelled by outcome
        self.failures = RateGate(0.0)
        self.processed = 0
        self.failed = 0
        self._stalled = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def enqueue(self, text: str) -> dict:
        job = {"id": uuid.uuid4().hex, "text": text, "enqueuedAt": time.time()}
        self.stores.cache.lpush(QUEUE_KEY, json.dumps(job))
        return {"id": job["id"], "status": "queued"}

    def depth(self) -> int:
        return int(self.stores.probe_cache.llen(QUEUE_KEY))

    def depth_or_nan(self) -> float:
        """For the scrape: NaN says 'unknown' instead of a misleading zero."""
        try:
            return float(self.depth())
        except redis.RedisError:
            return math.nan

    def stats(self) -> dict:
        return {"queue_depth": self.depth(), "processed": self.processed, "failed": self.failed,
                "failure_rate": round(self.failed / self.processed, 4) if self.processed else None}

    def probe(self) -> dict:
        """Readiness: the queue answers and the worker thread is alive."""
        depth = self.depth()
        if self._thread is None or not self._thread.is_alive():
            raise RuntimeError("embedding worker thread is not running")
        return {"depth": depth, **self.worker_state()}

    def stall(self) -> dict:
        self._stalled.set()
        return self.worker_state()

    def resume(self) -> dict:
        self._stalled.clear()
        return self.worker_state()

    def set_failure_rate(self, rate: float) -> dict:
        self.failures = RateGate(rate)
        return {"failure_rate": rate}

    def worker_state(self) -> dict:
        return {"worker": "stalled" if self._stalled.is_set() else "running"}

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._work, name="embedding-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stopping.set()
        try:
            self.stores.cache.lpush(WAKE_KEY, "stop")  # end a waiting BRPOP now, not at its timeout
        except redis.RedisError:
            pass  # Redis is down: BRPOP fails on its own
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                self._step()
            except redis.RedisError:
                self._stopping.wait(0.2)  # Redis stopped or paused: try again shortly
            except Exception as err:  # noqa: BLE001 - a Redis restart closes the socket under a BRPOP (ValueError)
                log.warning("embedding worker: %s: %s; retrying", type(err).__name__, err)
                self._stopping.wait(0.2)  # the worker outlives any one failed step

    def _step(self) -> None:
        if self._stalled.is_set():
            self._stopping.wait(QUEUE_POLL_S / 5)
            return
        popped = self.stores.queue.brpop([QUEUE_KEY, WAKE_KEY], timeout=QUEUE_POLL_S)
        if popped and popped[0] == QUEUE_KEY:
            self._handle(popped[1])

    def _handle(self, raw: str) -> None:
        if self._stalled.is_set():
            # Popped by a BRPOP that was already waiting when the stall began:
            # put it back at the tail it came from, so the stall is exact.
            self.stores.queue.rpush(QUEUE_KEY, raw)
            return
        ok = not self.failures.fire() and _run_job(raw)
        self.processed += 1
        self.failed += 0 if ok else 1
        self.outcomes.labels("success" if ok else "failure").inc()


def _run_job(raw: str) -> bool:
    try:
        embed(json.loads(raw)["text"])
        return True
    except (ValueError, KeyError, TypeError) as err:
        log.warning("embedding job failed: %s", type(err).__name__)
        return False


async def create_job(request: Request) -> JSONResponse:
    jobs: EmbeddingJobs = request.app.state.ctx.jobs
    body = await read_json(request, EMBEDDING_JOB_INPUT)
    try:
        job = await anyio.to_thread.run_sync(jobs.enqueue, body["text"])
    except redis.RedisError as err:
        raise ApiError(503, "embedding queue unavailable", [type(err).__name__]) from None
    return JSONResponse(job, 202)


async def job_stats(request: Request) -> JSONResponse:
    jobs: EmbeddingJobs = request.app.state.ctx.jobs
    try:
        return JSONResponse(await anyio.to_thread.run_sync(jobs.stats))
    except redis.RedisError as err:
        raise ApiError(503, "embedding queue unavailable", [type(err).__name__]) from None


ROUTES = [
    route("/api/embeddings/jobs", POST=create_job),
    route("/api/embeddings/stats", GET=job_stats),
]
