"""Queue backlog and embedding failures: Service Bus depths and dead letters, the Redis work queue and its worker.

The checks' logic is ``drillbook.components.queue``; each test names the procedure and calls it.
"""

import pytest

from drillbook.components import queue

pytestmark = pytest.mark.queue


@pytest.mark.runbook(queue.BACKLOG)
def test_servicebus_queue_depth_below_limit(servicebus_admin, servicebus_settings, thresholds):
    queue.check_servicebus_depth(servicebus_admin, servicebus_settings, thresholds("servicebus_queue"))


@pytest.mark.runbook(queue.BACKLOG)
def test_servicebus_dead_letters_within_limit(servicebus_admin, servicebus_settings):
    queue.check_dead_letters(servicebus_admin, servicebus_settings)


@pytest.mark.runbook(queue.BACKLOG)
def test_work_queue_depth_below_limit(redis_target, work_queues, thresholds):
    queue.check_work_queue_depth(redis_target, work_queues, thresholds("servicebus_queue"))


@pytest.mark.destructive
@pytest.mark.runbook(queue.BACKLOG)
def test_worker_drains_the_queue(redis_target, work_queues, http, redis_settings, exclusive_cache):
    queue.check_worker_drains(redis_target, work_queues, http, redis_settings)


@pytest.mark.destructive
@pytest.mark.runbook(queue.EMBEDDING)
def test_embedding_failure_rate_below_limit(drill_env, http, redis_settings, thresholds, pytestconfig):
    queue.check_embedding_failures(drill_env.name, drill_env.config.metrics, http, redis_settings,
                                   thresholds("embedding_failures"),
                                   allow_inconclusive=pytestconfig.option.allow_inconclusive)
