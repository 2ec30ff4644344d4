"""API contract: the target keeps the promises of its /openapi.json, within a bounded number of requests and time."""

import allure
import pytest

from drillbook.check import fail
from drillbook.contract import describe_failure, describe_report, run_contract

pytestmark = pytest.mark.contract


@pytest.mark.runbook("api-contract")
def test_api_answers_no_5xx_and_matches_its_openapi(openapi_document, contract_settings, pytestconfig, drill_env):
    report = run_contract(openapi_document, contract_settings)
    allure.attach(describe_report(report), name="contract run", attachment_type=allure.attachment_type.TEXT)
    source = drill_env.base_url + drill_env.section("contract")["openapi_path"]
    window = f"{report.examples} requests in {report.elapsed_s:.1f} s"
    if report.failures:
        blocks = "\n".join(describe_failure(f) for f in report.failures)
        fail("api-contract", f"{len(report.failures)} of {len(report.operations)} operations broke the contract:\n"
             f"{blocks}\n", source=source, window=window)
    if report.untested and not pytestconfig.option.allow_inconclusive:
        fail("api-contract", f"inconclusive: the time budget ran out before {len(report.untested)} of "
             f"{len(report.operations)} operations got a single request ({', '.join(report.untested)}) "
             "-> raise [contract] max_seconds or lower max_examples", source=source, window=window)
    if not report.examples:
        fail("api-contract", "inconclusive: no request was sent (every operation excluded or refused)",
             source=source, window=window)
