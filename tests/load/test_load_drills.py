"""The load drill against the sandbox: a healthy run passes, a slow route and errors fail, and early."""

import json
import re

from load_drill import LOAD, PATHS


def failed_after(result) -> float:
    match = re.search(r"load drill failed after (\d+) s of", result.stdout.str())
    assert match, result.stdout.str()
    return float(match.group(1))


def test_a_healthy_sandbox_passes_and_attaches_locusts_own_stats(run_drill, faults, registry):
    result = run_drill(*LOAD, "--load-duration", "12s", paths=PATHS)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*windows compressed for a short drill: api_error_rate 300 s -> 6 s, api_p95 600 s -> 6 s*",
        "load 00:*/00:12 | * users | * rps | p50 * ms | p95 * ms (server * ms) | errors * %",
        "*pass  api_p95 pass: worst * ms (breach > 1000 ms) over 6 s window*",
        "*pass  api_p95 server-side pass: worst * ms (breach > 1000 ms) over 6 s window*",
        "*GET /api/shards/{id} *",
        "*p95 over the run: client * ms, server * ms*",
        "*generator: busiest cpu * on locust (pid *) at *Z, never above 90 %*",
        "*load: verdict pass at ????-??-??T??:??:??.???Z after * s, 1 locust process(es) reporting",
    ])
    assert "generator saturated" not in result.stdout.str(), "a healthy generator is noted as such, not saturated"
    attached = "\n".join(p.read_text(errors="replace") for p in run_drill.results.glob("*-result.json"))
    for name in ("locust.json", "locust_stats.csv", "load drill"):
        assert f'"name": "{name}"' in attached, name
    assert not list(registry.glob("group-*.json")), "a finished drill forgets its locust group"


def test_latency_on_the_shard_route_fails_p95_and_names_the_route(run_drill, faults):
    faults.inject("/api/shards/{id}", latency_ms=1500)
    result = run_drill(*LOAD, "--load-duration", "30s", paths=PATHS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*slow_endpoint on GET /api/shards/{id} * ms > 500 ms over 6 s window ending *"
        "(source: locust client-side, 8 users on one locust process) -> runbook §Slow response times: *",
        "*slow_endpoint on GET /api/shards/{id} server-side * ms > 500 ms over 6 s window ending *"
        "(source: scrape http://127.0.0.1:*/metrics) -> runbook §Slow response times: *",
    ])


def test_errors_fail_the_error_rule_and_stop_the_load_early(run_drill, faults, tmp_path):
    faults.inject("/api/shards/{id}", error_rate=0.25, status=500)
    result = run_drill(*LOAD, "--load-duration", "60s", f"--journal-dir={tmp_path / 'journal'}", paths=PATHS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*stopped the load after * s of 60 s: * failed at its first complete window*",
        "*api_error_rate * % > 5 % over 6 s window ending *(source: locust client-side*"
        "-> runbook §High error rate: *",
        "*errors seen: * x * /api/shards/{id}: *500*",
    ])
    assert failed_after(result) <= 6 + 2 + 3 + 6  # window + interval + settle, and slack for a busy machine; not 60
    attached = "\n".join(p.read_text(errors="replace") for p in run_drill.results.glob("*-result.json"))
    assert '"name": "locust.json"' in attached, "locust writes its stats when stopped early too"
    entry = json.loads((tmp_path / "journal" / "drills.jsonl").read_text().splitlines()[-1])
    [record] = entry["records"].values()
    assert record.startswith("load fail: 1 stage (8 users 60 s) on one locust process; windows compressed for a "
                             "short drill: api_error_rate 300 s -> 6 s, "), record
    assert "; stopped the load after " in record, record
    result.stdout.fnmatch_lines([
        "*load: alerts: Azure Monitor alerts were not checked: the sandbox has no Azure Monitor; the runbook's alert "
        "rules on the load's own metrics:",
        "*load:   api_error_rate (window 6 s) would have fired * s after the load started: api_error_rate * % > 5 %*",
    ])
    [alerts] = [figures["alerts"] for figures in entry["load"].values()]
    assert alerts["checked"] == "not checked (sandbox)" and alerts["expected"] == ["api_error_rate"], alerts
    assert [rule["alert"] for rule in alerts["rules"] if rule["would_fire_after_s"] is not None] == ["api_error_rate"]
    assert '"name": "expected alerts"' in attached, "the alerts' Allure step"


def test_too_few_requests_are_inconclusive_and_fail(run_drill, faults):
    result = run_drill(*LOAD, "--load-duration", "6s", "--load-min-requests", "100000", paths=PATHS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*load drill inconclusive after * s: no data is not a pass*",
                                 "*api_error_rate inconclusive: no complete 6 s window had ≥ 100000 requests*"])


def test_inconclusive_may_be_allowed_explicitly(run_drill, faults):
    result = run_drill(*LOAD, "--load-duration", "6s", "--load-min-requests", "100000", "--allow-inconclusive",
                       paths=PATHS)
    result.assert_outcomes(passed=1)


def test_a_locustfile_that_crashes_is_inconclusive_with_its_error(run_drill, env_file, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("from locust import HttpUser\nraise RuntimeError('the locustfile is broken')\n")
    path = env_file(f'\n[load]\nlocustfile = "{broken}"\n')
    result = run_drill(*LOAD, "--load-duration", "10s", f"--env-file={path}", paths=PATHS)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*load drill inconclusive after * s: no data is not a pass*",
                                 "*locust exited with code * after * s of a 10 s shape; its log: *"
                                 "RuntimeError: the locustfile is broken*"])
