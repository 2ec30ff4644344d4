"""HTTP plumbing shared by every route: JSON errors, body parsing, token checks.

Every error leaves the app as `{"error": ..., "details": [...]}`, never as a
stack trace, so fuzzing and checks see the same shape the OpenAPI document
promises.
"""

from __future__ import annotations

import hmac
import json
import logging
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Match, Route

from sandbox.schemas import validate

log = logging.getLogger("sandbox")

# Neither is measured, so scraping does not change what it reads; the control
# is never faulted either, so a drill can always undo what it did.
METRICS_PATH = "/metrics"
CONTROL_PREFIX = "/_sandbox/"
MAX_BODY_BYTES = 1_000_000


class ApiError(Exception):
    """Raise from a handler to answer with a JSON error body."""

    def __init__(self, status: int, message: str, details: list[str] | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.details, self.headers = status, message, details, headers


def error_body(message: str, details: list[str] | None = None) -> dict:
    body = {"error": message}
    if details:
        body["details"] = details
    return body


async def on_api_error(request: Request, exc: ApiError) -> JSONResponse:
    if exc.status >= 500:  # the telemetry counts it by type, as App Insights' exceptions table would
        kind = f"{exc.details[0]} ({exc.message})" if exc.details else exc.message
        request.scope.setdefault("state", {})["drillbook_error_type"] = kind
    return JSONResponse(error_body(exc.message, exc.details), exc.status, headers=exc.headers)


async def on_http_error(request: Request, exc: HTTPException) -> JSONResponse:
    """Starlette's own 404/405 answers, as JSON."""
    message = HTTPStatus(exc.status_code).phrase
    return JSONResponse(error_body(message), exc.status_code, headers=exc.headers)


async def on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled %s on %s %s: %s", type(exc).__name__, request.method, request.url.path, exc)
    return JSONResponse(error_body("Internal Server Error"), 500)


EXCEPTION_HANDLERS = {ApiError: on_api_error, HTTPException: on_http_error, Exception: on_unexpected_error}


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refused with a JSON 413 once it grows past limit."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "request body is too large", [f"limit is {limit} bytes"])
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, schema: dict) -> dict:
    """The request body parsed and checked against schema, else a 400/413/422 ApiError."""
    raw = await read_body(request)
    try:
        value = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as err:
        raise ApiError(400, "request body is not valid JSON", [str(err)[:200]]) from None
    problems = validate(schema, value)
    if problems:
        raise ApiError(422, "request body does not match the schema", problems)
    return value


def read_query(request: Request, name: str, schema: dict, default=None, required: bool = False):
    """A query parameter checked against schema (integers converted), else a 422 ApiError."""
    raw = request.query_params.get(name)
    if raw is None:
        if required:
            raise ApiError(422, f"query parameter {name} is required", [f"add ?{name}=<value>"])
        return default
    is_int = schema.get("type") == "integer" and raw.removeprefix("-").isdigit()
    value = int(raw) if is_int else raw
    problems = validate(schema, value, f"query.{name}")
    if problems:
        raise ApiError(422, f"query parameter {name} is invalid", problems)
    return value


def check_token(supplied: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing does not leak the token."""
    return supplied is not None and hmac.compare_digest(supplied.encode(), expected.encode())


def require_bearer(request: Request, token: str) -> None:
    """401 without a bearer token, 403 with the wrong one."""
    scheme, _, supplied = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not supplied:
        raise ApiError(401, "missing bearer token", ["send Authorization: Bearer <admin token>"],
                       headers={"WWW-Authenticate": "Bearer"})
    if not check_token(supplied.strip(), token):
        raise ApiError(403, "bearer token is not valid for admin endpoints")


def route_template(routes: list[BaseRoute], scope: dict) -> str | None:
    """The template of the route that will serve scope, like /api/shards/{id}."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return route.path
        if match is Match.PARTIAL and partial is None:
            partial = route.path  # path matches, method does not: a 405
    return partial


def is_control(path: str) -> bool:
    return path.startswith(CONTROL_PREFIX)


def is_observed(path: str) -> bool:
    """True for the public API: what metrics count and what `*` faults touch."""
    return path != METRICS_PATH and not is_control(path)


def route(path: str, **handlers) -> Route:
    """One Route per path, so a 405 lists every allowed method in Allow.

    >>> route("/api/shards", GET=list_shards, POST=create_shard)
    """
    async def dispatch(request: Request):
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return Route(path, dispatch, methods=list(handlers))
