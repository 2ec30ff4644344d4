"""Drive schemathesis one operation at a time, each under Hypothesis with a share of the time budget.

Each operation gets ``max_examples`` cases per generation mode, no shrinking
(the first failing request is the one reported), a derandomized seed so a rerun
sends the same requests, and the time that is left divided by the runs that are
left. The first failure of an operation ends that operation.
"""

from __future__ import annotations

import time
from typing import Any

from drillbook import safety
from drillbook.contract._model import CheckBreach, ContractFailure, ContractReport, ContractSettings, OperationRun
from drillbook.contract._report import curl_of, excerpt
from drillbook.environments import Environment

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class _Stop(Exception):
    """Ends one operation's Hypothesis run: a failure was recorded, or its time is up."""


def settings_from_env(env: Environment, *, approval: str | None, admin_token: str | None = None) -> ContractSettings:
    """The run's settings from ``[contract]`` and ``[http]``; writes only where a destructive drill may run."""
    contract, http = env.section("contract"), env.section("http")
    refused = safety.refusal_reason(env, approval)
    return ContractSettings(
        base_url=env.base_url, max_examples=int(contract["max_examples"]), max_seconds=contract["max_seconds"],
        allow_writes=refused is None, negative_data=contract["negative_data"], exclude=tuple(contract["exclude"]),
        timeout_s=http["timeout_s"], verify=http["ca_bundle"] or http["verify_tls"],
        user_agent=http["user_agent"] or "drillbook (contract)", admin_token=admin_token, writes_refused=refused)


def run_contract(document: dict, settings: ContractSettings) -> ContractReport:
    """Fuzz every selected operation of ``document`` against ``settings.base_url``."""
    import requests
    from schemathesis.generation import GenerationMode

    report = ContractReport()
    operations = _select(_load_schema(document), settings, report)
    modes = [GenerationMode.POSITIVE] + ([GenerationMode.NEGATIVE] if settings.negative_data else [])
    started = time.monotonic()
    with requests.Session() as session:
        session.headers["User-Agent"] = settings.user_agent
        plan = [(op, mode) for op in operations for mode in modes]
        _run_plan(plan, settings, session, started + settings.max_seconds, report)
    report.elapsed_s = time.monotonic() - started
    return report


def _load_schema(document: dict):
    import schemathesis
    from schemathesis.config import CacheConfig

    config = schemathesis.Config(cache=CacheConfig(enabled=False))  # no .schemathesis/ left in the cwd
    return schemathesis.openapi.from_dict(document, config=config)


def _run_plan(plan: list, settings: ContractSettings, session, deadline: float, report: ContractReport) -> None:
    """Each run gets the time left divided by the runs left; an operation that failed is not run again."""
    failed: set[str] = set()
    for index, (op, mode) in enumerate(plan):
        if op.label in failed:  # one finding per operation; its other mode would repeat it
            continue
        left = deadline - time.monotonic()
        if left <= 0:  # not even one draw: generating a first case can take a while
            report.runs.append(OperationRun(op.label, mode.value, out_of_time=True))
            continue
        run = _run_operation(op, mode, settings, session, time.monotonic() + left / (len(plan) - index))
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
        if op.label in settings.exclude:
            report.excluded.append(op.label)
        elif op.method.upper() not in SAFE_METHODS and not settings.allow_writes:
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


def _run_operation(op, mode, settings: ContractSettings, session, until: float) -> OperationRun:
    from hypothesis import HealthCheck, Phase, Verbosity, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis.errors import Unsatisfiable

    run = OperationRun(op.label, mode.value)
    headers = _extra_headers(op, settings)

    @hypothesis_settings(max_examples=settings.max_examples, deadline=None, derandomize=True, database=None,
                         phases=(Phase.explicit, Phase.generate), suppress_health_check=list(HealthCheck),
                         verbosity=Verbosity.quiet, print_blob=False)
    @given(case=op.as_strategy(generation_mode=mode))
    def exercise(case) -> None:
        if run.failure is not None or time.monotonic() >= until:  # Hypothesis replays a failing example
            run.out_of_time = run.failure is None
            raise _Stop
        run.examples += 1
        _send_and_check(case, run, settings, session, headers)

    try:
        exercise()
    except _Stop:
        pass
    except Unsatisfiable:
        run.note = f"no {mode.value} data exists for this operation"
    except Exception as exc:  # a schema schemathesis cannot generate from: say so, do not pass silently
        run.failure = _failure(run, (CheckBreach("generation", "could not generate requests", _short(exc)),),
                               None, "", "(no request was built)")
    return run


def _send_and_check(case, run: OperationRun, settings: ContractSettings, session, headers: dict) -> None:
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.failures import FailureGroup
    from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

    curl = curl_of(case, headers, settings)
    try:
        response = case.call(base_url=settings.base_url, session=session, headers=headers,
                             timeout=settings.timeout_s, verify=settings.verify)
    except Exception as exc:  # requests' timeouts and connection errors, and nothing is retried
        run.failure = _failure(run, (CheckBreach("request", "no answer", _transport_problem(exc, settings)),),
                               None, "", curl)
        raise _Stop from None
    try:
        case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                 response_schema_conformance], headers=headers)
    except FailureGroup as group:
        breaches = tuple(sorted((_breach(f) for f in group.exceptions), key=_check_order))
        run.failure = _failure(run, breaches, response.status_code, excerpt(response.content), curl)
        raise _Stop from None


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
