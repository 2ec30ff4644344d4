"""API contract: the target keeps the promises of its /openapi.json, within a bounded number of requests and time.

Reads run on every tier. Writes are a destructive drill: they carry the run's drill tenant and are removed after.
"""

import pytest

from drillbook.contract import run_contract

pytestmark = pytest.mark.contract


@pytest.mark.runbook("api-contract")
def test_reads_answer_no_5xx_and_match_the_openapi(openapi_document, contract_reads, contract_verdict):
    contract_verdict(run_contract(openapi_document, contract_reads))


@pytest.mark.destructive
@pytest.mark.runbook("api-contract")
def test_writes_answer_no_5xx_match_the_openapi_and_leave_nothing(openapi_document, contract_writes,
                                                                  contract_verdict):
    contract_verdict(run_contract(openapi_document, contract_writes))
