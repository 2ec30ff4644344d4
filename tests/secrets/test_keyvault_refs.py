"""Key Vault secret references: the real SecretClient, its challenge flow, and one-line errors on loopback."""

import time

import pytest
from loopback import FakeCredential, LoopbackTransport, NoIdentityCredential, loopback_only  # noqa: F401 (autouse)
from recorded_keyvault import RecordedKeyVault

from drillbook import redaction
from drillbook.clients.redis import connect_redis
from drillbook.errors import ConfigError
from drillbook.config.secrets import SecretRef, resolve_secret

VAULT = "https://kv-castiel-prod.vault.azure.net"
ADMIN_TOKEN = SecretRef(keyvault=VAULT, secret="castiel-admin-token")
WHERE = "production.toml: [auth] admin_token"
VALUE = "castiel-admin-token-from-vault-9d1e4b"


@pytest.fixture
def vault():
    from azure.keyvault.secrets._shared import http_challenge_cache

    http_challenge_cache.clear()  # every test sees the first, unauthenticated request and its challenge
    with RecordedKeyVault() as server:
        yield server


def read(vault, ref=ADMIN_TOKEN, credential=None, **options):
    return resolve_secret(ref, where=WHERE, credential=credential or FakeCredential(),
                          transport=LoopbackTransport(vault.port), retry_total=0, **options)


def test_secret_is_read_through_the_challenge_with_the_vault_scope(vault):
    vault.answer("castiel-admin-token", "admin_token.http")
    credential = FakeCredential()
    assert read(vault, credential=credential) == VALUE
    challenge, answered = vault.seen
    assert challenge["authorization"] == "" and answered["authorization"] == f"Bearer {FakeCredential.TOKEN}"
    assert answered["cloud_host"] == "kv-castiel-prod.vault.azure.net"
    assert answered["path"].startswith("/secrets/castiel-admin-token")
    assert credential.scopes == ["https://vault.azure.net/.default"]


def test_a_value_read_from_the_vault_is_redacted_everywhere(vault):
    vault.answer("castiel-admin-token", "admin_token.http")
    read(vault)
    assert redaction.redact_text(f"header x-admin: {VALUE}") == f"header x-admin: {redaction.MASK}"


def test_a_redis_connection_string_from_the_vault_keeps_its_password_out_of_reports(vault):
    vault.answer("castiel-redis-connection", "redis_connection.http")
    connection = read(vault, SecretRef(keyvault=VAULT, secret="castiel-redis-connection"))
    target = connect_redis(connection, timeout_s=1)  # nothing is sent before the first command
    try:
        assert target.source == "rediss://castiel-prod.redis.cache.windows.net:6380"
        assert "redis-key-from-vault-41c7e2" not in redaction.redact_text(connection)
    finally:
        target.close()


def test_a_missing_secret_names_it_and_says_where_to_fix(vault):
    ref = SecretRef(keyvault=VAULT, secret="castiel-admin-tokn")
    with pytest.raises(ConfigError) as failure:
        read(vault, ref)
    message = str(failure.value)
    assert "\n" not in message
    assert message.startswith(f"{WHERE}: cannot read Key Vault secret 'castiel-admin-tokn' in {VAULT}: "
                              "(SecretNotFound) A secret with (name/id) castiel-admin-tokn was not found")
    assert message.endswith('-> check secret = "..." in the environment file, or create the secret in that vault')


def test_a_refused_identity_gets_the_role_to_grant(vault):
    vault.answer("castiel-admin-token", "forbidden.http")
    with pytest.raises(ConfigError) as failure:
        read(vault)
    message = str(failure.value)
    assert "\n" not in message and "HTTP 403, (Forbidden) Caller is not authorized" in message
    assert message.endswith("-> grant the runner's identity the 'Key Vault Secrets User' role "
                            "(or a Get secret access policy) on that vault")


def test_no_identity_on_the_runner_says_to_sign_in(vault):
    vault.answer("castiel-admin-token", "admin_token.http")
    with pytest.raises(ConfigError) as failure:
        read(vault, credential=NoIdentityCredential())
    message = str(failure.value)
    assert "\n" not in message and "no Azure identity (DefaultAzureCredential failed to retrieve a token" in message
    assert message.endswith("-> sign in (az login, or a managed identity on the runner)")


def test_a_hanging_vault_ends_at_the_read_timeout(vault):
    vault.hang("castiel-admin-token")
    started = time.monotonic()
    with pytest.raises(ConfigError) as failure:
        read(vault, read_timeout=0.5)
    assert time.monotonic() - started < 15  # the client's import and setup on a busy machine, not a hang
    assert "no answer (timeout 0.5 s): " in str(failure.value)
    assert str(failure.value).endswith("-> check the vault URL and the runner's egress to *.vault.azure.net")


def test_an_optional_reference_that_cannot_be_read_is_absent_not_an_error(vault):
    ref = SecretRef(keyvault=VAULT, secret="castiel-admin-token", optional=True)
    vault.answer("castiel-admin-token", "forbidden.http")
    assert read(vault, ref) is None


def test_no_request_leaves_loopback(vault):
    vault.answer("castiel-admin-token", "admin_token.http")
    transport = LoopbackTransport(vault.port)
    resolve_secret(ADMIN_TOKEN, where=WHERE, credential=FakeCredential(), transport=transport, retry_total=0)
    assert transport.sent and all(url.startswith(f"http://127.0.0.1:{vault.port}/") for url in transport.sent)


def test_an_identity_variable_set_but_empty_is_one_line_naming_it_not_a_traceback(monkeypatch):
    # a pipeline whose secret was missing sets AZURE_CLIENT_ID to "": DefaultAzureCredential raises ValueError
    from drillbook.config import secrets

    secrets._default_credential.cache_clear()
    monkeypatch.setenv("AZURE_CLIENT_ID", "")
    monkeypatch.setenv("AZURE_TENANT_ID", "")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "")
    with pytest.raises(ConfigError) as raised:
        resolve_secret(ADMIN_TOKEN, where=WHERE)
    secrets._default_credential.cache_clear()
    assert str(raised.value).startswith(f"{WHERE}: DefaultAzureCredential cannot be built: "), raised.value
    assert "(AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET" in str(raised.value) and "an empty one counts as set" in str(raised.value)
