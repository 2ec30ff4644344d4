"""The environment file's schema: sections, keys, types, defaults, and the errors that teach.

A later feature adds its own section with :func:`register_section`; a key that
no section declares is an error with a "did you mean" hint.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

from drillbook import redaction
from drillbook.errors import ConfigError
from drillbook.config.secrets import SecretRef

REQUIRED = object()


@dataclass(frozen=True)
class Field:
    """One key: how to convert it, its default, and an example for error messages."""

    convert: Callable[[Any], Any]
    default: Any = None
    example: str = ""


_SECTIONS: dict[str, dict[str, Field]] = {}


def register_section(name: str, fields: dict[str, Field]) -> None:
    _SECTIONS.setdefault(name, {}).update(fields)


def validate(raw: dict[str, Any], *, where: str,
             sections: dict[str, dict[str, Field]] | None = None) -> dict[str, Any]:
    """Return the settings with defaults filled in, or raise a one-line ConfigError.

    ``sections``: another file's schema (the release manifest); default: the environment file's.
    """
    sections = _SECTIONS if sections is None else sections
    _refuse_inline_secrets(raw, where, path="", sections=sections)
    settings = {}
    for section, table in raw.items():
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: '{section}' must be a [section] table -> write [{section}] with keys under it")
        settings[section] = _validate_section(section, table, where, sections)
    for section in sections.keys() - settings.keys():
        settings[section] = _validate_section(section, {}, where, sections)
    return settings


def _validate_section(section: str, table: dict[str, Any], where: str,
                      sections: dict[str, dict[str, Field]]) -> dict[str, Any]:
    if section not in sections:
        raise ConfigError(f"{where}: unknown section [{section}] -> {_suggest(section, sorted(sections))}")
    fields = sections[section]
    for key in table:
        if key not in fields:
            raise ConfigError(f"{where}: [{section}] unknown key '{key}' -> {_suggest(key, sorted(fields))}")
    return {key: _field_value(spec, table, where, section, key) for key, spec in fields.items()}


def _field_value(spec: Field, table: dict[str, Any], where: str, section: str, key: str) -> Any:
    if key not in table:
        if spec.default is REQUIRED:
            raise ConfigError(f"{where}: [{section}] missing key '{key}' -> add it, e.g. {key} = {spec.example}")
        return spec.default
    return _convert(spec.convert, table[key], where, section, key, spec.example)


def _convert(convert: Callable[[Any], Any], value: Any, where: str, section: str, key: str, example: str) -> Any:
    try:
        return convert(value)
    except (TypeError, ValueError) as exc:
        fix = f"{exc}" + (f", e.g. {key} = {example}" if example else "")
        raise ConfigError(f"{where}: [{section}] {key} = {_shown(value, section, key)} is invalid -> {fix}") from None


def _shown(value: Any, section: str, key: str) -> str:
    """The value as an error message may show it: never the value of a secret key."""
    if _is_reference(value):
        return "(a secret reference)"
    return "(value not shown)" if _is_secret_key(section, key) else repr(value)


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    listing = ", ".join(known)
    return f"did you mean '{close[0]}'? (known: {listing})" if close else f"known: {listing}"


# --- converters: each raises ValueError("what is expected") ----------------------------

def to_str(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value


def to_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError("expected a number >= 0")
    if not math.isfinite(value):  # TOML writes nan and inf; neither is a limit or a duration
        raise ValueError("expected a finite number (nan and inf are not limits)")
    return float(value)


def to_positive(value: Any) -> float:
    number = to_number(value)
    if number <= 0:
        raise ValueError("expected a number > 0")
    return number


def to_share(value: Any) -> float:
    number = to_number(value)
    if number > 1:
        raise ValueError("expected a share between 0 and 1 (0.2 is 20 %)")
    return number


def to_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def to_str_list(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return list(value)


def one_of(*choices: str) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if value not in choices:
            close = difflib.get_close_matches(str(value), choices, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ValueError(f"{hint}expected one of: {', '.join(choices)}")
        return value
    return convert


def to_url(value: Any) -> str:
    text = to_str(value)
    if text != "sandbox" and not re.match(r"^https?://[^/\s]+", text):
        raise ValueError('expected an http(s):// URL or "sandbox"')
    return text.rstrip("/")


def to_secret_ref(value: Any) -> SecretRef:
    if isinstance(value, str):
        raise ValueError(
            'a secret value is written in the file; replace it with a reference: '
            '{ env = "VARIABLE" } or { keyvault = "https://<vault>.vault.azure.net", secret = "<name>" }'
        )
    if not isinstance(value, dict) or set(value) - {"env", "keyvault", "secret", "optional"}:
        raise ValueError('expected { env = "VARIABLE" } or { keyvault = "https://...", secret = "name" }')
    if bool(value.get("env")) == bool(value.get("keyvault")):
        raise ValueError('give exactly one of env = "VARIABLE" or keyvault = "https://..." with secret = "name"')
    if value.get("keyvault") and not value.get("secret"):
        raise ValueError('a keyvault reference also needs secret = "name"')
    return SecretRef(value.get("env"), value.get("keyvault"), value.get("secret"), bool(value.get("optional", False)))


def to_str_or_ref(value: Any) -> str | SecretRef:
    return to_secret_ref(value) if isinstance(value, dict) else to_str(value)


# --- the refusal of secrets written as values ---------------------------------------------

def _is_secret_key(section: str, key: str, sections: dict[str, dict[str, Field]] = _SECTIONS) -> bool:
    field = sections.get(section, {}).get(key)
    return redaction.is_sensitive_name(key) or (field is not None and field.convert is to_secret_ref)


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and bool({"env", "keyvault"} & set(value))


def _refuse_inline_secrets(table: dict[str, Any], where: str, path: str,
                           sections: dict[str, dict[str, Field]] = _SECTIONS) -> None:
    for key, value in table.items():
        dotted = f"{path}.{key}" if path else key
        section, _, name = dotted.rpartition(".")
        if isinstance(value, dict) and not _is_reference(value):
            _refuse_inline_secrets(value, where, dotted, sections)
        elif not isinstance(value, dict) and _is_secret_key(section, name, sections):
            raise _secret_written(where, section, name)
        for text in (value if isinstance(value, list) else [value]):
            if isinstance(text, str):
                _refuse_credential_text(text, where, section, name, sections)


def _refuse_credential_text(text: str, where: str, section: str, name: str,
                            sections: dict[str, dict[str, Field]]) -> None:
    shape = redaction.credential_shape(text)  # the shapes redaction masks: one list, so refused = masked
    if shape is not None and shape.in_url:
        raise ConfigError(f"{where}: [{section}] {name}: the URL carries a credential (value not shown) "
                          f"-> {_url_fix(section, name, sections)}")
    if shape is not None:
        raise _secret_written(where, section, name)


def _url_fix(section: str, name: str, sections: dict[str, dict[str, Field]]) -> str:
    field = sections.get(section, {}).get(name)
    if field is not None and field.convert is to_str_or_ref:
        return f'give the whole URL as a reference: {name} = {{ env = "VARIABLE" }}'
    return ('remove it from the URL; credentials come from references, '
            'e.g. [auth] admin_token = { env = "CASTIEL_ADMIN_TOKEN" }')


def _secret_written(where: str, section: str, name: str) -> ConfigError:
    return ConfigError(
        f"{where}: [{section}] {name}: a secret value is written in the file (value not shown) "
        f'-> replace it with a reference: {name} = {{ env = "VARIABLE" }} or a Key Vault reference'
    )


register_section("target", {
    "tier": Field(one_of("local", "staging", "production"), REQUIRED, '"staging"'),
    "base_url": Field(to_url, REQUIRED, '"https://api-staging.castiel.com"'),
    "description": Field(to_str, ""),
    "name": Field(to_str, None, '"canary"'),  # the name in the record; default: the file's stem
})
register_section("http", {
    "timeout_s": Field(to_positive, 5.0, "5.0"),  # the whole exchange: connect, send and the complete answer
    "connect_timeout_s": Field(to_positive, 3.0, "3.0"),
    "max_body_mib": Field(to_positive, 1.0, "1"),  # API and health answers; reading stops past it
    "max_document_body_mib": Field(to_positive, 16.0, "16"),  # [metrics] path and [contract] openapi_path
    "verify_tls": Field(to_bool, True, "true"),
    "ca_bundle": Field(to_str, None, '"/etc/ssl/certs/corp-ca.pem"'),
    "user_agent": Field(to_str, None, '"drillbook (team-ops)"'),
})
register_section("auth", {"admin_token": Field(to_secret_ref, None, '{ env = "CASTIEL_ADMIN_TOKEN" }')})
register_section("budgets", {"health_latency_ms": Field(to_positive, 800.0, "500")})
# unset: true on the local tier, false elsewhere (drillbook.config.tiers)
register_section("safety", {"allow_destructive": Field(to_bool, None, "false")})
register_section("metrics", {
    "source": Field(one_of("scrape", "probe", "azure-monitor"), "probe", '"scrape"'),
    "interval_s": Field(to_positive, 60.0, "60"),
    "min_requests": Field(to_positive, 20.0, "20"),
    # the watch: a gauge window with fewer of its expected points is no data; more unreadable ticks is inconclusive
    "min_points_share": Field(to_share, 0.8, "0.8"),
    "max_unreadable_share": Field(to_share, 0.2, "0.2"),
    # scrape: Prometheus names, defaulting to the common convention
    "path": Field(to_str, "/metrics", '"/metrics"'),
    "requests_metric": Field(to_str, "http_requests_total", '"http_requests_total"'),
    "duration_metric": Field(to_str, "http_request_duration_seconds", '"http_request_duration_seconds"'),
    "status_label": Field(to_str, "status", '"status"'),
    "route_label": Field(to_str, "route", '"route"'),
    "method_label": Field(to_str, "method", '"method"'),
    "cpu_metric": Field(to_str, "process_cpu_seconds_total", '"process_cpu_seconds_total"'),
    "memory_metric": Field(to_str, "process_resident_memory_bytes", '"process_resident_memory_bytes"'),
    "memory_limit_mb": Field(to_positive, None, "1536"),
    # probe: the routes the suite's own synthetic traffic exercises
    "probe_routes": Field(to_str_list, ["/health", "/health/ready", "/api/shards?tenantId=drillbook-probe"],
                          '["/health", "/api/shards"]'),
    "probe_rps": Field(to_positive, 5.0, "5"),
})
register_section("azure", {
    "subscription_id": Field(to_str_or_ref, None, '{ env = "AZURE_SUBSCRIPTION_ID" }'),
    "resource_group": Field(to_str, None, '"rg-castiel-prod"'),
    "app_service": Field(to_str, None, '"app-castiel-api-prod"'),
    "cosmos_account": Field(to_str, None, '"cosmos-castiel-prod"'),
    "redis_name": Field(to_str, None, '"redis-castiel-prod"'),
    "app_service_plan": Field(to_str, None, '"asp-castiel-prod"'),
    "servicebus_namespace": Field(to_str, None, '"sb-castiel-prod"'),
    "servicebus_queue": Field(to_str, None, '"embedding-jobs"'),
    "app_insights": Field(to_str, None, '"app-castiel-api-prod"'),
    "app_insights_resource_id": Field(to_str, None, '"/subscriptions/.../components/app-castiel-api-prod"'),
    "log_analytics_workspace_id": Field(to_str_or_ref, None, '{ env = "CASTIEL_LOG_WORKSPACE_ID" }'),
    "location": Field(to_str, None, '"westeurope"'),
    # the Chaos Studio experiment the chaos-studio drill starts and cancels (drillbook never edits its steps)
    "chaos_experiment": Field(to_str, None, '"chaos-castiel-staging"'),
    "metrics_endpoint": Field(to_url, None, '"https://westeurope.metrics.monitor.azure.com"'),
    "logs_endpoint": Field(to_url, None, '"https://api.loganalytics.io"'),
    # Application Insights ingests 1-3 min late: read each interval this much later, so counts are complete
    "ingestion_lag_s": Field(to_number, 0.0, "150"),
})

# --- component checks: each block belongs to one feature; edit only your block ----------------

register_section("troubleshooting", {  # what a failed watch, load or chaos drill reads (drillbook.troubleshooting.run)
    "step_timeout_s": Field(to_positive, 10.0, "10"),  # each step; one that takes longer "could not run"
    "budget_s": Field(to_positive, 20.0, "20"),  # all steps together (they run side by side)
})
register_section("health", {  # health checks
    # the keys /health/ready must report: a dependency missing from its map fails, named
    "dependencies": Field(to_str_list, ["cosmos", "redis", "embedding_queue"], '["cosmos", "redis", "embedding_queue"]'),
})

register_section("redis", {  # cache checks, and the work queues that live on Redis lists
    # a redis:// or rediss:// URL, or Azure's "host:6380,password=...,ssl=True" string, always as a reference
    "url": Field(to_str_or_ref, None, '{ env = "CASTIEL_REDIS_URL" }  (or "sandbox")'),
    "key_prefixes": Field(to_str_list, ["shard_cache:"], '["shard_cache:"]'),
    "scan_sample": Field(to_positive, 200.0, "200"),
    "ping_budget_ms": Field(to_positive, 50.0, "50"),
    # hit rate: GET these API paths read_rounds times in the window; none = watch live traffic for window_s
    "read_paths": Field(to_str_list, [], '["/api/shards/<a known id>"]'),
    "read_rounds": Field(to_positive, 10.0, "10"),
    "hit_rate_window_s": Field(to_positive, 30.0, "30"),
    "min_lookups": Field(to_positive, 20.0, "20"),
    "clear_pattern": Field(to_str, "shard_cache:*", '"shard_cache:*"'),
    "work_queues": Field(to_str_list, [], '["queue:embedding_jobs"]'),
    "probe_jobs": Field(to_positive, 20.0, "20"),
    "drain_timeout_s": Field(to_positive, 10.0, "10"),
})

_INDEX_PATH = re.compile(r"^(/(\"[^\"]+\"|[^/\"?*]+))+/\?$")


def to_cosmos_containers(value: Any) -> dict[str, dict[str, Any]]:
    """``[cosmos.containers.<name>]`` tables: ``partition_key = "/tenantId"``, ``index_paths = ["/tenantId/?"]``."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError("expected one table per container, e.g. [cosmos.containers.shards] "
                         'with partition_key = "/tenantId"')
    return {name: _cosmos_container(name, spec) for name, spec in value.items()}


def _cosmos_container(name: str, spec: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(spec) - {"partition_key", "index_paths"})
    if unknown:
        raise ValueError(f"[cosmos.containers.{name}] unknown key '{unknown[0]}' (known: index_paths, partition_key)")
    key = spec.get("partition_key")
    if not isinstance(key, str) or not re.match(r"^(/[^/\s]+)+$", key):
        raise ValueError(f'[cosmos.containers.{name}] partition_key must be a path like "/tenantId"')
    paths = to_str_list(spec.get("index_paths", []))
    bad = [p for p in paths if not _INDEX_PATH.match(p)]
    if bad:
        raise ValueError(f"[cosmos.containers.{name}] index path {bad[0]!r} is not a scalar index path "
                         '-> write it the way the indexing policy does, e.g. "/createdAt/?"')
    return {"partition_key": key, "index_paths": tuple(paths)}


register_section("cosmos", {  # database checks
    "endpoint": Field(to_url, None, '"https://cosmos-castiel-prod.documents.azure.com:443/"  (or "sandbox")'),
    "key": Field(to_secret_ref, None, '{ env = "CASTIEL_COSMOS_KEY" }  (omit it to sign in with Entra ID)'),
    "database": Field(to_str, "castiel", '"castiel"'),
    "read_budget_ms": Field(to_positive, 200.0, "200"),
    "timeout_s": Field(to_positive, 3.0, "3"),  # per call, and the whole call with its retries
    "containers": Field(to_cosmos_containers, {}),  # its errors give their own example
    "canary_container": Field(to_str, "drillbook_canary", '"drillbook_canary"'),
    "canary_prefix": Field(to_str, "drillbook-canary-", '"drillbook-canary-"'),
    "canary_ttl_s": Field(to_positive, 3600.0, "3600"),
})

register_section("servicebus", {  # queue checks
    "namespace": Field(to_str, None, '"sb-castiel-prod.servicebus.windows.net"'),
    "connection_string": Field(to_secret_ref, None, '{ env = "CASTIEL_SERVICEBUS_CONNECTION" }'),
    "queues": Field(to_str_list, [], '["embedding-jobs"]'),
    "max_dead_letters": Field(to_number, 0.0, "0"),
})

from drillbook.components.security import to_route_list  # noqa: E402 - the security block's own converter

register_section("security", {  # security checks
    "tls_min_days": Field(to_positive, 21.0, "21"),
    "admin_routes": Field(to_route_list, ["GET /api/admin/cache/stats", "POST /api/admin/cache/clear",
                                          "GET /api/admin/performance/slow"], '["GET /api/admin/cache/stats"]'),
    "header_paths": Field(to_str_list, ["/health"], '["/health", "/api/shards?tenantId=drillbook-probe"]'),
    "hsts_min_age_s": Field(to_number, 15768000.0, "31536000"),  # six months, the usual floor
})

register_section("slots", {  # the rollback drill and the rollback gate (drillbook.gates)
    "slot": Field(to_str, "staging", '"staging"'),  # the deployment slot that swaps with production
    # the slot's own address, for its /health; default on the sandbox: its slot route
    "slot_url": Field(to_url, None, '"https://app-castiel-api-prod-staging.azurewebsites.net"'),
    "swap_objective_s": Field(to_positive, 300.0, "300"),  # a swap and a swap back each flip /health within this
    "restart_objective_s": Field(to_positive, 300.0, "300"),  # a restart answers healthy within this
    "poll_interval_s": Field(to_positive, 1.0, "1"),
})

register_section("contract", {  # contract checks
    "max_examples": Field(to_positive, 20.0, "20"),  # per operation and generation mode
    "max_seconds": Field(to_positive, 60.0, "60"),  # the whole contract run
    "openapi_path": Field(to_str, "/openapi.json", '"/openapi.json"'),
    "negative_data": Field(to_bool, True, "true"),  # also send what the schema forbids: 4xx expected, never 5xx
    "exclude": Field(to_route_list, [], '["POST /api/admin/cache/clear"]'),
})

register_section("smoke", {  # critical flows, and the tenant every drill's data lives under
    # a tenant with a few long-lived shards the read-only flow lists and reads; drill writes go to
    # "<drill_tenant>-<run id>" tenants and are removed afterwards
    "drill_tenant": Field(to_str, "drillbook-drill", '"drillbook-drill"'),
})

from drillbook.load._schema import AZURE_LOAD_TESTING_FIELDS, LOAD_FIELDS  # noqa: E402 - the load block's own fields

register_section("load", LOAD_FIELDS)  # load drills: users, duration, stages (shapes as data), workers, windows
register_section("azure_load_testing", AZURE_LOAD_TESTING_FIELDS)  # the load drill's Azure engine
