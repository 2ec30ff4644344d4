"""Typed sections, composed in one place: the schema never depends on what happens to be imported, every number
is finite, every section and key is checked with a "did you mean", and a secret-shaped value is never echoed."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import textwrap

import pytest
from pydantic import BaseModel, ValidationError

from drillbook.config import sections
from drillbook.config.environments import ENVIRONMENTS_DIR, available_environments, load_environment
from drillbook.config.model import Section, is_secret
from drillbook.config.sections import EnvironmentFile
from drillbook.errors import ConfigError

GOOD = '[target]\ntier = "staging"\nbase_url = "https://api-staging.castiel.com"\n'
CADENCE = GOOD + '[cadence]\nenforce = true\nkinds = ["load", "dr"]\nmax_age_days = 30\n'
# A fresh interpreter that imports nothing of drillbook's but the loader, as a library user would.
LIBRARY_USER = textwrap.dedent("""
    import json, sys
    from drillbook.config.environments import load_environment
    env = load_environment(sys.argv[1]) if sys.argv[1] != "--path" else load_environment(path=sys.argv[2])
    features = sorted({m.split(".")[1] for m in sys.modules if m.startswith("drillbook.")} - {"config", "errors",
                                                                                            "redaction", "runbook"})
    print(json.dumps({"name": env.name, "tier": env.tier, "cadence": env.config.cadence.max_age_days,
                      "features": features}))
""")


def outside_pytest(*args: str) -> dict:
    done = subprocess.run([sys.executable, "-c", LIBRARY_USER, *args], capture_output=True, text=True, timeout=60,
                          cwd=ENVIRONMENTS_DIR.parent, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", available_environments())
def test_every_shipped_file_loads_outside_pytest_with_nothing_else_imported(name):
    loaded = outside_pytest(name)
    assert loaded["name"] == name and loaded["features"] == []  # config imports no feature to know its sections


def test_a_file_with_a_cadence_table_loads_outside_pytest(tmp_path):
    # issue 19: "unknown section [cadence]" when nothing had imported the cadence gate
    path = tmp_path / "canary.toml"
    path.write_text(CADENCE)
    assert outside_pytest("--path", str(path)) == {"name": "canary", "tier": "staging", "cadence": 30.0,
                                                   "features": []}


def test_every_section_model_is_listed_in_the_one_place_that_composes_them():
    listed = {field.annotation for field in EnvironmentFile.model_fields.values()}
    defined = set()
    for module in pkgutil.iter_modules(sections.__path__, "drillbook.config.sections."):
        defined |= {model for name, model in vars(importlib.import_module(module.name)).items()
                    if isinstance(model, type) and issubclass(model, Section) and not name.startswith("_")
                    and model.__module__ == module.name}
    assert defined - {sections.CosmosContainer} == listed  # a container is a table inside [cosmos]


def section_keys(kind: str) -> list[tuple[str, str]]:
    """Every (section, key) whose JSON Schema type is ``kind``."""
    schema = EnvironmentFile.model_json_schema()
    found = []
    for section, field in EnvironmentFile.model_fields.items():
        properties = schema["$defs"][field.annotation.__name__]["properties"]
        for key, prop in properties.items():
            kinds = {prop.get("type")} | {part.get("type") for part in prop.get("anyOf", ())}
            if kind in kinds:
                found.append((section, key))
    return found


@pytest.mark.parametrize("section, key", section_keys("number") + section_keys("integer"))
@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_no_number_in_the_file_may_be_nan_or_infinite(tmp_path, section, key, value):
    text = GOOD if section == "target" else GOOD + f"[{section}]\n{key} = {value}\n"
    path = tmp_path / "target.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_environment(path=path)
    assert f"[{section}] {key} = {value} is invalid -> " in str(caught.value)


@pytest.mark.parametrize("text, expected", [
    (GOOD + "[cadance]\nenforce = true\n", "unknown section [cadance] -> did you mean 'cadence'?"),
    (GOOD + "[cadence]\nmax_age_day = 30\n", "[cadence] unknown key 'max_age_day' -> did you mean 'max_age_days'?"),
    (GOOD + "[chaos]\nrto = 30\n", "[chaos] unknown key 'rto' -> did you mean 'rto_s'?"),
    (GOOD + '[dr]\nbackup_policy = "continous"\n',
     "[dr] backup_policy = 'continous' is invalid -> did you mean 'continuous'? expected one of: continuous, "
     'periodic, e.g. backup_policy = "continuous"'),
    (GOOD + '[metrics]\nsource = "azure_monitor"\n', "did you mean 'azure-monitor'?"),
])
def test_a_misspelt_section_key_or_choice_of_any_feature_suggests_the_closest(tmp_path, text, expected):
    path = tmp_path / "target.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_environment(path=path)
    assert expected in str(caught.value) and "\n" not in str(caught.value)


def secret_keys() -> list[tuple[str, str]]:
    return [(section, key) for section, field in EnvironmentFile.model_fields.items()
            for key, inner in field.annotation.model_fields.items() if is_secret(inner)]


@pytest.mark.parametrize("section, key", secret_keys())
@pytest.mark.parametrize("value", ['"hunter2-s3cret-value"', "12345678987654321", '["hunter2-s3cret-value"]'])
def test_a_secret_key_never_echoes_its_value(tmp_path, section, key, value):
    path = tmp_path / "target.toml"
    path.write_text(GOOD + f"[{section}]\n{key} = {value}\n")
    with pytest.raises(ConfigError) as caught:
        load_environment(path=path)
    message = str(caught.value)
    assert f"[{section}] {key}" in message and "(value not shown)" in message
    assert "hunter2" not in message and "1234567898" not in message


def test_secret_fields_are_the_references():
    assert set(secret_keys()) == {("auth", "admin_token"), ("cosmos", "key"), ("servicebus", "connection_string"),
                                  ("azure_load_testing", "admin_token"), ("notify", "webhook"),
                                  ("record", "connection_string")}


def test_a_section_is_typed_and_frozen():
    env = load_environment("staging")
    assert env.config.http.timeout_s == 5.0 and env.config.load.min_requests == 50  # staging.toml says 50
    assert isinstance(env.config.chaos, BaseModel)
    with pytest.raises(ValidationError, match="frozen"):
        env.config.http.timeout_s = 1.0  # type: ignore[misc]
