"""The ``drillbook`` console command: declared in pyproject.toml, the same ``main`` as ``python -m drillbook``."""

from __future__ import annotations

import importlib
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
