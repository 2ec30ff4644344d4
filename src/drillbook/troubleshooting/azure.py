"""The runbook's troubleshooting on Azure: App Insights exceptions and failed requests; the Cosmos account.

>>> errors_from_app_insights(env, start, end)        # one KQL query over [start, end)
{'exceptions by type': [{'type': 'CosmosHttpResponseError', 'count': 41}, ...], 'failing operations': [...], ...}
>>> cosmos_requests_by_status(env, start, end)       # TotalRequests split by StatusCode, 429 = throttled
{'account': 'cosmos-castiel-prod', 'requests': 5230, 'throttled_429': 310, ...}
>>> cosmos_account_status(env)                       # az cosmosdb show, through azure-mgmt-cosmosdb
{'account': 'cosmos-castiel-prod', 'provisioning_state': 'Succeeded', 'write_regions': ['West Europe'], ...}

The clients are the azure-monitor source's own (same settings, credential, bounded
retry and timeouts); tests pass ``credential`` and ``transport``. Azure SDKs are
imported on use.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

TOP = 5
THROTTLED = "429"
COSMOS = "Microsoft.DocumentDB/databaseAccounts"
_ERRORS_KQL = """\
// drillbook troubleshooting: the top exceptions by type and the failing operations in [t0, t1)
let t0 = datetime({t0});
let t1 = datetime({t1});
union
  ({exceptions}
   | where {time} >= t0 and {time} < t1
   | summarize count = sum({count}) by name = tostring({type})
   | top {top} by count
   | extend kind = "exception", code = ""),
  ({requests}
   | where {time} >= t0 and {time} < t1 and {success} == false
   | summarize count = sum({count}) by name = {name}, code = tostring({code})
   | top {top} by count
   | extend kind = "failing operation")
| project kind, name, code, count"""
_CLASSIC = {"exceptions": "exceptions", "requests": "requests", "time": "timestamp", "count": "itemCount",
            "type": "type", "success": "success", "name": "name", "code": "resultCode"}
_WORKSPACE = {"exceptions": "AppExceptions", "requests": "AppRequests", "time": "TimeGenerated", "count": "ItemCount",
              "type": "ExceptionType", "success": "Success", "name": "Name", "code": "ResultCode"}


def errors_query(t0: datetime, t1: datetime, by_workspace: bool = False) -> str:
    """The KQL: ``exceptions | summarize count by type | top 5`` and the failed requests by name and result code."""
    names = _WORKSPACE if by_workspace else _CLASSIC
    return _ERRORS_KQL.format(t0=_kql_time(t0), t1=_kql_time(t1), top=TOP, **names)


def errors_from_app_insights(env: Any, start: float, end: float, *, timeout_s: float = 10.0,
                             credential: Any = None, transport: Any = None) -> dict:
    """The top exceptions by type and the failing operations over ``[start, end)``, from Application Insights."""
    from azure.monitor.query import LogsQueryStatus

    from drillbook.metrics.azure._failures import monitor_call

    settings, logs, metrics, close = _clients(env, timeout_s, credential, transport)
    t0, t1 = _utc(start), _utc(end)
    kql = errors_query(t0, t1, settings.by_workspace)
    role = "Log Analytics Reader on the workspace" if settings.by_workspace else \
        f"Monitoring Reader on {settings.resource_group}"
    query = logs.query_workspace if settings.by_workspace else logs.query_resource
    result = _call(close, monitor_call("Log Analytics", settings.logs_description, role, timeout_s), query,
                   settings.logs_target, kql, timespan=(t0, t1), server_timeout=max(1, int(timeout_s)))
    if result.status == LogsQueryStatus.PARTIAL:
        raise RuntimeError(f"partial answer from {settings.logs_description}: {result.partial_error}")
    table = result.tables[0] if result.tables else None
    rows = [dict(zip(table.columns, row)) for row in table.rows] if table else []
    found = {"source": f"{settings.logs_description}, {_span(t0, t1)}", "query": kql}
    if not rows:  # nothing is not "no errors": the telemetry may not have arrived
        found["note"] = ("no data: no exceptions and no failed requests in the window; App Insights telemetry can "
                         "arrive minutes late -> run the query again in the portal's Logs later")
    found["exceptions by type"] = [{"type": r["name"], "count": int(r["count"] or 0)}
                                   for r in rows if r["kind"] == "exception"]
    found["failing operations"] = [{"operation": r["name"], "result_code": r["code"], "count": int(r["count"] or 0)}
                                   for r in rows if r["kind"] == "failing operation"]
    return found


def cosmos_requests_by_status(env: Any, start: float, end: float, *, timeout_s: float = 10.0,
                              credential: Any = None, transport: Any = None) -> dict:
    """Cosmos ``TotalRequests`` split by StatusCode over the whole minutes around ``[start, end)``; 429 is throttled."""
    from drillbook.metrics.azure._failures import monitor_call

    settings, logs, metrics, close = _clients(env, timeout_s, credential, transport)
    if not settings.cosmos_account:
        close()
        raise RuntimeError("[azure] cosmos_account is not set -> add it to read the account's throttled requests")
    resource = settings.resource_id(COSMOS, settings.cosmos_account)
    t0, t1 = _minute_floor(start), _minute_floor(end + 59.999)
    call = monitor_call("Azure Monitor metrics", f"{COSMOS} {settings.cosmos_account}",
                        f"Monitoring Reader on {settings.resource_group}", timeout_s)
    results = _call(close, call, metrics.query_resources, resource_ids=[resource], metric_namespace=COSMOS,
                    metric_names=["TotalRequests"], timespan=(t0, t1), granularity=timedelta(minutes=1),
                    aggregations=["Count"], filter="StatusCode eq '*'")
    by_status = _counts_by_status(results)
    found = {"account": settings.cosmos_account, "source": f"Azure Monitor metrics, {_span(t0, t1)}",
             "query": f"TotalRequests (Count) split by StatusCode for {resource}"}
    if not by_status:  # no points is no data, never "0 throttled"
        return {**found, "requests": None, "throttled_429": None,
                "note": "no TotalRequests points in the window -> metrics lag 1-3 min; read them again later"}
    total, throttled = sum(by_status.values()), by_status.get(THROTTLED, 0)
    return {**found, "requests": total, "throttled_429": throttled,
            "throttled_pct": round(100 * throttled / total, 2) if total else None,
            "by_status": dict(sorted(by_status.items()))}


def cosmos_account_status(env: Any, *, timeout_s: float = 10.0, credential: Any = None,
                          transport: Any = None) -> dict:
    """``az cosmosdb show``: the account's provisioning state, regions, failover and network rules, from ARM."""
    from drillbook.clients.azure import Bounds, arm_call, default_credential, management_client
    from drillbook.metrics.azure._settings import load_settings

    settings = load_settings(env.config.azure, where=f"{env.path.name}: [azure]")
    name, group = settings.cosmos_account, settings.resource_group
    if not name:
        raise RuntimeError("[azure] cosmos_account is not set -> add it to read the account's status")
    owned = credential is None
    credential = default_credential() if owned else credential
    client = management_client("cosmosdb", settings.subscription_id, credential=credential, transport=transport,
                               bounds=Bounds(connect_s=min(5.0, timeout_s), read_s=timeout_s, retries=0))

    def close() -> None:
        client.close()
        if owned:
            credential.close()

    call = arm_call(f"reading Cosmos DB account {name}", f"Reader on {group}", timeout_s)
    account = _call(close, call, client.database_accounts.get, group, name)
    return {"account": name, "source": f"az cosmosdb show -n {name} -g {group}",
            "provisioning_state": account.provisioning_state, "document_endpoint": account.document_endpoint,
            "write_regions": [r.location_name for r in account.write_locations or []],
            "read_regions": [r.location_name for r in account.read_locations or []],
            "automatic_failover": account.enable_automatic_failover,
            "public_network_access": account.public_network_access,
            "ip_rules": len(account.ip_rules or []),
            "virtual_network_filter": account.is_virtual_network_filter_enabled}


def _call(close: Any, call: Any, function: Any, *args: Any, **kwargs: Any) -> Any:
    """One SDK call; an Azure error becomes its one line with the fix (``clients.azure``); the clients close after."""
    from drillbook.clients.azure import azure_errors
    from drillbook.errors import MetricsError

    try:
        with azure_errors(call, MetricsError):
            return function(*args, **kwargs)
    finally:
        close()


def _counts_by_status(results: Any) -> dict[str, int]:
    """Request counts per status code; a series without points (or another metric) adds nothing."""
    counts: dict[str, int] = {}
    for result in results:
        for metric in (m for m in result.metrics if (m.name or "").lower() == "totalrequests"):
            for series in metric.timeseries:
                labels = {k.lower(): v for k, v in (series.metadata_values or {}).items()}
                points = [p.count for p in series.data if p.count is not None and not math.isnan(p.count)]
                if points:
                    status = str(labels.get("statuscode", "all"))
                    counts[status] = counts.get(status, 0) + int(sum(points))
    return counts


def _clients(env: Any, timeout_s: float, credential: Any, transport: Any) -> tuple:
    from drillbook.clients.azure import default_credential
    from drillbook.metrics.azure._clients import CallOptions, build_clients
    from drillbook.metrics.azure._settings import load_settings

    settings = load_settings(env.config.azure, where=f"{env.path.name}: [azure]")
    owned = credential is None
    credential = default_credential() if owned else credential
    options = CallOptions(retry_total=0, connection_timeout=min(5.0, timeout_s), read_timeout=timeout_s,
                          total_timeout=timeout_s, max_retry_wait=0.0)
    logs, metrics = build_clients(settings, credential, options, transport)

    def close() -> None:
        logs.close()
        metrics.close()
        if owned:
            credential.close()

    return settings, logs, metrics, close


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _minute_floor(epoch: float) -> datetime:
    return _utc(epoch - epoch % 60)


def _kql_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _span(t0: datetime, t1: datetime) -> str:
    return f"{t0:%Y-%m-%d %H:%M:%S}-{t1:%H:%M:%S} UTC"
