"""The rollback drill against the sandbox's slots: it passes, and fails on a stuck swap and a slow swap back."""

from __future__ import annotations

import json

import httpx

from drillbook.gates._config import undo_names

GATES = ("gates",)
FAST = '\n[slots]\nswap_objective_s = 1.5\nrestart_objective_s = 1.5\npoll_interval_s = 0.1\n'


def rollback_run(run_drill, env_file, *args, environ=None):
    return run_drill("-m", "rollback", f"--env-file={env_file(FAST)}", "-s", *args, paths=GATES, environ=environ)


def settings(sandbox) -> list[str]:
    return httpx.get(f"{sandbox.url}/_sandbox/settings", headers={"X-Fault-Token": sandbox.fault_token}).json()["names"]


def test_the_swap_and_the_swap_back_pass_and_leave_production_as_found(run_drill, env_file, faults, sandbox):
    result = rollback_run(run_drill, env_file)
    assert result.ret == 0, "\n".join(result.outlines[-30:])
    result.stdout.fnmatch_lines(["*production serves 1.4.2 again; no undo needed*"])
    assert faults.info()["version"] == "1.4.2"
    slots = httpx.get(f"{sandbox.url}/_sandbox/slots", headers={"X-Fault-Token": sandbox.fault_token}).json()
    assert slots["swaps"] == 2


def recovery_figures(run_drill, drill: str) -> dict:
    """A rollback drill's figures: the journal's, checked against the Allure attachment's."""
    entry = json.loads((run_drill.workdir / "reports" / "journal" / "drills.jsonl").read_text().splitlines()[-1])
    [figures] = [figures for figures in entry["chaos"].values() if figures["drill"] == drill]
    attached = [json.loads(path.read_text()) for path in run_drill.results.glob("*-attachment.json")]
    assert figures in attached
    return figures


def test_each_swap_is_timed_on_screen_in_the_attachment_and_in_the_journal(run_drill, env_file, faults):
    result = rollback_run(run_drill, env_file, "-k", "swap_and_swap_back")
    assert result.ret == 0, "\n".join(result.outlines[-30:])
    result.stdout.fnmatch_lines(["*rollback drill: swap to 1.4.1: /health flipped in *.** s (objective 1.5 s)*",
                                 "*rollback drill: swap back to 1.4.2: /health flipped in *.** s (objective 1.5 s)*"])
    figures = recovery_figures(run_drill, "slot-swap")
    assert set(figures) == {"drill", "swap_s", "swap_back_s", "time_to_recover_s", "rto_objective_s"}
    assert figures["drill"] == "slot-swap" and figures["rto_objective_s"] == 1.5
    assert 0 < figures["swap_s"] < 1.5 and 0 < figures["swap_back_s"] == figures["time_to_recover_s"] < 1.5


def test_a_swap_that_leaves_the_old_version_serving_fails(run_drill, env_file, faults):
    faults.slot_fault(stuck=True)
    result = rollback_run(run_drill, env_file)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*after the swap, /health still reports 1.4.2 (expected 1.4.1) * s later; "
                                 "objective 1.5 s*-> runbook §Rollback*"])


def test_a_swap_back_slower_than_the_objective_fails_and_production_is_restored(run_drill, env_file, faults):
    faults.slot_fault(delay_ms=2500, after_swaps=1)
    result = rollback_run(run_drill, env_file)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the swap back to 1.4.2 took 2.* s > objective 1.5 s*"])
    assert faults.info()["version"] == "1.4.2"
    assert recovery_figures(run_drill, "slot-swap")["time_to_recover_s"] > 2  # a failed drill's time is kept too


def test_an_unhealthy_slot_is_not_swapped_in(run_drill, env_file, faults):
    faults.slot_fault(unhealthy=True)
    result = rollback_run(run_drill, env_file)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*slot staging is not healthy before the swap: its /health gave HTTP 503*"])
    assert faults.info()["version"] == "1.4.2"


def test_a_refused_swap_fails_with_what_the_control_said(run_drill, env_file, faults):
    result = rollback_run(run_drill, env_file, environ={"SANDBOX_FAULT_TOKEN": "not-the-token"})
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the swap to 1.4.1 failed: POST /_sandbox/slots/swap returned 401*"
                                 "(source: http://127.0.0.1:*/_sandbox/slots/swap) -> runbook §Rollback*"])
    assert faults.info()["version"] == "1.4.2"


def test_the_drill_is_refused_on_production_without_approval(run_drill, env_file, tmp_path):
    path = env_file(FAST, tier="production", base_url="https://api.castiel.example")
    result = run_drill("-m", "rollback", f"--env-file={path}", paths=GATES)
    assert result.ret == 6
    result.stdout.fnmatch_lines(["*refused: destructive drill*"])


def test_the_configuration_change_and_revert_pass_and_leave_no_setting(run_drill, env_file, faults, sandbox):
    result = rollback_run(run_drill, env_file, "-k", "configuration")
    assert result.ret == 0, "\n".join(result.outlines[-30:])
    result.stdout.fnmatch_lines(["*rollback drill: configuration change and restart: /health healthy in * s "
                                 "(objective 1.5 s)*", "*rollback drill: configuration revert and restart: *"])
    figures = recovery_figures(run_drill, "config-rollback")
    assert figures["drill"] == "config-rollback" and figures["time_to_recover_s"] == figures["revert_s"]
    assert "DRILLBOOK_CONFIG_DRILL" not in settings(sandbox)
    assert not list((run_drill.workdir / "reports" / "journal" / "config-undo").iterdir())  # the undo went with it


def test_a_restart_that_stays_down_past_the_objective_fails_and_is_undone(run_drill, env_file, faults, sandbox):
    faults.slot_fault(restart_down_ms=2500)
    result = rollback_run(run_drill, env_file, "-k", "configuration")
    assert result.ret == 1
    result.stdout.fnmatch_lines_random([
        "*after the configuration change and restart, /health gave HTTP 503, status no status, version none "
        "for 1.* s; objective 1.5 s*-> runbook §Rollback*",
        "*rollback drill: the drill ended; removed DRILLBOOK_CONFIG_DRILL and restarted*"])
    assert "DRILLBOOK_CONFIG_DRILL" not in settings(sandbox)


def test_an_interrupted_runs_undo_is_applied_first(run_drill, env_file, faults, sandbox):
    httpx.put(f"{sandbox.url}/_sandbox/settings/DRILLBOOK_CONFIG_DRILL", json={"value": "on"},
              headers={"X-Fault-Token": sandbox.fault_token}).raise_for_status()
    journal = run_drill.workdir / "reports" / "journal"
    undo, _ = undo_names(f"{sandbox.url}/_sandbox/settings")
    (journal / undo).parent.mkdir(parents=True, exist_ok=True)
    (journal / undo).write_text('{"written": "2026-11-30T09:00:00+00:00"}')  # one without a lease: from before
    result = rollback_run(run_drill, env_file, "-k", "configuration")
    assert result.ret == 0, "\n".join(result.outlines[-30:])
    result.stdout.fnmatch_lines([f"*an interrupted run left an undo from 2026-11-30T09:00:00+00:00 (*{undo}); "
                                 "removed DRILLBOOK_CONFIG_DRILL and restarted*"])
    assert not (journal / undo).exists()
