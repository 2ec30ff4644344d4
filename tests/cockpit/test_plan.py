"""``drillbook plan``: the run's own rules, drill by drill, with nothing resolved and nothing contacted."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from cockpit_runs import GUARD, REPO, run_drillbook, unshare
from drillbook.config.safety import REFUSED

PRODUCTION = (REPO / "environments" / "production.toml").read_text()
SECRET_VALUES = {"AZURE_SUBSCRIPTION_ID": "sub-value-0f9e8d", "CASTIEL_STAGING_ADMIN_TOKEN": "token-value-7c6b5a",
                 "CASTIEL_STAGING_REDIS_URL": "redis-value-4d3c2b"}


def planned(*args: str, **kwargs) -> tuple[subprocess.CompletedProcess, dict]:
    done = run_drillbook("plan", "--json", *args, **kwargs)
    return done, (json.loads(done.stdout) if done.stdout else {})


def statuses(plan: dict) -> dict[str, str]:
    return {drill["nodeid"].split("::")[1]: drill["status"] for drill in plan["drills"]}


@pytest.mark.parametrize(("probe", "said"), [
    ("socket.create_connection(('203.0.113.7', 443), timeout=1)", "name lookup of '203.0.113.7'"),
    ("socket.socket().connect(('203.0.113.7', 443))", "connect to '203.0.113.7'"),
    ("socket.getaddrinfo('kv-castiel-prod.vault.azure.net', 443)", "name lookup of 'kv-castiel-prod"),
])
def test_the_socket_guard_refuses_anything_off_loopback(probe, said):
    done = subprocess.run([sys.executable, "-c", f"import socket; {probe}"], env={"PYTHONPATH": str(GUARD)},
                          capture_output=True, text=True, timeout=30)
    assert done.returncode != 0 and f"socket guard: {said}" in done.stderr, done.stderr


def test_the_socket_guard_lets_loopback_through():
    probe = "import socket; print(socket.getaddrinfo('127.0.0.1', 80)[0][4][0])"
    done = subprocess.run([sys.executable, "-c", probe], env={"PYTHONPATH": str(GUARD)}, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0 and done.stdout.strip() == "127.0.0.1", done.stderr


def test_plan_chaos_and_dr_on_production_refuses_every_drill_with_no_network():
    done = run_drillbook("plan", "-m", "chaos or dr", "--env", "production", no_network=True)
    assert done.returncode == 6, done.stdout + done.stderr  # as the run: every selected drill refused
    blocks = re.findall(r"^(\S+(?: \S+)?) +(chaos/\S+)", done.stdout, re.M)
    assert len(blocks) == 9 and {status for status, _ in blocks} == {"REFUSED"}, done.stdout
    assert done.stdout.count(f"why: {REFUSED} on production; production.toml has [safety] allow_destructive = "
                             "false") == 9
    assert "0 would run, 9 refused, 0 skipped" in done.stdout and "socket guard" not in done.stderr


def test_the_network_is_empty_where_the_plan_ran():
    if not unshare():
        pytest.skip("unshare -n is not allowed here: the socket guard alone keeps the plan off the network")
    probe = subprocess.run([*unshare(), sys.executable, "-c", "import socket; socket.create_connection(("
                            "'203.0.113.7', 443), timeout=1)"], capture_output=True, text=True, timeout=30)
    assert probe.returncode != 0 and "Network is unreachable" in probe.stderr


def test_an_approved_window_would_run_the_azure_drills_and_skip_the_sandbox_ones(tmp_path):
    allowing = tmp_path / "production-window.toml"
    allowing.write_text(PRODUCTION.replace("allow_destructive = false", "allow_destructive = true"))
    done, plan = planned("-m", "chaos", f"--env-file={allowing}", "--approve", "CHG-123", no_network=True)
    assert done.returncode == 0, done.stderr
    seen = statuses(plan)
    assert seen["test_app_stopped_is_down_until_started_and_healthy_within_the_rto"] == "would run"
    assert seen["test_redis_hang_is_reported_by_readiness"] == "skipped"
    reasons = {d["nodeid"].split("::")[1]: d["reason"] for d in plan["drills"]}
    assert reasons["test_redis_hang_is_reported_by_readiness"].startswith("redis-hang: no fault for tier production")
    stopped = next(d for d in plan["drills"] if "app_stopped" in d["nodeid"])
    assert stopped["faults"] == [{"kind": "app-service-stop", "does": "stops the App Service",
                                  "undo": "started again, then /health 200 awaited"}]
    assert "Website Contributor" in stopped["roles"]
    assert plan["expected_s"] == 4 * 70 and plan["at_most_s"] == 4 * 190  # four Azure chaos drills would run


def test_the_plan_names_secrets_and_never_their_values():
    done, plan = planned("-m", "smoke or cache or chaos", "--env", "staging", env=SECRET_VALUES, no_network=True)
    assert done.returncode == 0, done.stderr
    text = run_drillbook("plan", "-m", "smoke or cache or chaos", "--env", "staging", env=SECRET_VALUES).stdout
    for output in (done.stdout, text):
        assert not [value for value in SECRET_VALUES.values() if value in output]
    secrets = {name for drill in plan["drills"] for name in drill["secrets"]}
    assert "[redis] url (environment variable CASTIEL_STAGING_REDIS_URL)" in secrets
    assert "[auth] admin_token (environment variable CASTIEL_STAGING_ADMIN_TOKEN)" in secrets


def test_a_run_that_would_be_refused_as_a_whole_says_so_and_exits_4():
    done = run_drillbook("plan", "-m", "gate", "--env", "staging", no_network=True)
    assert done.returncode == 4, done.stdout + done.stderr
    assert ("the run would be refused before any drill starts: -m gate needs the release manifest -> pass "
            "--release release.toml") in done.stdout


def test_long_drills_the_expression_does_not_name_are_not_selected_and_said_so():
    done, plan = planned("-m", "not smoke", "--env", "staging")
    assert done.returncode == 0, done.stderr
    assert "not selected; run them with -m" in plan["note"]
    assert statuses(plan)["test_post_deploy_watch_holds_the_runbook_thresholds"] == "not selected"
    assert statuses(plan)["test_redis_memory_below_limit"] == "would run"


def test_plan_needs_an_expression():
    done = run_drillbook("plan", "--env", "production")
    assert done.returncode == 2 and "the following arguments are required: -m" in done.stderr
