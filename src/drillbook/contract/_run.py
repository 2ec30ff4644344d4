"""Drive schemathesis one operation at a time, each under Hypothesis with a share of the time budget.

Each operation gets ``max_examples`` cases per generation mode, no shrinking
(the first failing request is the one reported), a derandomized seed so a rerun
sends the same requests, and the time that is left divided by the runs that are
left. The first failure of an operation ends that operation. Writes carry the
run's drill tenant and are removed afterwards (``_writes``), also after Ctrl-C,
which always ends the run (``drillbook.runtime.interrupts``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from drillbook.config import safety
from drillbook.errors import StoreError
from drillbook.runtime.interrupts import InterruptGuard, guarded
from drillbook.contract._model import CheckBreach, ContractFailure, ContractReport, ContractSettings, OperationRun
from drillbook.contract._report import curl_of, excerpt
from drillbook.contract._writes import (WriteLedger, deletable_collections, drill_tenant_for_run, remove_writes,
                                        sweep_stale, tag_case)
from drillbook.config.environments import Environment
from drillbook.store import Holder, Store

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class _Stop(Exception):
    """Ends one operation's Hypothesis run: a failure was recorded, or its time is up."""


@dataclass
class _Context:
    """What every request of one run shares."""

    settings: ContractSettings
    session: Any
    guard: InterruptGuard
    ledger: WriteLedger | None = None


def settings_from_env(env: Environment, *, approval: str | None, admin_token: str | None = None,
                      select: str = "all", ledger_store: Store | None = None,
                      holder: Holder | None = None) -> ContractSettings:
    """The run's settings from ``[contract]`` and ``[http]``; writes only where a destructive drill may run."""
    contract, http = env.config.contract, env.config.http
    refused = safety.refusal_reason(env, approval)
    return ContractSettings(
        base_url=env.base_url, max_examples=contract.max_examples, max_seconds=contract.max_seconds,
        allow_writes=refused is None, negative_data=contract.negative_data, exclude=contract.exclude,
        timeout_s=http.timeout_s, verify=http.verify,
        user_agent=http.user_agent or "drillbook (contract)", admin_token=admin_token, writes_refused=refused,
        select=select, environment=env.name, drill_tenant=env.config.smoke.drill_tenant,
        ledger_store=ledger_store, holder=holder)


def run_contract(document: dict, settings: ContractSettings) -> ContractReport:
    """Fuzz every selected operation of ``document`` against ``settings.base_url``."""
    import requests
    from schemathesis.generation import GenerationMode

    report = ContractReport()
    operations = _select(_load_schema(document), settings, report)
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if settings.negative_data else [])
    started = time.monotonic()
    with guarded() as guard, requests.Session() as session:
        session.headers["User-Agent"] = settings.user_agent
        ctx = _Context(settings, session, guard, _open_ledger(document, settings, operations, report))
        try:
            _run_plan([(op, mode) for op in operations for mode in modes], ctx, started + settings.max_seconds, report)
        finally:
            _remove_writes(ctx, report)
        guard.check()
    report.elapsed_s = time.monotonic() - started
    return report


def _open_ledger(document: dict, settings: ContractSettings, operations: list,
                 report: ContractReport) -> WriteLedger | None:
    """Before the first write: sweep what killed runs left, then name this run's tenant in the store."""
    if not any(op.method.upper() not in SAFE_METHODS for op in operations):
        return None
    if settings.ledger_store is not None:
        report.swept = sweep_stale(settings.ledger_store, settings.environment, timeout_s=settings.timeout_s,
                                   verify=settings.verify, holder=settings.holder)
    ledger = WriteLedger.open(settings.ledger_store, settings.environment, settings.base_url,
                              drill_tenant_for_run(settings.drill_tenant), deletable_collections(document),
                              settings.holder)
    report.writes_tenant = ledger.tenant
    return ledger


def _remove_writes(ctx: _Context, report: ContractReport) -> None:
    if ctx.ledger is None:
        return
    with ctx.guard.deferred():  # bounded by timeouts; a second Ctrl-C must not leave the writes behind
        report.writes_left = remove_writes(ctx.ledger, timeout_s=ctx.settings.timeout_s, verify=ctx.settings.verify)
    report.writes_created = len(ctx.ledger.created)


def _load_schema(document: dict):
    import schemathesis
    from schemathesis.config import CacheConfig

    config = schemathesis.Config(cache=CacheConfig(enabled=False))  # no .schemathesis/ left in the cwd
    return schemathesis.openapi.from_dict(document, config=config)


def _run_plan(plan: list, ctx: _Context, deadline: float, report: ContractReport) -> None:
    """Each run gets the time left divided by the runs left; an operation that failed is not run again."""
    failed: set[str] = set()
    for index, (op, mode) in enumerate(plan):
        ctx.guard.check()
        if op.label in failed:  # one finding per operation; its other mode would repeat it
            continue
        left = deadline - time.monotonic()
        if left <= 0:  # not even one draw: generating a first case can take a while
            report.runs.append(OperationRun(op.label, mode.value, out_of_time=True))
            continue
        run = _run_operation(op, mode, ctx, time.monotonic() + left / (len(plan) - index))
        report.runs.append(run)
        if run.failure is not None:
            failed.add(op.label)


def _select(schema, settings: ContractSettings, report: ContractReport) -> list:
    selected = []
    for result in schema.get_all_operations():
        if not hasattr(result, "ok"):  # an Err: the document describes this operation in a way nobody can call
            report.runs.append(_invalid_operation(result.err()))
            continue
        op = result.ok()
        writes = op.method.upper() not in SAFE_METHODS
        if settings.select != "all" and writes != (settings.select == "writes"):
            continue  # the other drill's half
        if op.label in settings.exclude:
            report.excluded.append(op.label)
        elif writes and not settings.allow_writes:
            report.skipped_writes.append(op.label)
        else:
            selected.append(op)
    return selected


def _invalid_operation(error: Exception) -> OperationRun:
    label = f"{str(getattr(error, 'method', '') or '?').upper()} {getattr(error, 'path', None) or '?'}"
    run = OperationRun(label, "definition")
    breach = CheckBreach("schema", "the operation's definition is invalid", _short(error))
    run.failure = _failure(run, (breach,), None, "", "(no request was built)")
    return run


def _run_operation(op, mode, ctx: _Context, until: float) -> OperationRun:
    from hypothesis import HealthCheck, Phase, Verbosity, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis.errors import Unsatisfiable

    run = OperationRun(op.label, mode.value)
    headers = _extra_headers(op, ctx.settings)
    ledger = ctx.ledger if op.method.upper() not in SAFE_METHODS else None

    @hypothesis_settings(max_examples=ctx.settings.max_examples, deadline=None, derandomize=True, database=None,
                         phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck),
                         verbosity=Verbosity.quiet, print_blob=False)
    @given(case=op.as_strategy(generation_mode=mode))
    def exercise(case) -> None:
        ctx.guard.check()
        if run.failure is not None or time.monotonic() >= until:  # Hypothesis replays a failing example
            run.out_of_time = run.failure is None
            raise _Stop
        run.examples += 1
        if ledger is not None:
            tag_case(case, ledger.tenant)
        _send_and_check(case, run, ctx, headers, ledger)

    try:
        exercise()
    except _Stop:
        pass
    except StoreError:  # the ledger could not be written, or its lease was lost: no further write may leave
        raise
    except Unsatisfiable:
        run.note = f"no {mode.value} data exists for this operation"
    except Exception as exc:  # a schema schemathesis cannot generate from: say so, do not pass silently
        ctx.guard.check()  # unless it is what a swallowed Ctrl-C turned into: that is no finding
        run.failure = _failure(run, (CheckBreach("generation", "could not generate requests", _short(exc)),),
                               None, "", "(no request was built)")
    ctx.guard.check()
    return run


def _send_and_check(case, run: OperationRun, ctx: _Context, headers: dict, ledger: WriteLedger | None) -> None:
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.failures import FailureGroup
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    settings = ctx.settings
    curl = curl_of(case, headers, settings)
    creating = ledger if ledger is not None and ledger.creates(case.method, case.operation.path) else None
    if creating:
        creating.sending()
    try:
        response = case.call(base_url=settings.base_url, session=ctx.session, headers=headers,
                             timeout=settings.timeout_s, verify=settings.verify)
    except Exception as exc:  # requests' timeouts and connection errors, and nothing is retried
        if creating and _never_sent(exc):
            creating.never_sent()
        ctx.guard.check()
        run.failure = _failure(run, (CheckBreach("request", "no answer", _transport_problem(exc, settings)),),
                               None, "", curl)
        raise _Stop from None
    if creating:
        creating.answered(case.operation.path, response.status_code, _json_or_none(response))
    try:
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                 response_schema_conformance], headers=headers)
    except FailureGroup as group:
        breaches = tuple(sorted((_breach(f) for f in group.exceptions), key=_check_order))
        run.failure = _failure(run, breaches, response.status_code, excerpt(response.content), curl)
        raise _Stop from None


def _json_or_none(response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _extra_headers(op, settings: ContractSettings) -> dict[str, str]:
    """The admin token, for safe methods that declare security; writes never get it."""
    declared = op.definition.raw.get("security") or op.schema.raw_schema.get("security")
    if settings.admin_token and declared and op.method.upper() in SAFE_METHODS:
        return {"Authorization": f"Bearer {settings.admin_token}"}
    return {}


def _failure(run: OperationRun, breaches: tuple[CheckBreach, ...], status: int | None, body: str,
             curl: str) -> ContractFailure:
    return ContractFailure(run.operation, run.mode, run.examples, breaches, status, body, curl)


CHECK_ORDER = ("not_a_server_error", "status_code_conformance", "response_schema_conformance")


def _breach(failure: Any) -> CheckBreach:
    checks = getattr(type(failure), "checks", ()) or (getattr(failure, "code", "check"),)
    detail = " ".join(str(failure.message).split())[:300]
    if not detail and getattr(failure, "status_code", None):
        detail = f"status {failure.status_code}"
    return CheckBreach(checks[0], failure.title, detail)


def _check_order(breach: CheckBreach) -> int:
    return CHECK_ORDER.index(breach.check) if breach.check in CHECK_ORDER else len(CHECK_ORDER)


def _never_sent(exc: Exception) -> bool:
    """No connection was made (the name did not resolve, it was refused or timed out): the request never left."""
    import requests
    from urllib3.exceptions import NewConnectionError  # NameResolutionError is one

    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = getattr(exc.args[0], "reason", None) if isinstance(exc, requests.ConnectionError) and exc.args else None
    return isinstance(reason, NewConnectionError)


def _transport_problem(exc: Exception, settings: ContractSettings) -> str:
    import requests

    if isinstance(exc, requests.Timeout):
        return f"no answer within {settings.timeout_s:g} s"
    if isinstance(exc, requests.ConnectionError):
        return f"target unreachable: {_short(exc)}"
    return _short(exc)


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{type(exc).__name__}: {text[:200]}"
