"""The Cosmos client against the sandbox's real Cosmos-protocol server: bounded calls, a breaker, a clean canary."""

import time
from urllib.parse import urlsplit

import azure.cosmos  # noqa: F401 - imported up front, so the timings below measure calls, not the import
import pytest
from loopback import FakeCredential, LoopbackTransport, NoIdentityCredential

from drillbook.clients.cosmos import CosmosSettings, CosmosTarget
from drillbook.config.sections import CosmosContainer
from drillbook.clients.cosmos_canary import run_canary
from drillbook.components.database import check_canary, check_containers, check_read_latency
from drillbook.errors import CanaryError, CosmosError

TIMEOUT_S = 1.0
SLACK_S = 0.9  # process scheduling on a busy machine; a retry would cost another whole timeout


@pytest.fixture
def settings(faults):
    info = faults.info()
    return CosmosSettings(info["cosmos_url"], "castiel", key=info["cosmos_key"], timeout_s=TIMEOUT_S)


@pytest.fixture
def target(settings):
    made = CosmosTarget(settings)
    yield made
    made.close()


def elapsed(function, *args):
    started = time.monotonic()
    with pytest.raises(CosmosError) as caught:
        function(*args)
    return caught.value, time.monotonic() - started


def test_a_paused_cosmos_costs_one_timeout_per_call_then_the_breaker_answers(target, cosmos_outage):
    database = target.database()
    with cosmos_outage("pause"):
        error, took = elapsed(target.call, "read database castiel", database.read)
        again, took_again = elapsed(target.call, "read database castiel", database.read)
    assert str(error) == "read database castiel: no answer within 1 s (read timeout)"
    assert TIMEOUT_S <= took < TIMEOUT_S + SLACK_S
    assert again.reason.endswith("(earlier in this run; not retried)") and took_again < TIMEOUT_S / 2


def test_connecting_to_a_paused_cosmos_is_bounded_too(settings, cosmos_outage):
    with cosmos_outage("pause"):
        error, took = elapsed(CosmosTarget(settings).database)
    assert error.reason == "no answer within 1 s (the call's overall timeout, retries included)"
    assert took < TIMEOUT_S + SLACK_S  # the SDK's own account read would wait 3 s, retried


def test_a_stopped_cosmos_is_refused_at_once(settings, cosmos_outage):
    with cosmos_outage("stop"):
        error, took = elapsed(CosmosTarget(settings).database)
    assert error.reason == "cannot connect: connection refused" and error.status is None
    assert took < TIMEOUT_S  # no timeout was waited


def test_a_missing_container_is_a_404_not_a_dead_connection(target):
    database = target.database()
    error, _ = elapsed(target.call, "read container nope", database.get_container_client("nope").read)
    assert error.status == 404 and error.reason.startswith("not found (404)")
    assert target.call("read database castiel", database.read)["id"] == "castiel"  # no breaker tripped


class ReadFails(CosmosTarget):
    """The real target, except that reading the canary back fails as a timeout would."""

    def call(self, what, function, *args, **kwargs):
        if what.startswith("read canary"):
            raise CosmosError(what, "no answer within 1 s (read timeout)")
        return super().call(what, function, *args, **kwargs)


def test_the_canary_is_deleted_even_when_a_step_after_the_write_fails(settings, cosmos_db):
    target = ReadFails(settings)
    with pytest.raises(CanaryError) as caught:
        run_canary(target)
    item_id = str(caught.value).split()[2].rstrip(":")
    assert str(caught.value) == (f"read canary {item_id}: no answer within 1 s (read timeout) "
                                 f"(canary {item_id} deleted)")
    scratch = cosmos_db.get_container_client("drillbook_canary")
    assert list(scratch.query_items("SELECT c.id FROM c WHERE c.id = @id",
                                    parameters=[{"name": "@id", "value": item_id}], partition_key=item_id)) == []


def test_a_passing_canary_reports_each_step_and_writes_under_its_prefix(target):
    result = run_canary(target)
    assert result.item_id.startswith("drillbook-canary-") and set(result.steps_ms) == {"write", "read", "delete"}


def test_a_scratch_container_without_ttl_is_refused_before_any_write(settings, cosmos_db):
    from azure.cosmos import PartitionKey

    cosmos_db.create_container("drillbook_canary_no_ttl", PartitionKey("/id"))
    try:
        target = CosmosTarget(CosmosSettings(**{**settings.__dict__, "canary_container": "drillbook_canary_no_ttl"}))
        with pytest.raises(CanaryError, match="scratch container drillbook_canary_no_ttl has no default TTL, so canary "
                                              "leftovers would never expire -> set one: az cosmosdb sql container "
                                              "update .* --ttl 3600"):
            run_canary(target)
        items = cosmos_db.get_container_client("drillbook_canary_no_ttl").query_items(
            "SELECT c.id FROM c", enable_cross_partition_query=True)
        assert list(items) == []
    finally:
        cosmos_db.delete_container("drillbook_canary_no_ttl")


@pytest.fixture
def azure_account(faults):
    """An Azure-shaped account: the https endpoint and Entra ID, delivered by a real transport to the sandbox's
    Cosmos-protocol server on loopback (the transport of tests/loopback.py)."""
    settings = CosmosSettings("https://cosmos-castiel-prod.documents.azure.com:443/", "castiel", timeout_s=TIMEOUT_S,
                              read_budget_ms=1000, containers={"shards": CosmosContainer(partition_key="/tenantId",
                                                                                  index_paths=("/createdAt/?",))})
    return settings, LoopbackTransport(urlsplit(faults.info()["cosmos_url"]).port)


def test_an_azure_account_signs_in_with_entra_id_and_runs_every_check(azure_account):
    settings, transport = azure_account
    credential = FakeCredential()
    target = CosmosTarget(settings, credential, transport=transport)
    check_read_latency(target)
    check_containers(target)
    check_canary(target)
    assert set(credential.scopes) == {"https://cosmos-castiel-prod.documents.azure.com/.default"}
    assert transport.sent and all(url.startswith("http://127.0.0.1:") for url in transport.sent)


def test_no_azure_identity_fails_with_how_to_sign_in(azure_account):
    settings, transport = azure_account
    error, _ = elapsed(CosmosTarget(settings, NoIdentityCredential(), transport=transport).database)
    assert error.reason == "no Entra ID token (CredentialUnavailableError) -> az login, or set [cosmos] key"
    assert transport.sent == []
