"""Remedies name the selected target's resources: its [azure] names, or the sandbox on a local run."""

import pytest

from drillbook import runbook
from drillbook.config.environments import load_environment
from drillbook.runbook import Resources, failure_message, remedy_line


def resources_of(name: str) -> Resources:
    env = load_environment(name)
    return Resources.of(env.tier, dict(env.config.azure), env.base_url)


def every_remedy(resources: Resources) -> str:
    return "\n".join(remedy_line(key, resources) for key in runbook.SECTIONS)


def test_staging_remedies_name_staging_and_never_production():
    text = every_remedy(resources_of("staging"))
    assert "-prod" not in text and "api.castiel.com" not in text
    assert "restart App Service app-castiel-api-staging if it is wedged " \
           "(az webapp restart -n app-castiel-api-staging -g rg-castiel-staging)" in text
    assert "check /api/admin/cache/stats and redis-castiel-staging memory" in text
    assert "(az cosmosdb show -n cosmos-castiel-staging -g rg-castiel-staging)" in text
    assert "openssl s_client -connect api-staging.castiel.com:443 -servername api-staging.castiel.com" in text


def test_production_remedies_name_production():
    text = every_remedy(resources_of("production"))
    assert "check cosmos-castiel-prod status (az cosmosdb show -n cosmos-castiel-prod -g rg-castiel-prod)" in text
    assert "-staging" not in text


def test_a_local_run_names_the_sandbox_and_sends_nobody_to_azure():
    text = every_remedy(resources_of("local"))
    assert "castiel-" not in text and "Azure service status" not in text
    # the one az command left names no resource: the RU finding names the account itself
    assert [line for line in text.splitlines() if "(az " in line] == [remedy_line("database-capacity", Resources())]
    assert "check /api/admin/cache/stats and the sandbox's redis memory" in text
    assert remedy_line("service-health", resources_of("local")).startswith(
        "runbook §Service health: check the sandbox app; restart the sandbox app if it is wedged; ")


def test_a_target_without_azure_names_gets_generic_words_and_bare_commands():
    resources = Resources.of("staging", {}, "https://api.example.com")
    assert remedy_line("database-connection", resources) == (
        "runbook §Database connection: check the Cosmos DB account status (az cosmosdb show); "
        "verify the connection string in Key Vault; check the firewall rules and RU provisioning")
    assert "openssl s_client -connect api.example.com:443 -servername api.example.com" in \
        remedy_line("tls-certificates", resources)


def test_only_names_from_azure_are_used_and_a_partial_section_mixes_in_words():
    resources = Resources.of("staging", {"redis_name": "redis-x", "subscription_id": object()}, "")
    line = remedy_line("cache-issues", resources)
    assert "redis-x memory" in line and "scale redis-x if memory stays high (az redis update --sku ...)" in line


def test_failure_message_uses_the_given_target_else_the_one_the_plugin_chose():
    staging = resources_of("staging")
    message = failure_message("cache-issues", "PING took 80 ms", source="redis://x", resources=staging)
    assert message.startswith("PING took 80 ms (source: redis://x) -> runbook §Cache issues: "
                              "check /api/admin/cache/stats and redis-castiel-staging memory; ")
    before = runbook._target
    try:
        runbook.use_resources(staging)
        assert failure_message("cache-issues", "PING took 80 ms", source="redis://x") == message
    finally:
        runbook.use_resources(before)


@pytest.mark.parametrize("key", sorted(runbook.SECTIONS))
def test_every_remedy_renders_everywhere_without_leftover_placeholders(key):
    for resources in (resources_of("local"), resources_of("staging"), Resources()):
        line = remedy_line(key, resources)
        assert "{" not in line and "}" not in line and line.count(": ") >= 1
