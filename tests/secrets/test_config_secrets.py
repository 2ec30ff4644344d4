"""Configuration errors never echo a secret: values of secret keys, and credentials inside URLs."""

import pytest

from drillbook.config.environments import load_environment
from drillbook.errors import ConfigError

TARGET = '[target]\ntier = "staging"\nbase_url = "https://api-staging.castiel.com"\n'
PLANTED = "s3cr3t-planted-4e1f9a"


def error_of(tmp_path, text: str) -> str:
    path = tmp_path / "target.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_environment(path=path)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("table", [
    f'[cosmos]\nkey = "{PLANTED}"\n',
    f'[auth]\nadmin_token = "{PLANTED}"\n',
    f'[servicebus]\nconnection_string = "{PLANTED}"\n',
])
def test_a_secret_key_written_as_a_string_is_refused_without_its_value(tmp_path, table):
    message = error_of(tmp_path, TARGET + table)
    assert PLANTED not in message
    assert "a secret value is written in the file (value not shown) -> replace it with a reference" in message


@pytest.mark.parametrize("value, shown", [
    ("12345", "12345"),  # a number: the converter used to echo repr(value)
    ("[12345678]", "12345678"),
    (f'{{ value = "{PLANTED}" }}', PLANTED),  # a table that is no reference
    (f'{{ env = "A", keyvault = "https://v", secret = "{PLANTED}" }}', PLANTED),
])
def test_no_value_of_a_secret_key_is_echoed_whatever_its_type(tmp_path, value, shown):
    for table in (f"[auth]\nadmin_token = {value}\n", f"[cosmos]\nkey = {value}\n"):
        message = error_of(tmp_path, TARGET + table)
        assert shown not in message, message
        assert "admin_token" in message or "[cosmos] key" in message


def test_admin_token_as_a_number_names_the_fix(tmp_path):
    message = error_of(tmp_path, TARGET + "[auth]\nadmin_token = 12345\n")
    assert message.endswith('[auth] admin_token: a secret value is written in the file (value not shown) -> replace '
                            'it with a reference: admin_token = { env = "VARIABLE" } or a Key Vault reference')


@pytest.mark.parametrize("url", [
    f"https://drill:{PLANTED}@api-staging.castiel.com",
    f"https://{PLANTED}@api-staging.castiel.com",
    f"https://api-staging.castiel.com/?sig={PLANTED}",
    f"https://api-staging.castiel.com/?token={PLANTED}",
])
def test_a_credential_in_base_url_is_refused_with_the_auth_reference(tmp_path, url):
    message = error_of(tmp_path, f'[target]\ntier = "staging"\nbase_url = "{url}"\n')
    assert PLANTED not in message
    assert message.startswith(f"{tmp_path / 'target.toml'}: [target] base_url: "
                              "the URL carries a credential (value not shown) ")
    assert message.endswith('-> remove it from the URL; credentials come from references, '
                            'e.g. [auth] admin_token = { env = "CASTIEL_ADMIN_TOKEN" }')


def test_a_redis_url_with_a_password_is_refused_and_asked_for_as_a_reference(tmp_path):
    url = f"rediss://:{PLANTED}@castiel.redis.cache.windows.net:6380"
    message = error_of(tmp_path, TARGET + f'[redis]\nurl = "{url}"\n')
    assert PLANTED not in message
    assert message.endswith('[redis] url: the URL carries a credential (value not shown) '
                            '-> give the whole URL as a reference: url = { env = "VARIABLE" }')


@pytest.mark.parametrize("table", [
    f'[cosmos]\nendpoint = "https://admin:{PLANTED}@cosmos-castiel-prod.documents.azure.com"\n',
    f'[metrics]\nprobe_routes = ["/health", "/api/shards?access_token={PLANTED}"]\n',
])
def test_credentials_in_other_url_keys_and_route_lists_are_refused(tmp_path, table):
    message = error_of(tmp_path, TARGET + table)
    assert PLANTED not in message and "the URL carries a credential (value not shown)" in message


def test_ordinary_urls_and_routes_still_load(tmp_path):
    path = tmp_path / "target.toml"
    path.write_text(TARGET + '[metrics]\nprobe_routes = ["/api/shards?tenantId=drillbook-probe"]\n'
                    '[redis]\nurl = "redis://cache.internal:6379/0"\n')
    env = load_environment(path=path)
    assert env.config.redis.url == "redis://cache.internal:6379/0"
