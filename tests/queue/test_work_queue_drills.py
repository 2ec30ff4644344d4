"""The sandbox's work queue and embedding checks: pass when healthy, fail on a stalled worker and on failing jobs."""

import json

import pytest

QUEUE_CHECKS = ("checks/test_queue.py",)
WORK = ("-m", "queue")
BACKLOG = "-> runbook §Queue backlog: check the queue workers' health and restart stuck workers*"
EMBEDDING = "-> runbook §Embedding failures: check Azure OpenAI service status and quota*"
JOBS = "queue:embedding_jobs"
SHORT_DRAIN = '\n[redis]\nwork_queues = ["queue:embedding_jobs"]\ndrain_timeout_s = 2\n'


@pytest.fixture
def stalled_worker(faults, sandbox_redis):
    """The sandbox's worker stalled; the jobs left waiting are deleted afterwards (``faults`` resumes the worker)."""
    faults.stall_worker()
    yield
    sandbox_redis.delete(JOBS)


def test_work_queue_checks_pass_on_a_healthy_sandbox(run_drill, faults):
    result = run_drill("-m", "queue", "-v", paths=QUEUE_CHECKS)
    result.stdout.fnmatch_lines(["*test_work_queue_depth_below_limit PASSED*", "*test_worker_drains_the_queue PASSED*",
                                 "*test_embedding_failure_rate_below_limit PASSED*"])
    result.assert_outcomes(passed=3, skipped=2)  # no Service Bus on the sandbox


def test_stalled_worker_fails_the_drain_with_the_depth(run_drill, stalled_worker, env_file):
    result = run_drill(*WORK, "-k", "drains", f"--env-file={env_file(SHORT_DRAIN)}", paths=QUEUE_CHECKS)
    result.stdout.fnmatch_lines([f"*work queue {JOBS}: depth 0 -> 5 after 5 jobs were enqueued; the worker did not "
                                 f"drain it within 2 s (stalled or down?) (over 2 s, source: redis://127.0.0.1:*/0 "
                                 f"{JOBS}) {BACKLOG}"])
    result.assert_outcomes(failed=1)


def test_stalled_worker_leaves_the_embedding_rate_without_data(run_drill, stalled_worker, env_file):
    result = run_drill(*WORK, "-k", "embedding", f"--env-file={env_file(SHORT_DRAIN)}", paths=QUEUE_CHECKS)
    result.stdout.fnmatch_lines(["*embedding failure rate: no data, 0 of 20 enqueued jobs finished "
                                 "(embedding_jobs_total) (over 20 jobs enqueued, * s, "
                                 "source: http://127.0.0.1:*/metrics) "
                                 f"{EMBEDDING}"])
    result.assert_outcomes(failed=1)


def test_backlog_over_1000_jobs_fails_the_depth_check(run_drill, stalled_worker, sandbox_redis):
    sandbox_redis.lpush(JOBS, *(json.dumps({"id": f"backlog-{i}", "text": "waiting"}) for i in range(1001)))
    result = run_drill(*WORK, "-k", "work_queue_depth", paths=QUEUE_CHECKS)
    result.stdout.fnmatch_lines([f"*work queue {JOBS}: 1001 waiting jobs > 1000 messages (over 1 LLEN reading, "
                                 f"source: redis://127.0.0.1:*/0) {BACKLOG}"])
    result.assert_outcomes(failed=1)


def test_embedding_failures_above_10_percent_fail_with_the_rate(run_drill, faults):
    faults.embedding_failure_rate(0.2)
    result = run_drill(*WORK, "-k", "embedding", paths=QUEUE_CHECKS)
    result.stdout.fnmatch_lines(["*embedding failure rate 20.0 % (4 of 20 jobs failed) > 10 % (over 20 jobs enqueued, "
                                 f"* s, source: http://127.0.0.1:*/metrics) {EMBEDDING}"])
    result.assert_outcomes(failed=1)


def test_embedding_failures_at_exactly_10_percent_pass(run_drill, faults):
    faults.embedding_failure_rate(0.1)  # the alert is "above 10 %"; 2 of 20 is not above
    result = run_drill(*WORK, "-k", "embedding", paths=QUEUE_CHECKS)
    result.assert_outcomes(passed=1)
