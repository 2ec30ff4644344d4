"""Environment files: the shipped ones load, and every bad one gives a one-line error that teaches."""

import pytest

from drillbook.config.environments import available_environments, load_environment, resolve_secrets
from drillbook.errors import ConfigError

GOOD = """
[target]
tier = "staging"
base_url = "https://api-staging.castiel.com"
"""


def write(tmp_path, text, name="target.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(tmp_path, text, monkeypatch) -> str:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        resolve_secrets(load_environment(path=write(tmp_path, text)))
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_shipped_environments_are_local_staging_production():
    assert available_environments() == ["local", "production", "staging"]


@pytest.mark.parametrize("name, host", [
    ("staging", "https://api-staging.castiel.com"),
    ("production", "https://api.castiel.com"),
])
def test_shipped_environments_use_the_castiel_hosts(name, host):
    env = load_environment(name)
    assert (env.tier, env.base_url) == (name, host)
    assert env.config.azure.resource_group.startswith("rg-castiel-")


def test_local_environment_targets_the_sandbox():
    env = load_environment("local")
    assert env.uses_sandbox and env.tier == "local"


def test_defaults_are_filled_in(tmp_path):
    env = load_environment(path=write(tmp_path, GOOD))
    assert env.config.http.timeout_s == 5.0
    assert env.config.safety.allow_destructive is False


def test_threshold_override_is_kept(tmp_path):
    env = load_environment(path=write(tmp_path, GOOD + "[thresholds]\napi_error_rate = 3\n"))
    assert env.config.thresholds.api_error_rate == 3.0


def test_secret_reference_resolves_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DRILL_TEST_TOKEN", "t0ken-value-123")
    text = GOOD + '[auth]\nadmin_token = { env = "DRILL_TEST_TOKEN" }\n'
    env = resolve_secrets(load_environment(path=write(tmp_path, text)))
    assert env.secret("admin_token") == "t0ken-value-123"
    assert "t0ken-value-123" not in repr(env)


CASES = {
    "unknown_section": GOOD + "[htp]\ntimeout_s = 1\n",
    "unknown_key": GOOD + "[http]\ntimeout = 1\n",
    "bad_number": GOOD + '[http]\ntimeout_s = "fast"\n',
    "bad_tier": GOOD.replace('"staging"', '"stagin"'),
    "missing_base_url": '[target]\ntier = "staging"\n',
    "malformed_toml": GOOD + "[http\n",
    "secret_as_value": GOOD + '[auth]\nadmin_token = "hunter2-secret-value"\n',
    "connection_string_as_value": GOOD + '[azure]\nresource_group = "AccountKey=abc123;Endpoint=x"\n',
    "reference_with_both": GOOD + '[auth]\nadmin_token = { env = "A", keyvault = "https://v", secret = "s" }\n',
    "unset_token_variable": GOOD + '[auth]\nadmin_token = { env = "DRILL_TEST_UNSET_TOKEN" }\n',
    "sandbox_on_staging": '[target]\ntier = "staging"\nbase_url = "sandbox"\n',
    "http_on_production": '[target]\ntier = "production"\nbase_url = "http://api.castiel.com"\n',
    "unknown_threshold": GOOD + "[thresholds]\napi_eror_rate = 3\n",
    "section_not_table": 'target = "staging"\n',
    "local_tier_on_production_url": '[target]\ntier = "local"\nbase_url = "https://api.castiel.com"\n',
    "local_tier_on_remote_url": '[target]\ntier = "local"\nbase_url = "https://canary.example.com"\n',
    "local_tier_on_remote_cosmos": ('[target]\ntier = "local"\nbase_url = "sandbox"\n'
                                    '[cosmos]\nendpoint = "https://cosmos-castiel-prod.documents.azure.com:443/"\n'),
    "nan_timeout": GOOD + "[http]\ntimeout_s = nan\n",
    "inf_timeout": GOOD + "[http]\ntimeout_s = inf\n",
    "inf_threshold": GOOD + "[thresholds]\napi_error_rate = +inf\n",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_gives_one_line_error(case, tmp_path, monkeypatch, snapshot):
    monkeypatch.delenv("DRILL_TEST_UNSET_TOKEN", raising=False)
    message = error_of(tmp_path, CASES[case], monkeypatch)
    assert "hunter2" not in message and "abc123" not in message
    snapshot(message, name=case)


def test_unknown_environment_suggests_the_closest(snapshot):
    with pytest.raises(ConfigError) as caught:
        load_environment("stagin")
    snapshot(str(caught.value))


def test_missing_env_file_names_the_path(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_environment(path=tmp_path / "nope.toml")


def test_env_file_under_home_is_found_with_a_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # README: --env-file=~/castiel-canary.toml
    write(tmp_path, GOOD, name="castiel.toml")
    env = load_environment(path="~/castiel.toml")
    assert env.path == tmp_path / "castiel.toml" and env.tier == "staging"


def test_a_file_without_auth_resolves_with_no_secrets(tmp_path):
    env = resolve_secrets(load_environment(path=write(tmp_path, GOOD)))
    assert env.secret("admin_token") is None


def test_health_dependencies_default_to_castiels(tmp_path):
    for name in ("local", "staging", "production"):
        assert load_environment(name).config.health.dependencies == ("cosmos", "redis", "embedding_queue")
    path = tmp_path / "x.toml"
    path.write_text('[target]\ntier = "local"\nbase_url = "sandbox"\n[health]\ndependencies = "cosmos"\n')
    with pytest.raises(ConfigError, match=r"\[health\] dependencies = 'cosmos' is invalid -> expected a list of strings"):
        load_environment(path=path)


def test_an_env_file_is_named_by_its_stem_or_its_target_name(tmp_path):
    assert load_environment(path=write(tmp_path, GOOD, name="canary.toml")).name == "canary"
    named = GOOD.replace('tier = "staging"', 'tier = "staging"\nname = "canary-eu"')
    assert load_environment(path=write(tmp_path, named, name="x.toml")).name == "canary-eu"


@pytest.mark.parametrize("url", ["sandbox", "http://127.0.0.1:8080", "http://127.0.0.2", "http://localhost:3000",
                                 "http://[::1]:8080", "https://api.localhost"])
def test_the_local_tier_may_reach_loopback(tmp_path, url):
    env = load_environment(path=write(tmp_path, f'[target]\ntier = "local"\nbase_url = "{url}"\n'))
    assert env.tier == "local" and env.tier_note is None


@pytest.mark.parametrize("section", [
    '[target]\ntier = "staging"\nbase_url = "https://API.castiel.com"\n',
    '[target]\ntier = "staging"\nbase_url = "https://canary.example.com"\n'
    '[azure]\nresource_group = "rg-castiel-prod"\n',
    '[target]\ntier = "local"\nbase_url = "sandbox"\n[azure]\ncosmos_account = "COSMOS-castiel-prod"\n',
    '[target]\ntier = "staging"\nbase_url = "https://canary.example.com"\n[servicebus]\nnamespace = '
    '"sb-castiel-prod.servicebus.windows.net"\n',
])
def test_a_production_host_or_resource_is_production_whatever_the_tier_line_says(tmp_path, section):
    env = load_environment(path=write(tmp_path, section))
    assert env.tier == "production" and env.is_production
    assert "belongs to environments/production.toml" in env.tier_note
    assert env.config.safety.allow_destructive is False


def test_the_local_tier_refuses_a_remote_slot_url(tmp_path, monkeypatch):
    # --slot staging aims the run at slot_url: on the local tier (destructive allowed) it must stay on loopback
    message = error_of(tmp_path, '[target]\ntier = "local"\nbase_url = "sandbox"\n[slots]\n'
                                 'slot_url = "https://app-castiel-api-prod-staging.azurewebsites.net"\n', monkeypatch)
    assert message.startswith('target.toml: [slots] slot_url = "https://app-castiel-api-prod-staging.azurewebsites.net"'
                              " on tier local -> the local tier reaches only loopback and the sandbox; this target "
                              "belongs to environments/production.toml: use --env production"), message


def test_a_staging_file_aimed_at_the_production_slot_is_production(tmp_path):
    env = load_environment(path=write(tmp_path, GOOD + '[slots]\nslot_url = '
                                                        '"https://app-castiel-api-prod-staging.azurewebsites.net"\n'))
    assert env.is_production and "belongs to environments/production.toml" in env.tier_note
    assert env.config.safety.allow_destructive is False


def test_allow_destructive_defaults_to_true_only_on_the_local_tier(tmp_path):
    local = load_environment(path=write(tmp_path, '[target]\ntier = "local"\nbase_url = "sandbox"\n'))
    assert local.config.safety.allow_destructive is True
    assert load_environment(path=write(tmp_path, GOOD)).config.safety.allow_destructive is False
