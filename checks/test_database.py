"""Database (Cosmos DB): reachability, containers and indexes, a canary write, and RU consumption."""

import time

import pytest

from drillbook.components.database import check_canary, check_containers, check_read_latency, check_ru

pytestmark = pytest.mark.database


@pytest.mark.runbook("database-connection")
def test_database_answers_reads_within_budget(cosmos):
    check_read_latency(cosmos)


@pytest.mark.runbook("database-indexes")
def test_containers_have_their_partition_keys_and_index_paths(cosmos):
    check_containers(cosmos)


@pytest.mark.runbook("database-connection")
def test_canary_write_read_delete_in_scratch_container(cosmos):
    check_canary(cosmos)


@pytest.mark.runbook("database-capacity")
def test_ru_consumption_below_threshold(ru_source, thresholds, drill_env, pytestconfig):
    check_ru(ru_source, thresholds("cosmos_ru"), now=time.time(), account=drill_env.config.azure.cosmos_account,
             allow_inconclusive=pytestconfig.option.allow_inconclusive)
