"""The ``drillbook`` console command: declared in pyproject.toml, the same ``main`` as ``python -m drillbook``."""

from __future__ import annotations

import importlib
import os
import tomllib

from cockpit_runs import REPO, run_drillbook
from drillbook import __main__ as command

COMMANDS = ["list", "plan", "options", "journal", "report", "schema"]


def test_the_console_script_is_declared_and_resolves_to_python_m_drillbooks_main():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, _, function = scripts["drillbook"].partition(":")
    assert getattr(importlib.import_module(module), function) is command.main


def test_help_lists_every_command():
    done = run_drillbook("--help")
    assert done.returncode == 0 and done.stdout.startswith("usage: drillbook ")
    listed = [line.split()[0] for line in done.stdout.split("  COMMAND\n", 1)[1].splitlines()
              if line.startswith("    ") and not line.startswith("     ")]
    assert listed == COMMANDS


def test_the_record_commands_work_as_before(tmp_path):
    done = run_drillbook("journal", "status", "--journal-dir", str(tmp_path))
    assert done.returncode == 3 and "journal status: no journal at" in done.stderr
    assert run_drillbook("schema").stdout.startswith("{")


IDENTITY = ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE",
            "IDENTITY_ENDPOINT", "MSI_ENDPOINT")


def verify_staging(**identity: str):
    """``journal verify --env staging`` (its [record] is the shared blob store) with no network."""
    environ = {name: value for name, value in os.environ.items() if name not in IDENTITY}
    return run_drillbook("journal", "verify", "--env", "staging", no_network=True, env={**environ, **identity},
                         inherit=False, timeout=60)


def test_a_store_without_a_token_is_one_line_not_the_sdks_list_of_credentials():
    done = verify_staging()
    assert done.returncode == 4, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # DefaultAzureCredential's own dozen lines stay out
    assert lines[0].startswith("journal verify: store azure blob https://stcastieldrills.blob.core.windows.net, "
                               "container drillbook-record: "), lines[0]
    assert " -> " in lines[0]


def test_an_identity_variable_set_but_empty_is_one_line_naming_it_not_a_traceback():
    # a pipeline whose secrets were missing: its step sets AZURE_CLIENT_ID: ${{ secrets.X }} and the like to ""
    done = verify_staging(AZURE_CLIENT_ID="", AZURE_TENANT_ID="", AZURE_CLIENT_SECRET="")
    assert done.returncode == 4, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert lines[0].startswith("journal verify: staging.toml: [record] store "
                               "https://stcastieldrills.blob.core.windows.net: DefaultAzureCredential cannot be "
                               "built: "), lines[0]
    assert "(AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_CLIENT_SECRET): an empty one counts as set" in lines[0]
