"""The environment file's JSON Schema and its reference in docs/ are generated from the section models and kept
current; every shipped file names the schema on its first line and validates against it."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import pytest
from jsonschema import Draft7Validator

from drillbook.config.environments import ENVIRONMENTS_DIR, available_environments
from drillbook.config.reference import SCHEMA_FILE, environment_reference, environment_schema_text

REPO = ENVIRONMENTS_DIR.parent
SCHEMA = ENVIRONMENTS_DIR / SCHEMA_FILE
REFERENCE = REPO / "docs" / "environment-file.md"
REGENERATE = "-> regenerate it: python -m drillbook schema"


def validator() -> Draft7Validator:
    import json

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)


def test_the_committed_schema_is_what_the_models_say():
    assert SCHEMA.read_text(encoding="utf-8") == environment_schema_text(), \
        f"{SCHEMA.relative_to(REPO)} is stale {REGENERATE} --output {SCHEMA.relative_to(REPO)}"


def test_the_environment_file_reference_in_docs_is_what_the_models_say():
    assert REFERENCE.read_text(encoding="utf-8") == environment_reference(), \
        f"{REFERENCE.relative_to(REPO)} is stale {REGENERATE} --markdown --output {REFERENCE.relative_to(REPO)}"


@pytest.mark.parametrize("name", available_environments())
def test_every_shipped_file_names_the_schema_and_validates_against_it(name):
    path = ENVIRONMENTS_DIR / f"{name}.toml"
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"#:schema ./{SCHEMA_FILE}"  # taplo's directive, relative to the file
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator().iter_errors(tomllib.loads(text))]
    assert errors == []


@pytest.mark.parametrize("toml, where", [
    ('[target]\ntier = "staging"\nbase_url = "https://x.example"\n[htp]\ntimeout_s = 1\n', ""),
    ('[target]\ntier = "staging"\nbase_url = "https://x.example"\n[http]\ntimeout = 1\n', "http"),
    ('[target]\ntier = "stagin"\nbase_url = "https://x.example"\n', "target.tier"),
    ('[target]\ntier = "staging"\nbase_url = "https://x.example"\n[load]\nworkers = 65\n', "load.workers"),
    ('[target]\ntier = "staging"\nbase_url = "https://x.example"\n[auth]\nadmin_token = { env = "A", '
     'keyvault = "https://v", secret = "s" }\n', "auth.admin_token"),
])
def test_an_editor_flags_what_the_loader_refuses(toml, where):
    errors = list(validator().iter_errors(tomllib.loads(toml)))
    assert errors and {".".join(map(str, e.path)) for e in errors} == {where}


def test_the_schema_command_writes_the_committed_schema(tmp_path):
    output = tmp_path / SCHEMA_FILE
    done = subprocess.run([sys.executable, "-m", "drillbook", "schema", "--output", str(output)],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert output.read_text(encoding="utf-8") == SCHEMA.read_text(encoding="utf-8")


def toml_examples() -> list[tuple[str, str]]:
    """Every ```toml block of README.md and docs/*.md, named by file and number."""
    import re

    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return [(f"{page.name}#{number}", block) for page in pages
            for number, block in enumerate(re.findall(r"```toml\n(.*?)```", page.read_text(encoding="utf-8"), re.S))]


@pytest.mark.parametrize("where, block", toml_examples(), ids=[where for where, _ in toml_examples()])
def test_every_toml_example_in_the_docs_is_a_valid_file(where, block):
    from drillbook.config.schema import validate
    from drillbook.config.sections import EnvironmentFile
    from drillbook.gates._manifest import ReleaseFile

    raw = tomllib.loads(block)
    if "release" in raw:
        validate(raw, where=where, model=ReleaseFile)
    else:  # an excerpt: the sections it shows, under any target
        validate({"target": {"tier": "staging", "base_url": "https://api-staging.castiel.com"}, **raw}, where=where,
                 model=EnvironmentFile)
