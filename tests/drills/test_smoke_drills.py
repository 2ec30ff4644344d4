"""The smoke drill: critical flows pass on the sandbox, fail with the remedy, and leave no secret in reports."""

import json
import os
import socket

import pytest

SMOKE = ("-m", "smoke")
HEAVY = ("azure", "locust", "schemathesis", "gevent", "redis", "matplotlib")


def test_smoke_passes_on_a_healthy_sandbox(run_drill, faults):
    result = run_drill(*SMOKE)
    result.assert_outcomes(passed=10)


def test_smoke_without_destructive_drills_still_reads_shards(run_drill, faults):
    """Production after a deploy runs no write; the data path is still exercised by the drill tenant's reads."""
    result = run_drill("-m", "smoke and not destructive", "-v")
    result.assert_outcomes(passed=9)
    result.stdout.fnmatch_lines(["*test_drill_tenant_shards_list_and_read PASSED*"])
    assert "round_trip" not in result.stdout.str()


def test_a_failing_shard_read_fails_the_read_only_flow(run_drill, faults):
    faults.inject("/api/shards/{id}", status=500, error_rate=1.0)
    result = run_drill(*SMOKE, "-k", "drill_tenant")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*GET /api/shards/* returned 500 (expected 200)*-> runbook §Critical user flows*"])


def test_a_drill_tenant_without_shards_says_how_to_seed_it(run_drill, faults, env_file):
    path = env_file('\n[smoke]\ndrill_tenant = "drillbook-nobody"\n')
    result = run_drill(*SMOKE, f"--env-file={path}", "-k", "drill_tenant")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*GET /api/shards lists no shard of the drill tenant 'drillbook-nobody' -> if the "
                                 "data is intact, seed the tenant once (?smoke? drill_tenant; see docs/targets.md \"The drill "
                                 "tenant\")*"])


def test_failing_shard_read_names_the_route_and_remedy_and_what_was_left(run_drill, faults, tmp_path):
    faults.inject("/api/shards/{id}", status=500, error_rate=1.0)  # the read fails, and so does every delete
    result = run_drill(*SMOKE, "-k", "round_trip", f"--journal-dir={tmp_path / 'journal'}")
    result.stdout.fnmatch_lines(["*GET /api/shards/* returned 500 (expected 200)*-> runbook §Critical user flows*"])
    result.stdout.fnmatch_lines(["1 drill writes of tenant drillbook-drill-* are still on the target -> the next "
                                 "drill removes them*"])  # an error at teardown: the test had failed already
    entry = json.loads((tmp_path / "journal" / "drills.jsonl").read_text().splitlines()[-1])
    assert entry["drill_writes_left"] == 1 and entry["interrupted"] is False


@pytest.mark.parametrize("target", ["unresolvable", "refused"])
def test_a_round_trip_that_never_reached_the_target_leaves_no_write_on_record(run_drill, env_file, tmp_path, target):
    """Staging unreachable (no address, or nothing listening): the POST never left, so no write is left either."""
    from invalid_names import UNRESOLVABLE

    with socket.socket() as probe:  # 127.0.0.2: loopback, but not a sandbox's address
        probe.bind(("127.0.0.2", 0))
        dead = f"https://127.0.0.2:{probe.getsockname()[1]}"
    path = env_file(tier="staging", base_url=f"https://{UNRESOLVABLE}" if target == "unresolvable" else dead)
    pythonpath = os.pathsep.join(filter(None, [str(run_drill.repo / "tests"), os.environ.get("PYTHONPATH")]))
    result = run_drill("-p", "invalid_names", *SMOKE, "-k", "round_trip", f"--env-file={path}",
                       f"--journal-dir={tmp_path / 'journal'}", environ={"PYTHONPATH": pythonpath})
    result.assert_outcomes(failed=1)  # the POST's own failure, and no error at teardown
    result.stdout.fnmatch_lines(["*POST /api/shards: target * unreachable*"])
    result.stdout.no_fnmatch_line("*still on the target*")
    entry = json.loads((tmp_path / "journal" / "drills.jsonl").read_text().splitlines()[-1])
    assert entry["drill_writes_left"] == 0
    assert not list((tmp_path / "journal" / "drill-writes").iterdir())


def test_admin_route_opened_without_auth_is_a_security_failure(run_drill, faults):
    faults.inject("/api/admin/cache/stats", status=200, error_rate=1.0, body={"hits": 1, "misses": 0})
    result = run_drill(*SMOKE, "-k", "refused_without_token")
    result.stdout.fnmatch_lines(["*GET /api/admin/cache/stats without a token returned 200 (expected 401 or 403)*"
                                 "-> runbook §Admin endpoint security*"])


def test_no_secret_reaches_the_reports(run_drill, faults, sandbox, tmp_path):
    faults.inject("/api/admin/cache/stats", status=500, error_rate=1.0,
                  body={"echo": f"Bearer {sandbox.admin_token}"})
    run_drill(*SMOKE, "--junitxml", str(tmp_path / "junit.xml"))
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "environment.properties" for p in written)
    for path in written:
        text = path.read_bytes()
        assert sandbox.admin_token.encode() not in text, path
        assert sandbox.fault_token.encode() not in text, path


def test_record_carries_labels_and_run_files(run_drill, faults):
    run_drill(*SMOKE, "-k", "live")
    results = run_drill.results
    names = {p.name for p in results.iterdir()}
    assert {"environment.properties", "executor.json", "categories.json"} <= names
    labelled = [json.loads(p.read_text()) for p in results.glob("*-result.json")]
    labels = {(l["name"], l["value"]) for r in labelled for l in r["labels"]}
    assert ("runbook_severity", "P0") in labels and ("severity", "blocker") in labels
    assert any(link["url"] == "RUNBOOK.md#service-health" for r in labelled for link in r.get("links", []))
    properties = (results / "environment.properties").read_text()
    assert "tier=local" in properties and "approval=(none)" in properties


def test_smoke_imports_no_heavy_sdk(drill_imports, faults):
    _, modules = drill_imports(*SMOKE)
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY) == []


def test_journal_records_who_what_and_why_it_failed(run_drill, faults, tmp_path):
    import json

    faults.inject("/health", status=503, error_rate=1.0)
    run_drill(*SMOKE, f"--journal-dir={tmp_path / 'journal'}", "-k", "health_returns_200 or live")
    entry = json.loads((tmp_path / "journal" / "drills.jsonl").read_text().splitlines()[-1])
    assert entry["counts"] == {"failed": 1, "passed": 1}
    assert entry["tier"] == "local" and entry["markers"] == "smoke" and entry["exit_status"] == 1
    assert entry["target"].startswith("embedded sandbox at http://127.0.0.1:")
    [(nodeid, message)] = entry["failures"].items()
    assert nodeid.endswith("test_health_returns_200") and "returned 503 (expected 200)" in message
