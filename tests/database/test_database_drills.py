"""The database checks pass on the healthy sandbox and fail, each with the right message, on each fault."""

CHECKS = ("checks",)
DATABASE = ("-m", "database")  # fnmatch patterns below: "[[]" is a literal "["
# A local run names the sandbox's parts, never production's.
CONNECTION_REMEDY = "-> runbook §Database connection: check the sandbox's Cosmos server status*"
SCHEMA_REMEDY = "-> runbook §Database containers and indexes: create a missing container*"
CASTIEL_POLICY = {"indexingMode": "consistent", "includedPaths": [{"path": "/*"}],
                  "excludedPaths": [{"path": "/embedding/*"}, {"path": '/"_etag"/?'}]}


def test_database_checks_pass_on_a_healthy_sandbox_and_ru_is_not_applicable(run_drill, faults):
    result = run_drill(*DATABASE, paths=CHECKS)
    result.assert_outcomes(passed=3, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED * not applicable: the scrape metrics source has no Cosmos RU metric, "
                                 "and the local Cosmos server has no throughput API -> set [[]metrics] source = "
                                 '"azure-monitor" and [[]azure] cosmos_account to check it'])


def test_stopped_cosmos_fails_every_check_within_seconds(run_drill, cosmos_outage):
    with cosmos_outage("stop"):
        result = run_drill(*DATABASE, paths=CHECKS)
    result.assert_outcomes(failed=3, skipped=1)
    result.stdout.fnmatch_lines([
        "*Cosmos DB unreachable: connect to http://127.0.0.1:*: cannot connect: connection refused "
        f"(source: http://127.0.0.1:*/dbs/castiel) {CONNECTION_REMEDY}",
    ])
    result.stdout.fnmatch_lines(["*canary in scratch container drillbook_canary: *connection refused "
                                 "(earlier in this run; not retried)*"])
    assert result.duration < 90  # a busy machine's start, not minutes of retries


def test_paused_cosmos_fails_at_the_timeout_not_minutes_later(run_drill, cosmos_outage):
    with cosmos_outage("pause"):
        result = run_drill(*DATABASE, paths=CHECKS)
    result.assert_outcomes(failed=3, skipped=1)
    result.stdout.fnmatch_lines([f"*Cosmos DB unreachable: connect to http://127.0.0.1:*: no answer within 2 s *"
                                 f"(source: http://127.0.0.1:*/dbs/castiel) {CONNECTION_REMEDY}"])
    assert result.duration < 90  # a 2 s timeout, once: the breaker answers the later checks at once


def test_reads_slower_than_the_budget_fail_with_the_measured_median(run_drill, faults, local_variant):
    slow = local_variant('[cosmos]\nendpoint = "sandbox"\nread_budget_ms = 0.001\n', replace_cosmos=True)
    result = run_drill(*DATABASE, "-k", "within_budget", slow, paths=CHECKS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*reading database castiel took * ms (median of *, *, * ms) > budget 0.001 ms "
                                 f"(over 3 reads, source: http://127.0.0.1:*/dbs/castiel) {CONNECTION_REMEDY}"])


def test_missing_index_path_names_the_container_the_path_and_the_policy(run_drill, local_variant, indexing_policy):
    indexing_policy("shards", CASTIEL_POLICY)  # Castiel's real policy: embeddings are not indexed
    expect = ('[cosmos]\nendpoint = "sandbox"\n[cosmos.containers.shards]\npartition_key = "/tenantId"\n'
              'index_paths = ["/tenantId/?", "/embedding/?"]\n')
    result = run_drill(*DATABASE, "-k", "partition_keys", local_variant(expect, replace_cosmos=True), paths=CHECKS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*container shards: index path /embedding/? is not indexed (excluded by /embedding/*) "
        '[[]policy: consistent, included /*, excluded /embedding/*, /"_etag"/?] '
        f"(source: http://127.0.0.1:*/dbs/castiel) {SCHEMA_REMEDY}"])


def test_dropped_index_on_a_queried_path_fails_the_shipped_environment(run_drill, faults, indexing_policy):
    indexing_policy("shards", {**CASTIEL_POLICY, "excludedPaths": [{"path": "/createdAt/?"}]})
    result = run_drill(*DATABASE, "-k", "partition_keys", paths=CHECKS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*container shards: index path /createdAt/? is not indexed "
                                 f"(excluded by /createdAt/?)*{SCHEMA_REMEDY}"])


def test_wrong_partition_key_shows_found_and_expected(run_drill, faults, local_variant):
    expect = '[cosmos]\nendpoint = "sandbox"\n[cosmos.containers.shards]\npartition_key = "/id"\n'
    result = run_drill(*DATABASE, "-k", "partition_keys", local_variant(expect, replace_cosmos=True), paths=CHECKS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*container shards: partition key is /tenantId (expected /id) (source: *"
                                 f"{SCHEMA_REMEDY}"])


def test_missing_container_is_named_with_its_expected_partition_key(run_drill, faults, local_variant):
    expect = '[cosmos.containers.embeddings]\npartition_key = "/tenantId"\n'
    result = run_drill(*DATABASE, "-k", "partition_keys", local_variant(expect), paths=CHECKS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*container embeddings is missing from database castiel (expected partition key "
                                 f"/tenantId) (source: *{SCHEMA_REMEDY}"])


def test_canary_leaves_nothing_behind_and_its_container_expires_leftovers(run_drill, faults, cosmos_db):
    result = run_drill(*DATABASE, "-k", "canary", paths=CHECKS)
    result.assert_outcomes(passed=1)
    scratch = cosmos_db.get_container_client("drillbook_canary")
    assert scratch.read()["defaultTtl"] == 3600 and scratch.read()["partitionKey"]["paths"] == ["/id"]
    ids = [item["id"] for item in scratch.query_items("SELECT c.id FROM c", enable_cross_partition_query=True)]
    assert [i for i in ids if i.startswith("drillbook-canary-")] == []
    shards = cosmos_db.get_container_client("shards")
    assert not [i for i in shards.query_items("SELECT c.id FROM c", enable_cross_partition_query=True)
                if i["id"].startswith("drillbook-canary-")], "the canary never writes to app containers"


def test_a_run_without_database_checks_does_not_import_azure_cosmos(drill_imports, faults):
    _, health = drill_imports("-m", "health", paths=CHECKS)
    _, database = drill_imports("-m", "database", paths=CHECKS)
    assert not [m for m in health if m.startswith(("azure.cosmos", "azure.identity"))]
    assert "azure.cosmos" in database  # the probe sees the import when the checks do run
