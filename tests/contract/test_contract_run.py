"""drillbook.contract against a small loopback API with known contract bugs."""

import copy
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make the sibling app importable
from contract_app import ADMIN_TOKEN, document, serve_app  # noqa: E402

from drillbook.contract import ContractSettings, describe_failure, describe_report, run_contract  # noqa: E402


@pytest.fixture
def app():
    with serve_app() as running:
        yield running


def settings(app, **overrides) -> ContractSettings:
    values = {"base_url": app.url, "max_examples": 25, "max_seconds": 20, "timeout_s": 3, "negative_data": False}
    return ContractSettings(**{**values, **overrides})


def test_an_endpoint_that_500s_on_odd_input_is_caught_with_a_curl_that_reproduces_it(app):
    report = run_contract(document("GET /items/{id}"), settings(app))
    [failure] = report.failures
    assert (failure.operation, failure.status) == ("GET /items/{id}", 500)
    assert [b.check for b in failure.breaches] == ["not_a_server_error", "status_code_conformance"]
    url = re.search(r"curl -X GET (\S+)", failure.curl).group(1).strip("'")
    assert httpx.get(url, timeout=3).status_code == 500  # the curl line sends the same request
    assert describe_failure(failure).splitlines() == [
        f"GET /items/{{id}} (positive data, request {failure.example}): not_a_server_error: Server error - "
        f"status 500; status_code_conformance: Undocumented status code - Received: 500 Documented: 200, 404",
        '  answer: 500 {"error": "Internal Server Error"}',
        f"  reproduce: {failure.curl}"]


def test_a_body_that_breaks_its_schema_is_caught(app):
    report = run_contract(document("GET /stats"), settings(app))
    [failure] = report.failures
    [breach] = failure.breaches
    assert breach.check == "response_schema_conformance" and "integer" in breach.detail


def test_writes_are_not_sent_where_the_tier_refuses_them(app):
    report = run_contract(document("POST /items", "GET /items/{id}"), settings(app, allow_writes=False))
    assert report.skipped_writes == ["POST /items"]
    assert app.methods() == {"GET"}
    assert "writes not fuzzed on this tier: POST /items" in describe_report(report)


def test_writes_are_fuzzed_where_the_tier_allows_them(app):
    report = run_contract(document("POST /items"), settings(app, allow_writes=True, negative_data=True))
    assert report.failures == [] and report.skipped_writes == []
    assert app.methods() == {"POST"} and report.examples > 10
    assert {run.mode for run in report.runs} == {"positive", "negative"}


def test_excluded_operations_are_not_called(app):
    report = run_contract(document("GET /stats", "GET /items/{id}"),
                          settings(app, exclude=("GET /stats",), max_examples=3))
    assert report.excluded == ["GET /stats"]
    assert not any(path.startswith("/stats") for _, path, _ in app.seen)


def test_the_admin_token_reaches_safe_secured_operations_but_never_the_report(app):
    doc = copy.deepcopy(document("GET /admin/stats"))
    doc["paths"]["/admin/stats"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "type": "object", "required": ["count"]}  # the app answers {"keys": 1}: a finding with a curl line
    report = run_contract(doc, settings(app, admin_token=ADMIN_TOKEN))
    [failure] = report.failures
    assert failure.status == 200
    sent = {headers.get("Authorization") for _, path, headers in app.seen}
    assert sent == {f"Bearer {ADMIN_TOKEN}"}
    assert ADMIN_TOKEN not in describe_report(report) and "Authorization" in failure.curl


def test_a_hanging_operation_fails_with_its_timeout(app):
    report = run_contract(document("GET /slow"), settings(app, timeout_s=0.3))
    [failure] = report.failures
    assert (failure.breaches[0].check, failure.breaches[0].detail) == ("request", "no answer within 0.3 s")
    assert failure.status is None and "curl -X GET" in failure.curl


def test_the_time_budget_bounds_the_run_and_names_what_went_untested(app):
    # Judged on what the run did, not on its wall time (6.8 s for a 2.5 s budget once, both cores busy): each
    # GET /slow takes 1 s, so a 2.5 s budget starts at most 3; without the budget all 25 examples would run.
    report = run_contract(document("GET /slow"), settings(app, max_seconds=2.5))
    [slow] = report.runs
    sent = [path for _, path, _ in app.seen if path.startswith("/slow")]
    assert slow.out_of_time and 1 <= slow.examples == len(sent) <= 3, (slow, len(sent))
    assert report.elapsed_s < 25, "longer than the 25 examples the budget saves would take"
    starved = run_contract(document("GET /stats", "GET /items/{id}"), settings(app, max_seconds=0.001))
    assert starved.untested == ["GET /items/{id}", "GET /stats"] and starved.examples == 0


def test_importing_the_contract_code_loads_neither_schemathesis_nor_hypothesis():
    code = ("import sys, drillbook.contract, drillbook.fixtures.contract; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('schemathesis', 'hypothesis')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_schemathesis_is_imported_without_assertion_rewriting():
    import schemathesis  # pytest would rewrite it on import (seconds per run) unless the contract plugin unmarks it

    assert type(schemathesis.__spec__.loader).__name__ != "AssertionRewritingHook"


def test_an_operation_nobody_can_call_is_a_finding_not_a_crash(app):
    doc = document("GET /stats")
    doc["paths"]["/stats"]["get"]["parameters"] = [{"$ref": "#/components/parameters/Missing"}]
    report = run_contract(doc, settings(app))
    [failure] = report.failures
    assert failure.operation == "GET /stats" and failure.breaches[0].check == "schema"
    assert describe_failure(failure).startswith("GET /stats: schema: the operation's definition is invalid - ")
