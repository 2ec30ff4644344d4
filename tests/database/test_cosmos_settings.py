"""[cosmos] in environment files: expectations per container, errors that teach, bounded client options."""

import pytest

from drillbook.clients.cosmos import client_options, settings_from_section
from drillbook.config.sections import CosmosContainer
from drillbook.config.environments import load_environment
from drillbook.errors import ConfigError, DrillbookError

TARGET = """
[target]
tier = "staging"
base_url = "https://api-staging.castiel.com"
"""
COSMOS = """
[cosmos]
endpoint = "https://cosmos-castiel-staging.documents.azure.com:443/"
key = { env = "DRILLBOOK_TEST_COSMOS_KEY" }
"""


def load(tmp_path, text):
    path = tmp_path / "castiel-test.toml"
    path.write_text(TARGET + text)
    return load_environment(path=path)


def settings_from_environment(env, **sandbox):
    return settings_from_section(env.config.cosmos, where=env.path.name, **sandbox)


def error_of(tmp_path, text) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert "\n" not in message and "castiel-test.toml" in message
    return message


def test_shipped_environments_expect_the_castiel_shards_container():
    for name in ("local", "staging", "production"):
        shards = load_environment(name).config.cosmos.containers["shards"]
        assert shards == CosmosContainer(partition_key="/tenantId", index_paths=("/tenantId/?", "/createdAt/?"))


def test_staging_and_production_name_their_own_cosmos_account():
    assert "cosmos-castiel-staging" in load_environment("staging").config.cosmos.endpoint
    assert "cosmos-castiel-prod." in load_environment("production").config.cosmos.endpoint


def test_container_tables_become_expectations(tmp_path):
    env = load(tmp_path, COSMOS + '[cosmos.containers.shards]\npartition_key = "/tenantId"\n'
                                  'index_paths = ["/tenantId/?", "/\\"order\\"/?"]\n')
    assert env.config.cosmos.containers == {
        "shards": CosmosContainer(partition_key="/tenantId", index_paths=("/tenantId/?", '/"order"/?'))}
    assert env.config.cosmos.timeout_s == 3.0 and env.config.cosmos.canary_ttl_s == 3600.0


@pytest.mark.parametrize(("table", "expected"), [
    ('partition_key = "tenantId"', 'partition_key must be a path like "/tenantId"'),
    ('partition_key = "/tenantId"\nindex_paths = ["/createdAt"]',
     "index path '/createdAt' is not a scalar index path -> write it the way the indexing policy does, "
     'e.g. "/createdAt/?"'),
    ('partition_key = "/tenantId"\nindex_paths = ["/createdAt/*"]', "index path '/createdAt/*' is not a scalar"),
    ('partition_key = "/tenantId"\npartition = "/x"', "[cosmos.containers.shards] unknown key 'partition'"),
])
def test_a_bad_container_table_names_the_container_and_the_fix(tmp_path, table, expected):
    message = error_of(tmp_path, COSMOS + f"[cosmos.containers.shards]\n{table}\n")
    assert "[cosmos] containers = {'shards':" in message and expected in message
    assert "secret reference" not in message


def test_a_key_written_as_a_value_is_refused(tmp_path):
    message = error_of(tmp_path, COSMOS.replace('{ env = "DRILLBOOK_TEST_COSMOS_KEY" }', '"c2VjcmV0a2V5"'))
    assert "[cosmos] key" in message and "secret value is written in the file" in message


def test_the_key_is_resolved_from_its_reference(tmp_path, monkeypatch):
    monkeypatch.setenv("DRILLBOOK_TEST_COSMOS_KEY", "a2V5LWZyb20tZW52aXJvbm1lbnQ=")
    settings = settings_from_environment(load(tmp_path, COSMOS))
    assert settings.key == "a2V5LWZyb20tZW52aXJvbm1lbnQ=" and "a2V5" not in repr(settings)
    assert settings.account == "cosmos-castiel-staging"
    assert settings.source == "https://cosmos-castiel-staging.documents.azure.com:443/dbs/castiel"


def test_an_unset_key_variable_says_what_to_export(tmp_path, monkeypatch):
    monkeypatch.delenv("DRILLBOOK_TEST_COSMOS_KEY", raising=False)
    with pytest.raises(ConfigError, match=r"\[cosmos\] key: environment variable DRILLBOOK_TEST_COSMOS_KEY is not "
                                          r"set -> export DRILLBOOK_TEST_COSMOS_KEY=\.\.\."):
        settings_from_environment(load(tmp_path, COSMOS))


def test_sandbox_endpoint_takes_url_and_key_from_the_sandbox(tmp_path):
    env = load_environment("local")
    settings = settings_from_environment(env, sandbox={"cosmos_url": "http://127.0.0.1:4555", "cosmos_key": "k2V5"})
    assert (settings.endpoint, settings.key, settings.database) == ("http://127.0.0.1:4555", "k2V5", "castiel")
    with pytest.raises(DrillbookError, match="the target is not the sandbox"):
        settings_from_environment(env)


def test_every_call_is_bounded_by_the_timeout_with_no_connection_retries():
    options = client_options(2.0)
    assert options["connection_timeout"] == options["read_timeout"] == options["timeout"] == 2.0
    assert options["retry_total"] == options["retry_connect"] == options["retry_read"] == 0
    assert options["retry_throttle_total"] == 1 and options["enable_endpoint_discovery"] is False
