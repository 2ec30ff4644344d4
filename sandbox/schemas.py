"""JSON schemas of every body the sandbox reads or writes, and a small validator.

The same dicts validate requests and fill the OpenAPI document, so what
schemathesis fuzzes is exactly what the handlers accept.
"""

from __future__ import annotations

from typing import Any


def string(min_length: int = 0, max_length: int = 256, **extra) -> dict:
    return {"type": "string", "minLength": min_length, "maxLength": max_length, **extra}


def obj(properties: dict, required: list[str] | None = None, closed: bool = True) -> dict:
    schema = {"type": "object", "properties": properties,
              "required": list(properties) if required is None else required}
    if closed:
        schema["additionalProperties"] = False
    return schema


NUMBER = {"type": "number"}
INTEGER = {"type": "integer", "minimum": 0}
MAYBE_NUMBER = {"type": ["number", "null"]}

ERROR = obj({"error": {"type": "string"}, "details": {"type": "array", "items": {"type": "string"}}},
            required=["error"])

TENANT_ID = string(1, 128)
LIST_LIMIT = {"type": "integer", "minimum": 1, "maximum": 100}
SHARD_INPUT = obj({
    "tenantId": TENANT_ID,
    "name": string(1, 256),
    "content": string(0, 10000),
    "tags": {"type": "array", "maxItems": 20, "items": string(0, 64)},
}, required=["tenantId", "name"])
SHARD = obj({
    "id": {"type": "string"}, "tenantId": {"type": "string"}, "name": {"type": "string"},
    "content": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
    "createdAt": {"type": "string"}, "updatedAt": {"type": "string"},
})
SHARD_LIST = obj({"items": {"type": "array", "items": SHARD}, "count": INTEGER})

HEALTH = obj({"status": {"type": "string", "enum": ["healthy"]}, "version": {"type": "string"},
              "uptime_s": NUMBER})
LIVE = obj({"status": {"type": "string", "enum": ["alive"]}})
DEPENDENCY = obj({"status": {"type": "string", "enum": ["up", "down"]}, "latency_ms": NUMBER,
                  "error": {"type": "string"},
                  # the embedding queue's worker: its crashes so far, restarted by its supervisor
                  "crashes": INTEGER, "last_crash": {"type": "string"}},
                 required=["status", "latency_ms"], closed=False)
READY = obj({
    "status": {"type": "string", "enum": ["ready", "not_ready"]},
    "dependencies": obj({name: DEPENDENCY for name in ("redis", "cosmos", "embedding_queue")}),
})

CACHE_STATS = obj({
    "hits": INTEGER, "misses": INTEGER, "hit_rate": MAYBE_NUMBER, "keys": INTEGER,
    "used_memory_bytes": INTEGER, "maxmemory_bytes": INTEGER, "used_memory_pct": MAYBE_NUMBER,
    "evicted_keys": INTEGER, "maxmemory_policy": {"type": "string"},
})
CACHE_CLEAR_INPUT = obj({"pattern": string(1, 256)})
CACHE_CLEAR = obj({"pattern": {"type": "string"}, "deleted": INTEGER})
SLOW_ENDPOINTS = obj({
    "threshold_ms": NUMBER,
    "endpoints": {"type": "array", "items": obj({
        "method": {"type": "string"}, "route": {"type": "string"}, "p95_ms": NUMBER, "count": INTEGER})},
})

ERRORS_SINCE = {"type": "integer", "minimum": 1, "maximum": 300}  # seconds back, within the kept 5 min
RECENT_ERRORS = obj({
    "window_s": NUMBER,
    "by_type": {"type": "array", "items": obj({"type": {"type": "string"}, "count": INTEGER})},
    "failing_operations": {"type": "array", "items": obj({
        "operation": {"type": "string"}, "status": INTEGER, "count": INTEGER})},
    "cosmos": obj({"failed_calls": INTEGER, "throttled_429": INTEGER,
                   "by_status": {"type": "object", "additionalProperties": INTEGER},
                   "by_type": {"type": "object", "additionalProperties": INTEGER}}),
})

EMBEDDING_JOB_INPUT = obj({"text": string(1, 10000)})
EMBEDDING_JOB = obj({"id": {"type": "string"}, "status": {"type": "string", "enum": ["queued"]}})
EMBEDDING_STATS = obj({"queue_depth": INTEGER, "processed": INTEGER, "failed": INTEGER,
                       "failure_rate": MAYBE_NUMBER})

FAULT_INPUT = obj({
    "route": string(1, 256),
    "latency_ms": {"type": "integer", "minimum": 0, "maximum": 600000},
    "latency_rate": {"type": "number", "minimum": 0, "maximum": 1},
    "error_rate": {"type": "number", "minimum": 0, "maximum": 1},
    "status": {"type": "integer", "minimum": 200, "maximum": 599},
    "body": {},
    "hang": {"type": "boolean"},
    "ttl_s": {"type": "number", "minimum": 0.1, "maximum": 3600},
}, required=["route"])
SLOT_FAULT_INPUT = obj({
    "stuck": {"type": "boolean"},
    "delay_ms": {"type": "integer", "minimum": 0, "maximum": 600000},
    "after_swaps": {"type": "integer", "minimum": 0, "maximum": 100},
    "unhealthy": {"type": "boolean"},
    "restart_down_ms": {"type": "integer", "minimum": 0, "maximum": 600000},
}, required=[])
SETTING_INPUT = obj({"value": string(0, 4096)})
RATE_INPUT = obj({"rate": {"type": "number", "minimum": 0, "maximum": 1}})
POISON_INPUT = obj({"jobs": {"type": "integer", "minimum": 1, "maximum": 10}})
HIDE_INPUT = obj({"dependency": string(1, 64), "ttl_s": {"type": "number", "minimum": 0.1, "maximum": 3600}},
                 required=["dependency"])
RESTART_INPUT = obj({"down_s": {"type": "number", "minimum": 0, "maximum": 30}})
METRICS_SHAPE_INPUT = obj({
    "buckets": {"type": "string", "enum": ["sandbox", "prometheus", "fastapi"]},
    "bucket_bounds": {"type": "array", "maxItems": 40, "items": {"type": "number", "minimum": 0.0001}},
    "split_by_status": {"type": "boolean"},
    "status_classes": {"type": "boolean"},
    "count_scrapes": {"type": "boolean"},
}, required=[])
METRICS_SHAPE = obj({"buckets": {"type": "array", "items": NUMBER}, "split_by_status": {"type": "boolean"},
                     "status_classes": {"type": "boolean"}, "count_scrapes": {"type": "boolean"}})

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(schema: dict, value: Any, where: str = "body") -> list[str]:
    """Problems with value against the subset of JSON Schema used above."""
    expected = schema.get("type")
    if expected is not None:
        allowed = expected if isinstance(expected, list) else [expected]
        if not any(_TYPES[name](value) for name in allowed):
            return [f"{where}: expected {' or '.join(allowed)}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: must be one of {schema['enum']}"]
    if isinstance(value, str):
        return _check_string(schema, value, where)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _check_number(schema, value, where)
    if isinstance(value, list):
        return _check_array(schema, value, where)
    if isinstance(value, dict):
        return _check_object(schema, value, where)
    return []


def _check_string(schema: dict, value: str, where: str) -> list[str]:
    if len(value) < schema.get("minLength", 0):
        return [f"{where}: shorter than {schema['minLength']} characters"]
    if len(value) > schema.get("maxLength", len(value)):
        return [f"{where}: longer than {schema['maxLength']} characters"]
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return [f"{where}: not encodable as UTF-8"]
    return []


def _check_number(schema: dict, value: float, where: str) -> list[str]:
    if "minimum" in schema and value < schema["minimum"]:
        return [f"{where}: below the minimum {schema['minimum']}"]
    if "maximum" in schema and value > schema["maximum"]:
        return [f"{where}: above the maximum {schema['maximum']}"]
    return []


def _check_array(schema: dict, value: list, where: str) -> list[str]:
    if len(value) > schema.get("maxItems", len(value)):
        return [f"{where}: more than {schema['maxItems']} items"]
    items = schema.get("items", {})
    return [p for i, item in enumerate(value) for p in validate(items, item, f"{where}[{i}]")]


def _check_object(schema: dict, value: dict, where: str) -> list[str]:
    properties = schema.get("properties", {})
    problems = [f"{where}.{key}: required" for key in schema.get("required", []) if key not in value]
    if schema.get("additionalProperties") is False:
        problems += [f"{where}.{key}: unknown field" for key in value if key not in properties]
    for key, sub in properties.items():
        if key in value:
            problems += validate(sub, value[key], f"{where}.{key}")
    return problems
