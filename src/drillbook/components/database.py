"""The database checks' verdicts: each passes quietly or fails with the runbook's one-line message.

>>> check_read_latency(target)                 # reachability and read latency against the budget
>>> check_containers(target)                   # partition keys and index paths from [cosmos.containers.*]
>>> check_canary(target)                       # write, read, delete in the scratch container
>>> check_ru(source, threshold("cosmos_ru"), now=time.time())   # RU % of provisioned, from the metrics source

``checks/test_database.py`` calls these; drillbook's own tests call them too,
the RU verdict with the real azure-monitor source against recorded answers.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from drillbook.components.check import attach_figures, fail
from drillbook.findings import Finding, Kind, failing
from drillbook.clients.cosmos import CosmosTarget
from drillbook.clients.cosmos_canary import run_canary
from drillbook.clients.cosmos_policy import container_problems, describe_policy
from drillbook.errors import CanaryError, CosmosError, MetricsError, NoDataError
from drillbook.rules import aggregate
from drillbook.runbook import Threshold

CONNECTION = "database-connection"
SCHEMA = "database-indexes"
LATENCY_READS = 3
RU_SOURCES = ("azure-monitor",)  # the scrape and probe sources have no RU metric: the app does not export one
RU_METRIC = "NormalizedRUConsumption (maximum per minute)"


def check_read_latency(target: CosmosTarget) -> float:
    """The median of a few database reads (the first connects); fails when unreachable or over budget."""
    __tracebackhide__ = True
    s = target.settings
    timings = [_timed_read(target) for _ in range(LATENCY_READS)]
    median = statistics.median(timings)
    attach("read latency", {"source": s.source, "reads_ms": timings, "median_ms": median,
                            "budget_ms": s.read_budget_ms})
    if median > s.read_budget_ms:
        shown = ", ".join(f"{ms:.0f}" for ms in timings)
        fail(CONNECTION, f"reading database {s.database} took {median:.0f} ms (median of {shown} ms) "
                         f"> budget {s.read_budget_ms:g} ms", source=s.source, window=f"{LATENCY_READS} reads")
    return median


def check_containers(target: CosmosTarget) -> None:
    """Every expected container exists with its partition key and the index paths its queries need."""
    __tracebackhide__ = True
    s = target.settings
    if not s.containers:
        pytest.skip(f"[cosmos] lists no containers -> add [cosmos.containers.<name>] with partition_key "
                    f"and index_paths for the containers of {s.database}")
    problems = [problem for name, spec in sorted(s.containers.items()) for problem in _problems(target, name, spec)]
    if problems:
        fail(SCHEMA, "; ".join(problems), source=s.source)


def check_canary(target: CosmosTarget) -> dict[str, float]:
    """A write, read and delete in the scratch container; fails with the step, the reason and any leftover."""
    __tracebackhide__ = True
    s = target.settings
    try:
        result = run_canary(target)
    except CanaryError as exc:
        problem = str(exc)
    else:
        attach("canary", {"container": s.canary_container, "item": result.item_id, "steps_ms": result.steps_ms})
        return result.steps_ms
    fail(CONNECTION, f"canary in scratch container {s.canary_container}: {problem}",
         source=f"{s.source}/colls/{s.canary_container}")
    raise AssertionError("unreachable")


def check_ru(source: Any, threshold: Threshold, *, now: float, account: str | None = None,
             allow_inconclusive: bool = False) -> float:
    """RU consumption (% of provisioned) averaged over the threshold's window; no data is not a pass."""
    __tracebackhide__ = True
    window = f"{threshold.window_s / 60:g} min"
    end = now - getattr(source, "lag_s", 0.0)  # the latest window the source has fully ingested
    reading = _read_metrics(source, end - threshold.window_s, end, allow_inconclusive)
    rule, sample = threshold.to_rule(), reading.sample_for(threshold)
    value = aggregate(rule, [sample])
    attach("RU consumption", {"source": source.name, "points": sample.points, "mean": value,
                              "limit": threshold.limit, "query": reading.query, "notes": reading.notes})
    if value is None:
        notes = "; ".join(n for n in reading.notes if "cosmos" in n.lower() or "NormalizedRU" in n) or "no points"
        _inconclusive(f"no RU consumption data in the last {window} ({notes})", allow_inconclusive)
    if rule.breaches(value):
        where = f"{source.name}, {RU_METRIC}" + (f" of {account}" if account else "")
        fail(threshold.section, f"{threshold.title} {value:.0f} {threshold.unit} {threshold.op} "
                                f"{threshold.limit:g} {threshold.unit} (mean of {len(sample.points)} per-minute "
                                "points)", source=where, window=window,
             rule=threshold.key, value=value, limit=threshold.limit, unit=threshold.unit)
    return value


def ru_not_applicable(source_name: str) -> str | None:
    """Why a source cannot judge RU consumption, or None when it can."""
    if source_name in RU_SOURCES:
        return None
    return (f"not applicable: the {source_name} metrics source has no Cosmos RU metric, and the local Cosmos server "
            'has no throughput API -> set [metrics] source = "azure-monitor" and [azure] cosmos_account to check it')


attach = attach_figures  # evidence for the record: what was measured, as JSON, on the running test's Allure result


def _timed_read(target: CosmosTarget) -> float:
    __tracebackhide__ = True
    s = target.settings
    try:
        database = target.database()
        _, took = target.timed(f"read database {s.database}", database.read)
        return took
    except CosmosError as exc:
        problem, kind = _connection_problem(exc)
    fail(CONNECTION, problem, source=s.source, kind=kind)


def _connection_problem(exc: CosmosError) -> tuple[str, Kind]:
    """A dead connection is "unreachable"; an HTTP error (401 key refused, 403...) is the account answering."""
    if exc.status:
        return f"Cosmos DB answered with an error: {exc}", "threshold"
    return f"Cosmos DB unreachable: {exc}", "unreachable"


def _problems(target: CosmosTarget, name: str, spec: Any) -> list[str]:
    __tracebackhide__ = True
    s = target.settings
    try:
        props = target.call(f"read container {name}", target.database().get_container_client(name).read)
    except CosmosError as exc:
        if exc.status == 404:
            return [f"container {name} is missing from database {s.database} "
                    f"(expected partition key {spec.partition_key})"]
        problem, kind = _connection_problem(exc)
    else:
        attach(f"container {name}", {k: props.get(k) for k in ("id", "partitionKey", "indexingPolicy", "defaultTtl")})
        found = container_problems(name, spec, props)
        policy = describe_policy(props.get("indexingPolicy") or {})
        return [f"container {name}: {p}" + (f" [policy: {policy}]" if "index path" in p else "") for p in found]
    fail(CONNECTION, problem, source=s.source, kind=kind)


def _read_metrics(source: Any, start: float, end: float, allow_inconclusive: bool) -> Any:
    __tracebackhide__ = True
    try:
        return source.read(start, end)
    except NoDataError as exc:
        problem, no_data = str(exc), True
    except MetricsError as exc:
        problem, no_data = str(exc), False
    if no_data:
        _inconclusive(problem, allow_inconclusive)
    message = f"cannot read RU consumption: {problem}"
    raise failing(message, Finding("unreachable", None, message))


def _inconclusive(reason: str, allowed: bool) -> None:
    __tracebackhide__ = True
    if allowed:
        pytest.skip(f"inconclusive (allowed by --allow-inconclusive): {reason}")
    message = (f"inconclusive, and no data is not a pass: {reason} -> rerun once the metric has data, "
               "or pass --allow-inconclusive")
    raise failing(message, Finding("no data", None, message))
