"""What each troubleshooting step reads: the drill's own figures, the target's admin endpoints, Redis, Azure.

Every function here is one step's read; :mod:`drillbook.troubleshooting.run` picks the
steps for the failing sections and bounds them. A step raises when it cannot read:
the runner turns that into "troubleshooting step X could not run: ...".
"""

from __future__ import annotations

import math
import os
import time
from collections import defaultdict
from typing import Any

from drillbook.clients.http import Breaker, build_client
from drillbook.config.environments import Environment
from drillbook.errors import ConfigError
from drillbook.metrics.reading import Reading
from drillbook.config.secrets import SecretRef, resolve_secret
from drillbook.metrics.figures import Figures

TOP = 5
SANDBOX = "sandbox"
FAULT_TOKEN_VAR = "SANDBOX_FAULT_TOKEN"
MAX_ERRORS_SINCE_S = 300  # the sandbox keeps 5 min of errors


def failing_operations(readings: list[Reading]) -> list[dict]:
    """The endpoints with the most server errors over the drill, with their error rate."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for reading in readings:
        for name, endpoint in reading.endpoints.items():
            totals[name][0] += endpoint.requests
            totals[name][1] += endpoint.errors
    failing = sorted(((n, r, e) for n, (r, e) in totals.items() if e), key=lambda item: -item[2])[:TOP]
    return [{"operation": n, "errors": e, "requests": r, "error_rate_pct": round(100 * e / r, 2) if r else None}
            for n, r, e in failing]


def slowest_endpoints(readings: list[Reading], interval_s: float) -> list[dict]:
    """The endpoints with the highest p99 over the drill (all their requests pooled)."""
    pooled: dict[str, list[Reading]] = defaultdict(list)
    for reading in readings:
        for name, endpoint in reading.endpoints.items():
            pooled[name].append(Reading(reading.start, reading.end, reading.source, requests=endpoint.requests,
                                        latency_buckets=endpoint.latency_buckets, durations_ms=endpoint.durations_ms))
    figures = {name: Figures.of(parts, interval_s * len(parts)) for name, parts in pooled.items()}
    ranked = sorted(((n, f) for n, f in figures.items() if f.p99_ms is not None), key=lambda item: -item[1].p99_ms)
    return [{"endpoint": n, "p50_ms": f.p50_ms, "p99_ms": f.p99_ms, "requests": f.requests} for n, f in ranked[:TOP]]


def cache_hit_rate(readings: list[Reading]) -> dict:
    hits, misses = sum(r.cache_hits for r in readings), sum(r.cache_misses for r in readings)
    rate = round(100 * hits / (hits + misses), 2) if hits + misses else None
    return {"hits": hits, "misses": misses, "hit_rate_pct": rate}


def read_target(env: Environment, path: str, timeout_s: float) -> dict:
    """GET ``path`` with the admin token: the status and the body, whatever the status."""
    with build_client(env.http_target, token=env.secret("admin_token"), breaker=Breaker(enabled=False)) as client:
        response = client.get(path, timeout=timeout_s)
    try:
        body = response.json()
    except ValueError:
        body = response.text[:2000]
    return {"path": path, "status": response.status_code, "body": body}


def recent_errors(env: Environment, since: float, timeout_s: float) -> dict:
    """The target's own figures (the sandbox's ``/api/admin/errors``) since ``since``: errors by type and operation."""
    found = read_target(env, errors_path(since), timeout_s)
    body = found["body"]
    if found["status"] != 200 or not isinstance(body, dict):
        raise RuntimeError(f"GET {found['path']} answered {found['status']} -> on Azure set [metrics] source = "
                           "\"azure-monitor\" to read the exceptions from App Insights")
    return {"source": f"{env.base_url}{found['path']} (the last {body['window_s']:g} s)",
            "exceptions by type": body["by_type"], "failing operations": body["failing_operations"]}


def errors_path(since: float) -> str:
    """``/api/admin/errors?since_s=N``: the failing window, as far back as the sandbox keeps (5 min)."""
    return f"/api/admin/errors?since_s={min(MAX_ERRORS_SINCE_S, max(1, math.ceil(time.time() - since)))}"


def cosmos_from_target(env: Environment, since: float, timeout_s: float) -> dict:
    """Cosmos as the target sees it: its readiness entry, and its failed Cosmos calls by status (429 = throttled)."""
    ready = read_target(env, "/health/ready", timeout_s)
    body = ready["body"] if isinstance(ready["body"], dict) else {}
    dependencies = body.get("dependencies") if isinstance(body.get("dependencies"), dict) else {}
    found = {"readiness": {"path": "/health/ready", "status": ready["status"],
                           "cosmos": dependencies.get("cosmos", "not reported by /health/ready")}}
    errors = read_target(env, errors_path(since), timeout_s)
    if errors["status"] == 200 and isinstance(errors["body"], dict):
        found["failed calls"] = {"source": f"{env.base_url}{errors['path']}", **errors["body"]["cosmos"]}
    else:
        found["failed calls"] = f"not available: GET {errors['path']} answered {errors['status']}"
    return found


def redis_memory_and_evictions(env: Environment, timeout_s: float) -> dict:
    """``INFO memory`` and ``INFO stats`` of the environment's Redis: memory, evictions and the keyspace hit rate."""
    from drillbook.clients.redis import connect_redis, memory_usage

    target = connect_redis(redis_url(env, timeout_s), timeout_s=timeout_s)
    try:
        memory, stats = target.run("info", "memory"), target.run("info", "stats")
    finally:
        target.close()
    usage = memory_usage(memory)
    hits, misses = int(stats.get("keyspace_hits", 0)), int(stats.get("keyspace_misses", 0))
    return {"source": target.source, "used_memory": int(memory["used_memory"]),
            "used_memory_human": memory.get("used_memory_human"), "maxmemory": int(memory.get("maxmemory") or 0),
            "maxmemory_policy": memory.get("maxmemory_policy"),
            "memory": usage.describe() if usage else "unknown (no maxmemory and no system memory)",
            "evicted_keys": int(stats.get("evicted_keys", 0)), "expired_keys": int(stats.get("expired_keys", 0)),
            "keyspace_hits": hits, "keyspace_misses": misses,
            "hit_rate_pct": round(100 * hits / (hits + misses), 2) if hits + misses else None,
            "since": "the Redis server started (INFO counters are cumulative)"}


def redis_url(env: Environment, timeout_s: float) -> str:
    """``[redis] url``: a URL, a secret reference, or "sandbox" (the sandbox's own Redis, from /_sandbox/info)."""
    value = env.config.redis.url
    if value == SANDBOX or (value is None and env.tier == "local"):
        return _sandbox_info(env, timeout_s)["redis_url"]
    if value is None:
        raise ConfigError(f"{env.path.name}: [redis] url is not set -> add url = {{ env = \"CASTIEL_REDIS_URL\" }} "
                          "to read Redis memory and evictions")
    if isinstance(value, SecretRef):
        return resolve_secret(value, where=f"{env.path.name}: [redis] url") or ""
    return value


def _sandbox_info(env: Environment, timeout_s: float) -> dict:
    import httpx

    headers = {"X-Fault-Token": os.environ.get(FAULT_TOKEN_VAR, "")}
    response = httpx.get(f"{env.base_url}/_sandbox/info", headers=headers, timeout=timeout_s)
    if response.status_code != 200:
        raise ConfigError(f"GET /_sandbox/info answered {response.status_code} -> is {FAULT_TOKEN_VAR} the token "
                          "the sandbox was started with?")
    return response.json()


def on_azure(env: Environment) -> bool:
    return env.config.metrics.source == "azure-monitor"


def azure_errors(env: Environment, start: float, end: float, timeout_s: float, access: dict[str, Any]) -> dict:
    from drillbook.troubleshooting.azure import errors_from_app_insights

    return errors_from_app_insights(env, start, end, timeout_s=timeout_s, **access)


def azure_cosmos(env: Environment, start: float, end: float, timeout_s: float, access: dict[str, Any]) -> dict:
    from drillbook.troubleshooting.azure import cosmos_requests_by_status

    return cosmos_requests_by_status(env, start, end, timeout_s=timeout_s, **access)


def azure_cosmos_account(env: Environment, timeout_s: float, access: dict[str, Any]) -> dict:
    from drillbook.troubleshooting.azure import cosmos_account_status

    return cosmos_account_status(env, timeout_s=timeout_s, **access)
