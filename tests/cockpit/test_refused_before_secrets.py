"""A refused drill is reported refused on a machine that cannot reach Key Vault: the guard runs before any secret.

A real ``pytest -m chaos`` run on production whose admin token lives in a vault that cannot answer (a closed
loopback port; the run itself under ``unshare -n`` and the socket guard where this machine allows).
"""

from __future__ import annotations

import os
import subprocess
import sys

from cockpit_runs import GUARD, REPO, unshare
from pytest_runs import scratch_repository

UNREACHABLE_VAULT = '{ keyvault = "https://127.0.0.1:9", secret = "castiel-admin-token" }'


def production_file(tmp_path, *, allow: bool):
    text = (REPO / "environments" / "production.toml").read_text()
    text = text.replace('{ keyvault = "https://kv-castiel-prod.vault.azure.net", secret = "castiel-admin-token" }',
                        UNREACHABLE_VAULT)
    # the record stays on this machine's disk: the shared store's sign-in is not what these runs are about
    text = text.replace('store = "blob"', 'store = "local"')
    if allow:
        text = text.replace("allow_destructive = false", "allow_destructive = true")
    path = tmp_path / "production-unreachable-vault.toml"
    path.write_text(text)
    return path


def run_chaos(tmp_path, env_file, *extra: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "DRILLBOOK_RUN_DIR",
                                                               "AZURE_SUBSCRIPTION_ID")}
    environ["PYTHONPATH"] = os.pathsep.join([str(GUARD), environ.get("PYTHONPATH", "")])
    workdir = scratch_repository(REPO, tmp_path / "repo")
    argv = [*unshare(), sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-m", "chaos or dr",
            f"--env-file={env_file}", *extra]
    return subprocess.run(argv, cwd=workdir, env=environ, capture_output=True, text=True, timeout=120)


def test_chaos_on_production_is_refused_not_a_secret_error_when_the_vault_cannot_answer(tmp_path):
    (tmp_path / "repo").mkdir()
    done = run_chaos(tmp_path, production_file(tmp_path, allow=False))
    assert done.returncode == 6, done.stdout + done.stderr  # every selected drill refused
    assert "drillbook: every selected drill was refused (9 of 9)" in done.stdout
    assert "9 skipped" in done.stdout
    assert "SKIPPED [9]" in done.stdout and ": refused: destructive drill on production" in done.stdout  # -rs groups
    assert "Key Vault" not in done.stdout + done.stderr and "socket guard" not in done.stdout + done.stderr


def test_the_same_run_approved_does_reach_for_the_vault_and_stops_on_it(tmp_path):
    # the control: once the guard lets the drills through, the unreachable vault is what stops the run
    (tmp_path / "repo").mkdir()
    done = run_chaos(tmp_path, production_file(tmp_path, allow=True), "--approve", "CHG-123")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "[auth] admin_token: cannot read Key Vault secret 'castiel-admin-token' in https://127.0.0.1:9" in \
        done.stdout + done.stderr


def test_a_run_mixing_refused_drills_with_drills_that_need_the_vault_reports_the_refusals_first(tmp_path):
    (tmp_path / "repo").mkdir()
    done = run_chaos(tmp_path, production_file(tmp_path, allow=False), "-m", "health or chaos")
    assert done.returncode == 4, done.stdout + done.stderr  # the vault stops the health drills
    assert "SKIPPED [8]" in done.stdout and ": refused: destructive drill on production" in done.stdout
    assert "drillbook: 8 drills refused before the run stopped: refused: destructive drill" in done.stdout
    assert "[auth] admin_token: cannot read Key Vault secret" in done.stdout + done.stderr
