"""The API contract drill: schemathesis against the target's /openapi.json, bounded in examples and time.

>>> settings = settings_from_env(env, approval=None)
>>> report = run_contract(document, settings)
>>> report.failures
[]

Schemathesis and Hypothesis are imported inside :func:`run_contract`, so a run
that does not select ``contract`` never loads them. Writes (POST, PUT, PATCH,
DELETE) are fuzzed only where ``drillbook.config.safety`` would let a destructive
drill run; elsewhere only GET, HEAD and OPTIONS are sent. Every write carries
the run's drill tenant, goes into a ledger in the run's store as it happens, and is removed
when the run ends, by Ctrl-C too; a killed run's ledger is swept by the next
write drill, on any machine that shares the store.
"""

from drillbook.contract._model import ContractFailure, ContractReport, ContractSettings, OperationRun
from drillbook.contract._report import describe_failure, describe_report
from drillbook.contract._run import SAFE_METHODS, run_contract, settings_from_env
from drillbook.contract._writes import (LEDGER_DIR, WriteLedger, drill_tenant_for_run, pending_writes, remove_writes,
                                        sweep_stale)

__all__ = [
    "SAFE_METHODS",
    "ContractFailure",
    "ContractReport",
    "ContractSettings",
    "LEDGER_DIR",
    "OperationRun",
    "WriteLedger",
    "describe_failure",
    "describe_report",
    "drill_tenant_for_run",
    "pending_writes",
    "remove_writes",
    "run_contract",
    "settings_from_env",
    "sweep_stale",
]
