"""ARCHITECTURE.md's layers hold: lint-imports passes on src/, and fails on an upward import planted in a copy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINT = str(Path(sys.executable).with_name("lint-imports"))


def lint(config: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT, "--no-cache", "--no-logo", str(config)], cwd=config.parent, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(pythonpath)})


def test_the_import_contracts_hold():
    done = lint(REPO / "pyproject.toml", REPO / "src")
    assert done.returncode == 0, done.stdout[-4000:]
    assert "0 broken" in done.stdout


def test_an_upward_import_planted_in_a_copy_is_named(tmp_path):
    """The rules engine importing the plugin breaks two contracts, and the report names the import."""
    shutil.copytree(REPO / "src" / "drillbook", tmp_path / "src" / "drillbook",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "src" / "drillbook" / "rules" / "_planted.py").write_text("from drillbook import plugin\n")
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    done = lint(tmp_path / "pyproject.toml", tmp_path / "src")
    assert done.returncode == 1, done.stdout[-4000:]
    assert "drillbook.rules._planted -> drillbook.plugin" in done.stdout
    assert "The rules engine imports nothing of drillbook's BROKEN" in done.stdout
