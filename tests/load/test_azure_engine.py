"""Azure Load Testing as the load engine: the real SDK clients against recorded runs on loopback, judged by drillbook."""

from __future__ import annotations

import time

import pytest

pytest.importorskip("azure.developer.loadtesting", reason="azure-developer-loadtesting is not installed (pyproject)")

from loopback import FakeCredential, LoopbackTransport, loopback_only  # noqa: E402,F401 - the guard applies here
from recorded_load_testing import RecordedLoadTesting  # noqa: E402

from drillbook import runbook  # noqa: E402
from drillbook.config.environments import load_environment  # noqa: E402
from drillbook.errors import ConfigError, TargetError  # noqa: E402
from drillbook.load import journal_line, run_load_drill, verdict_message  # noqa: E402
from drillbook.load._azure_client import API_VERSION  # noqa: E402
from drillbook.load._azure_engine import run_azure_load  # noqa: E402
from drillbook.load._azure_report import azure_lines  # noqa: E402
from drillbook.load._run import Target  # noqa: E402
from drillbook.load._settings import LoadOptions, settings_from  # noqa: E402

HOST = "alt-castiel.westeurope.cnt-prod.loadtesting.azure.com"
TEST = "/tests/drillbook-castiel-load"
AZURE_ENV = """
[load]
engine = "azure"
users = 40
spawn_rate = 4
duration_s = {duration}
interval_s = 5
window_s = 10
min_requests = 20
[azure_load_testing]
endpoint = "https://{host}"
engine_instances = 2
admin_token = {{ keyvault = "https://kv-castiel-staging.vault.azure.net", secret = "castiel-admin-token" }}
poll_interval_s = 0.05
max_wait_s = {max_wait}
call_timeout_s = 3
"""


@pytest.fixture
def azure_env(env_file):
    """``azure_env(duration=60, max_wait=30, tier="staging")``: an environment whose load runs on Azure, and its settings."""
    def make(*, duration: float = 60, max_wait: float = 30, tier: str = "staging"):
        base_url = "https://api-staging.castiel.invalid" if tier != "local" else "sandbox"
        env = load_environment(path=env_file(AZURE_ENV.format(duration=duration, max_wait=max_wait, host=HOST),
                                             tier=tier, base_url=base_url))
        return env, settings_from(LoadOptions(None, None, None, None, None, None), env.config.load,
                                  allow_inconclusive=False, azure=env.config.azure_load_testing)
    return make


@pytest.fixture
def azure_drill(azure_env, tmp_path):
    """``azure_drill(alt, ...)``: the Azure engine's run against a recorded service; ``run.lines`` is what it showed."""
    def run(alt, *, duration: float = 60, max_wait: float = 30, show=None, transport=None):
        env, settings = azure_env(duration=duration, max_wait=max_wait)
        lines: list[str] = []
        result = run_azure_load(settings, Target(env.base_url), runbook.threshold, tmp_path, show or lines.append,
                                credential=FakeCredential(), transport=transport or alt.transport())
        result.lines = lines
        return result
    return run


def test_a_healthy_azure_run_passes_on_drillbooks_rules_and_records_azures_result(azure_drill):
    with RecordedLoadTesting("alt_healthy") as alt:
        run = azure_drill(alt)
    assert verdict_message(run) is None and run.status == "pass"
    assert [m.split("/drillbook-2")[0] for m in alt.methods()] == [
        f"PATCH {TEST}", f"PUT {TEST}/files/castiel.py", f"GET {TEST}/files/castiel.py", "PATCH /test-runs",
        "GET /test-runs", "GET /test-runs", "GET /test-runs", "GET /test-runs", "GET /test-runs", "POST /test-runs",
        "POST /test-runs", "POST /test-runs"], "no stop request for a run that finished"
    assert {(s.cloud_host, s.query.get("api-version"), s.authorization) for s in alt.seen} == {
        (HOST, API_VERSION, f"Bearer {FakeCredential.TOKEN}")}
    assert alt.seen[1].query["fileType"] == "TEST_SCRIPT"
    line = journal_line(run)
    assert line.startswith("load pass: 1 stage (40 users 60 s) on 2 Azure Load Testing engine instances; ")
    assert "; ran 60 s; Azure Load Testing run drillbook-" in line and line.endswith("Azure's own result PASSED")
    assert any(text.startswith("azure load ") and "| EXECUTING | 40 users | 2 engine instances |" in text
               for text in run.lines), run.lines


def test_the_test_is_created_as_locust_with_the_runbooks_rules_and_the_token_by_reference(azure_drill):
    with RecordedLoadTesting("alt_healthy") as alt:
        azure_drill(alt)
    body = alt.seen[0].json()
    assert body["kind"] == "Locust" and body["loadTestConfiguration"] == {"engineInstances": 2}
    assert body["environmentVariables"] == {"LOCUST_HOST": "https://api-staging.castiel.invalid", "LOCUST_USERS": "40",
                                            "LOCUST_SPAWN_RATE": "4", "LOCUST_RUN_TIME": "60s"}
    criteria = sorted((c.get("requestName", ""), c["clientMetric"], c["aggregate"], c["condition"], c["value"])
                      for c in body["passFailCriteria"]["passFailMetrics"].values())
    assert criteria == [("", "error", "percentage", ">", 5), ("", "response_time_ms", "p95", ">", 1000),
                        ("/api/admin/cache/stats", "response_time_ms", "p95", ">", 500),
                        ("/api/shards", "response_time_ms", "p95", ">", 500),
                        ("/api/shards/{id}", "response_time_ms", "p95", ">", 500)]
    assert body["autoStopCriteria"] == {"autoStopDisabled": False, "errorRate": 5, "errorRateTimeWindowInSeconds": 10}
    assert body["secrets"] == {"CASTIEL_ADMIN_TOKEN": {
        "type": "AKV_SECRET_URI", "value": "https://kv-castiel-staging.vault.azure.net/secrets/castiel-admin-token"}}


def test_a_slow_route_fails_p95_naming_value_limit_window_and_the_azure_run(azure_drill):
    with RecordedLoadTesting("alt_slow_shards") as alt:
        run = azure_drill(alt)
    message = verdict_message(run)
    assert run.status == "fail", message
    run_id = run.azure.run_id
    assert "slow_endpoint on /api/shards/{id} 1480 ms > 500 ms over 10 s window ending 2026-11-30T18:00:20Z" \
           in message, message
    assert f"(source: Azure Load Testing run {run_id}, 40 users on 2 Azure Load Testing engine instances) " \
           "-> runbook §Slow response times: " in message, message
    assert "api_p95 1480 ms > 1000 ms over 10 s window" in message, message
    assert "Azure's own result: FAILED (its criteria over the whole run); drillbook: fail" in message


def test_azure_passing_a_run_whose_windows_breach_still_fails_and_says_they_disagree(azure_drill):
    with RecordedLoadTesting("alt_error_burst") as alt:  # 4 % errors over the run, 25 % in two grains
        run = azure_drill(alt)
    message = verdict_message(run)
    assert run.status == "fail" and run.azure.test_result == "PASSED"
    assert "api_error_rate 12 % > 5 % over 10 s window ending 2026-11-30T18:00:30Z" in message, message
    assert "Azure's own result: PASSED (its criteria over the whole run); drillbook: fail (sliding windows) " \
           "-> they disagree; drillbook's verdict stands" in message, message


def test_azure_failing_a_run_that_drillbook_passes_is_recorded_beside_the_pass(azure_drill):
    with RecordedLoadTesting("alt_healthy") as alt:
        alt.override_run(testResult="FAILED")
        run = azure_drill(alt)
    assert run.status == "pass" and verdict_message(run) is None
    assert any("Azure's own result: FAILED (its criteria over the whole run); drillbook: pass (sliding windows) "
               "-> they disagree" in line for line in azure_lines(run)), azure_lines(run)


def test_too_few_requests_on_azure_are_inconclusive_not_a_pass(azure_drill):
    with RecordedLoadTesting("alt_too_few") as alt:
        run = azure_drill(alt)
    message = verdict_message(run)
    assert run.status == "inconclusive", message
    assert "no data is not a pass" in message
    assert "api_error_rate inconclusive: no complete 10 s window had ≥ 20 requests" in message, message


def test_a_run_with_no_metrics_is_inconclusive_with_the_reason(azure_drill):
    with RecordedLoadTesting("alt_no_requests") as alt:
        run = azure_drill(alt)
    message = verdict_message(run)
    assert run.status == "inconclusive" and run.judge is None
    assert f"Azure reported no requests for run {run.azure.run_id}" in message, message
    assert "no interval reached drillbook: Azure never reported a request" in message


def test_a_run_that_never_finishes_is_stopped_at_the_bound_and_inconclusive(azure_drill):
    started = time.monotonic()
    with RecordedLoadTesting("alt_no_requests") as alt:
        alt.never_finish()
        run = azure_drill(alt, duration=1, max_wait=1)
    assert time.monotonic() - started < 20, "the wait is bounded by the shape and max_wait_s"
    assert f"POST /test-runs/{run.azure.run_id}:stop" in alt.methods(), alt.methods()
    assert run.azure.cancel_sent and run.status == "inconclusive"
    assert f"run {run.azure.run_id} did not finish within 2 s (a 1 s shape and [azure_load_testing] max_wait_s 1); " \
           "it was stopped" in verdict_message(run)


def test_ctrl_c_while_following_the_run_stops_it_on_azure(azure_drill):
    def interrupt(line: str) -> None:
        if line.startswith("azure load "):
            raise KeyboardInterrupt

    with RecordedLoadTesting("alt_healthy") as alt:
        alt.never_finish()
        with pytest.raises(KeyboardInterrupt):
            azure_drill(alt, show=interrupt)
    stops = [m for m in alt.methods() if m.endswith(":stop")]
    assert stops and stops[0].startswith("POST /test-runs/drillbook-"), alt.methods()


@pytest.mark.parametrize(("status", "code", "expected"), [
    (401, "InvalidAuthenticationToken", "azure load testing: token refused (401 InvalidAuthenticationToken) creating or "
     f"updating test drillbook-castiel-load on https://{HOST} -> sign in to the resource's tenant with az login"),
    (403, "AuthorizationFailed", "azure load testing: permission denied (403 AuthorizationFailed) creating or updating "
     f"test drillbook-castiel-load on https://{HOST} -> grant Load Test Contributor on the Azure Load Testing "
     "resource to the identity drillbook signs in as"),
])
def test_a_refused_identity_is_one_line_with_the_fix(azure_drill, status, code, expected):
    with RecordedLoadTesting("alt_healthy") as alt:
        alt.fail("test", status, code)
        with pytest.raises(TargetError) as error:
            azure_drill(alt)
    assert str(error.value).startswith(expected), str(error.value)
    assert "\n" not in str(error.value) and FakeCredential.TOKEN not in str(error.value)
    assert not any(m.startswith("PATCH /test-runs") for m in alt.methods()), "no run starts after a refusal"


def test_an_unreachable_endpoint_is_one_line_in_bounded_time(azure_drill):
    with RecordedLoadTesting("alt_healthy") as alt:
        closed = alt.port
    started = time.monotonic()
    with pytest.raises(TargetError) as error:
        azure_drill(alt, transport=LoopbackTransport(closed))
    assert time.monotonic() - started < 15
    assert str(error.value).startswith(
        f"azure load testing: unreachable (ServiceRequestError) creating or updating test drillbook-castiel-load on "
        f"https://{HOST} -> check [azure_load_testing] endpoint"), str(error.value)


def test_the_drill_shows_azures_run_its_table_and_the_verdict_on_its_engines(azure_env):
    env, settings = azure_env()
    lines: list[str] = []
    with RecordedLoadTesting("alt_slow_shards") as alt:
        run = run_load_drill(env, settings, runbook.threshold, lines.append, credential=FakeCredential(),
                             transport=alt.transport())
    shown = "\n".join(lines)
    assert lines[0] == ("load: 1 stage (40 users 60 s) on 2 Azure Load Testing engine instances against drill-env "
                        f"(https://api-staging.castiel.invalid), castiel.py, on Azure Load Testing (https://{HOST}); "
                        "Azure's auto-stop is the early abort")
    assert f"load: Azure run {run.azure.run_id} of test drillbook-castiel-load: DONE\n" in shown
    assert "load: /api/shards/{id}                        732    0.0%     688    1300    1530    1989" in shown
    assert "load:         fail  slow_endpoint on /api/shards/{id} 1480 ms > 500 ms over 10 s window" in shown
    assert "load: verdict fail at " in shown and "after 60 s, 2 Azure Load Testing engine instances" in shown


def test_azures_auto_stop_is_the_early_abort_and_the_failure_says_so(azure_drill):
    with RecordedLoadTesting("alt_error_burst") as alt:
        alt.override_run(status="CANCELLED", errorDetails=[{"message": "auto-stop: error percentage above 5 % "
                                                                       "for 10 s"}])
        run = azure_drill(alt)
    assert run.status == "fail" and not run.azure.cancel_sent
    assert verdict_message(run).startswith("load drill failed after 60 s of 60 s (Azure ended the run CANCELLED: "
                                           "auto-stop: error percentage above 5 % for 10 s)")


def test_the_azure_engine_is_refused_on_the_local_tier(azure_env):
    env, settings = azure_env(tier="local")
    with pytest.raises(ConfigError) as error:
        run_load_drill(env, settings, runbook.threshold, print, credential=FakeCredential())
    assert str(error.value) == ("drill-env.toml: [load] engine = \"azure\" loads the target from Azure's machines, "
                                "and the local tier reaches only loopback -> run the azure engine against a staging "
                                "environment, or locust here")


def test_a_locustfile_azure_refuses_is_one_line_and_no_run_starts(azure_drill):
    with RecordedLoadTesting("alt_healthy") as alt:
        alt.validation = {"validationStatus": "VALIDATION_FAILURE",
                          "validationFailureDetails": "ModuleNotFoundError: No module named 'castiel_helpers'"}
        with pytest.raises(TargetError) as error:
            azure_drill(alt)
    assert str(error.value) == ("azure load testing: castiel.py was not accepted for test drillbook-castiel-load "
                                "(ModuleNotFoundError: No module named 'castiel_helpers') -> run it with plain locust "
                                "first: locust -f castiel.py")
    assert not any(m.startswith("PATCH /test-runs") for m in alt.methods())
