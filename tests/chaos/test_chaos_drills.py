"""The chaos drills against the real sandbox: each passes, fails when the system misbehaves, and always reverts."""

from __future__ import annotations

import json
import os
import signal
import threading

import httpx
import pytest

from chaos_runs import WAIT_S, chaos_env, process_state, start_drill, wait_for

LYING_READY = {"status": "ready", "dependencies": {name: {"status": "up"} for name in ("redis", "cosmos",
                                                                                        "embedding_queue")}}


def answers(sandbox) -> bool:
    try:
        return httpx.get(f"{sandbox.url}/health/live", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_the_short_profile_passes_every_chaos_and_dr_drill_and_records_its_recovery(run_drill, faults):
    # the shipped local environment, as a newcomer runs it: only the profile is asked for
    result = run_drill("-m", "chaos or dr", "--env=local", "--drill-profile=short", paths=("chaos",))
    assert result.ret == 0, "\n".join(result.outlines[-30:])
    result.stdout.fnmatch_lines(["*dr: restore verified in * s (RTO * s), data loss 0.0 s*",
                                 "*chaos redis-outage: steady state: a 3 s window at 24 probe rps (drill profile short)*",
                                 "*redis-outage: inject: sandbox redis stop*",
                                 "*redis-outage: revert: sandbox redis start: running*",
                                 "*redis-outage: recovered in * s since the revert (RTO 120 s)*",
                                 "*service-down: recovered in * s since the injection (RTO 120 s)*",
                                 "*7 passed, 2 skipped*"])
    result.stdout.fnmatch_lines([  # the sandbox has no Azure Monitor: it says when the runbook's rules would fire
        "*chaos cosmos-outage: alerts: Azure Monitor alerts were not checked: the sandbox has no Azure Monitor; "
        "drillbook's own rules on the sandbox's metrics:",
        "*cosmos-outage:   api_error_rate (API error rate > 5 %, its 300 s window compressed to 2 s) would have fired "
        "* s after the fault started: * % at the first breach",
        "*chaos cosmos-latency:   api_p95 (Response time p95 > 1000 ms, its 600 s window compressed to 2 s) would have "
        "fired * s after the fault started: * ms at the first breach"])
    entry = json.loads((run_drill.workdir / "reports/journal/drills.jsonl").read_text().splitlines()[-1])
    alerts = {figures["drill"]: figures.get("alerts") for figures in entry["chaos"].values()}
    assert alerts["cosmos-outage"]["checked"] == "not checked (sandbox)"
    assert alerts["cosmos-outage"]["rules"][0]["would_fire_after_s"] >= 2
    assert alerts["redis-outage"]["checked"] == "none expected" and alerts["redis-outage"]["why"]
    recoveries = {figures["drill"]: figures["time_to_recover_s"] for figures in entry["chaos"].values()}
    assert sorted(recoveries) == ["backup-restore", "cosmos-latency", "cosmos-outage", "redis-hang", "redis-outage",
                                  "service-down", "worker-stall"]
    assert all(0 <= seconds <= 120 for seconds in recoveries.values())
    assert recoveries["service-down"] >= 2  # the API was down for the short profile's restart_down_s
    results = [p.read_text() for p in run_drill.results.glob("*-result.json")]
    ran = [text for text in results if json.loads(text)["status"] != "skipped"]  # the Azure-only drills skip here
    assert len(ran) == 7 and all("probes over the drill" in text and "chaos drill record" in text for text in ran
                                 if "backup/restore record" not in text)
    assert any('"alerts of cosmos-outage: not checked (sandbox)"' in text and "expected alerts" in text
               for text in ran)  # the Allure step with the rules' timing


def test_readiness_that_lies_fails_the_redis_outage_drill(run_drill, faults, env_file):
    faults.inject("/health/ready", status=200, body=LYING_READY, ttl_s=300)
    result = run_drill("-m", "chaos", "-k", "redis_outage", "--drill-profile=short", chaos_env(env_file),
                       paths=("chaos",))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*/health/ready reports redis down: never held in * looks; first: GET /health/ready "
                                 "answered 200, down: none*-> runbook §Dependency readiness*"])
    result.stdout.fnmatch_lines(["*revert: sandbox redis start: running*"])
    assert faults.info()["dependencies"]["redis"] == "running"


def test_recovery_slower_than_the_rto_fails_the_drill(run_drill, faults, env_file):
    def slow_recovery():  # once Redis is down, readiness keeps failing for longer than the RTO
        if wait_for(lambda: faults.info()["dependencies"]["redis"] == "stopped"):
            faults.inject("/health/ready", status=503, ttl_s=30)

    helper = threading.Thread(target=slow_recovery, daemon=True)
    helper.start()
    result = run_drill("-m", "chaos", "-k", "redis_outage", "--drill-profile=short",
                       chaos_env(env_file, extra="drill_rto_s = { redis-outage = 2 }\n"), paths=("chaos",))
    helper.join(WAIT_S)
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*steady state back within the RTO of 2 s: not back after * s: "
                                 "GET /health/ready answers 200 with every dependency up: answered 503*"
                                 "-> runbook §Recovery objectives*"])


def test_a_restart_slower_than_the_rto_fails_the_service_down_drill(run_drill, sandbox, faults, env_file):
    slow = chaos_env(env_file, extra="drill_rto_s = { service-down = 1 }\n", down_s=4)
    result = run_drill("-m", "chaos", "-k", "service_down", slow, paths=("chaos",))
    assert wait_for(lambda: answers(sandbox)), "the sandbox did not come back after its restart"
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*steady state back within the RTO of 1 s: not back after * s: GET /health answers "
                                 "200: no answer*(over * s since the injection, *-> runbook §Recovery objectives*"])


def test_steady_state_failure_injects_nothing(run_drill, faults, env_file):
    faults.inject("/health", status=503, ttl_s=300)
    result = run_drill("-m", "chaos", "-k", "redis_outage", chaos_env(env_file), paths=("chaos",))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*steady state does not hold before the fault, so sandbox redis stop was not "
                                 "injected:*", "*GET /health answers 200: answered 503*"])
    assert "inject:" not in result.stdout.str()
    assert not (run_drill.workdir / "reports/journal/undo.jsonl").exists()


def planned_pid(run_drill) -> int | None:
    """The pid the drill's undo journal says it stopped (written before the SIGSTOP)."""
    try:
        lines = (run_drill.workdir / "reports/journal/undo.jsonl").read_text().splitlines()
    except FileNotFoundError:
        return None
    return next((json.loads(line)["undo"].get("pid") for line in lines if '"planned"' in line), None)


def test_sigint_mid_fault_sends_sigcont_and_exits_interrupted(run_drill, faults, env_file):
    proc = start_drill(run_drill, env_file, "redis_hang")
    try:
        assert wait_for(lambda: (pid := planned_pid(run_drill)) and process_state(pid) == "T")
        pid = planned_pid(run_drill)
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=WAIT_S)
    finally:
        proc.kill()
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, output
    assert f"revert: SIGCONT to redis pid {pid}" in output
    assert process_state(pid) in "SR"
    # one line says so; no pointer into the code the signal happened to land in
    assert "KeyboardInterrupt" not in output and "interrupts.py" not in output and "--full-trace" not in output, output
    [banner] = [line for line in output.splitlines() if line.startswith("!")]
    assert " Interrupted: Ctrl-C: the run stopped and ends as interrupted (exit code 2) " in banner, output


def test_sigterm_mid_fault_restarts_the_dependency_and_exits_interrupted(run_drill, faults, env_file):
    proc = start_drill(run_drill, env_file, "redis_outage")
    try:
        assert wait_for(lambda: faults.info()["dependencies"]["redis"] == "stopped")
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=WAIT_S)
    finally:
        proc.kill()
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, output
    assert "revert: sandbox redis start: running" in output
    assert faults.info()["dependencies"]["redis"] == "running"


def test_sigkill_mid_fault_is_replayed_by_the_next_run(run_drill, faults, env_file):
    proc = start_drill(run_drill, env_file, "redis_hang")
    pid = None
    try:
        assert wait_for(lambda: (pid := planned_pid(run_drill)) and process_state(pid) == "T")
        pid = planned_pid(run_drill)
        proc.kill()
        proc.communicate(timeout=WAIT_S)
        assert process_state(pid) == "T"  # nobody reverted it: the drill died with the fault applied
        result = run_drill("-k", "test_live_returns_200", paths=("checks/test_health.py",))
        resumed = wait_for(lambda: process_state(pid) in "SR")  # before the safety net below
    finally:
        if pid:
            os.kill(pid, signal.SIGCONT)  # never leave the session's Redis stopped, whatever failed above
    assert result.ret == 0 and resumed
    result.stdout.fnmatch_lines([f"drillbook: reverted leftover fault SIGSTOP to the sandbox's redis process "
                                 f"(pid {pid}) left by * on * (run *, drill chaos redis-hang) since * (its lease "
                                 f"expired, nobody renews it): SIGCONT to redis pid {pid}"])


def test_chaos_drills_are_refused_on_production_without_approval(run_drill, env_file):
    production = env_file(tier="production", base_url="https://127.0.0.1:9")  # never contacted: refused first
    result = run_drill("-m", "chaos", f"--env-file={production}", paths=("chaos",))
    assert result.ret == 6
    result.stdout.fnmatch_lines(["drillbook: every selected drill was refused (8 of 8), exit status 6: refused: "
                                 "destructive drill on production without approval -> pass --approve CHG-123*"])


def test_a_bad_rto_is_one_line_naming_the_key(run_drill, env_file):
    path = env_file("[chaos]\ndrill_rto_s = { redis-outage = -3 }\n")
    result = run_drill("-m", "chaos", f"--env-file={path}", paths=("chaos",))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*[[]chaos[]] drill_rto_s = {'redis-outage': -3} is invalid -> expected a number "
                                 ">= 0, e.g. drill_rto_s = { redis-outage = 30 }"])


def test_a_fault_control_that_refuses_is_one_line_and_the_undo_waits_for_the_next_run(run_drill, faults, env_file):
    result = run_drill("-m", "chaos", "-k", "redis_outage", chaos_env(env_file), paths=("chaos",),
                       environ={"SANDBOX_FAULT_TOKEN": "not-the-token"})
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*redis-outage: sandbox redis stop: sandbox: POST /_sandbox/dependencies/redis/stop "
                                 "returned 401*; then revert failed: start sandbox redis: sandbox: POST "
                                 "/_sandbox/dependencies/redis/start returned 401*(the next drillbook run replays it)"])
    assert faults.info()["dependencies"]["redis"] == "running"  # refused: never stopped
    replay = run_drill("-k", "test_live_returns_200", paths=("checks/test_health.py",))
    replay.stdout.fnmatch_lines(["drillbook: reverted leftover fault sandbox redis stop left by * (its lease released, "
                                 "nobody renews it): sandbox redis start: running"])


def test_latency_the_rules_do_not_notice_fails_the_latency_drill(run_drill, faults, env_file):
    blind = "api_p95 = 5000\nslow_endpoint = 5000\n"  # limits above the injected 1.5 s
    result = run_drill("-m", "chaos", "-k", "latency", chaos_env(env_file, thresholds=blind), paths=("chaos",))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the p95 alert notices the latency: Response time p95 * ms: pass against > 5000 ms "
                                 "(expected a breach)*"])
    assert faults.faults() == []  # reverted after the failure


def test_a_backlog_the_queue_limit_does_not_notice_fails_the_worker_stall_drill(run_drill, faults, env_file):
    # 10 jobs pile up while the worker is stalled, but a limit of 5000 never sees them: the check must fire.
    result = run_drill("-m", "chaos", "-k", "worker_stall", chaos_env(env_file, queue_limit=5000), paths=("chaos",))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*the queue check fires on the backlog: never held in * looks; first: queue depth * "
                                 "(+* enqueued while stalled) against > 5000 messages*-> runbook §Queue backlog*"])
    result.stdout.fnmatch_lines(["*worker-stall: revert: sandbox embedding worker resumed*"])
    assert faults.info()["worker"] == "running"
