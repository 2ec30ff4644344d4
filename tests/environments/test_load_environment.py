"""Environment files: the shipped ones load, and every bad one gives a one-line error that teaches."""

import pytest

from drillbook.environments import available_environments, load_environment, resolve_secrets
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
    assert env.section("azure")["resource_group"].startswith("rg-castiel-")


def test_local_environment_targets_the_sandbox():
    env = load_environment("local")
    assert env.uses_sandbox and env.tier == "local"


def test_defaults_are_filled_in(tmp_path):
    env = load_environment(path=write(tmp_path, GOOD))
    assert env.section("http")["timeout_s"] == 5.0
    assert env.section("safety")["allow_destructive"] is False


def test_threshold_override_is_kept(tmp_path):
    env = load_environment(path=write(tmp_path, GOOD + "[thresholds]\napi_error_rate = 3\n"))
    assert env.section("thresholds")["api_error_rate"] == 3.0


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


def test_a_file_without_auth_resolves_with_no_secrets(tmp_path):
    env = resolve_secrets(load_environment(path=write(tmp_path, GOOD)))
    assert env.secret("admin_token") is None


def test_health_dependencies_default_to_castiels(tmp_path):
    for name in ("local", "staging", "production"):
        assert load_environment(name).section("health")["dependencies"] == ["cosmos", "redis", "embedding_queue"]
    path = tmp_path / "x.toml"
    path.write_text('[target]\ntier = "local"\nbase_url = "sandbox"\n[health]\ndependencies = "cosmos"\n')
    with pytest.raises(ConfigError, match=r"\[health\] dependencies = 'cosmos' is invalid -> expected a list of strings"):
        load_environment(path=path)
