"""Chaos drills from the runbook: one fault each, always reverted, with the measured time to recover.

Run them with ``pytest -m chaos``; each is destructive (refused on production
without ``[safety] allow_destructive`` and ``--approve``).
"""

import pytest

pytestmark = [pytest.mark.chaos, pytest.mark.destructive]


@pytest.mark.runbook("cache-issues")
def test_redis_outage_reads_fall_back_to_cosmos(chaos_drill):
    chaos_drill("redis-outage")


@pytest.mark.runbook("cache-issues")
def test_redis_hang_is_reported_by_readiness(chaos_drill):
    chaos_drill("redis-hang")


@pytest.mark.runbook("database-connection")
def test_cosmos_outage_reads_served_from_cache(chaos_drill):
    chaos_drill("cosmos-outage")


@pytest.mark.runbook("slow-response-times")
def test_cosmos_latency_is_noticed_by_the_p95_rules(chaos_drill):
    chaos_drill("cosmos-latency")


@pytest.mark.runbook("queue-backlog")
def test_worker_stall_backlog_is_seen_and_drained(chaos_drill):
    chaos_drill("worker-stall")


@pytest.mark.runbook("service-health")
def test_service_down_restart_is_healthy_within_the_rto(chaos_drill):
    chaos_drill("service-down")


@pytest.mark.runbook("service-health")
def test_app_stopped_is_down_until_started_and_healthy_within_the_rto(chaos_drill):
    chaos_drill("app-stopped")  # Azure tier only: App Service stop, the undo starts it


@pytest.mark.runbook("recovery-objectives")
def test_chaos_studio_experiment_is_cancelled_and_healthy_within_the_rto(chaos_drill):
    chaos_drill("chaos-studio")  # Azure tier only: the experiment named in [azure] chaos_experiment
