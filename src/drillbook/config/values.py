"""Converters for the environment file's values: each returns the value or raises ValueError("what is expected").

The section models (``drillbook.config.sections``) wrap them as pydantic types, so an error says in
drillbook's words what a key takes:

>>> to_positive(0)
Traceback (most recent call last):
ValueError: expected a number > 0
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

from drillbook.config.secrets import SecretRef

HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


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


def whole(low: int, high: int | None = None) -> Callable[[Any], int]:
    """A whole number from ``low`` (to ``high``): counts, ports, workers."""
    def convert(value: Any) -> int:
        exact = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        if isinstance(value, bool) or not exact or value < low or (high is not None and value > high):
            raise ValueError(f"must be a whole number from {low} to {high}" if high is not None
                             else f"expected a whole number >= {low}")
        return int(value)
    return convert


def to_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def to_str_list(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return tuple(value)


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
    if isinstance(value, SecretRef):
        return value
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


def to_keyvault_ref(value: Any) -> SecretRef:
    """A reference that only Key Vault may hold: read by someone else (Azure's engines), never by drillbook."""
    ref = to_secret_ref(value)
    if not ref.keyvault:
        raise ValueError("the engines read it from Key Vault themselves: give "
                         '{ keyvault = "https://<vault>.vault.azure.net", secret = "<name>" }')
    return ref


def to_str_or_ref(value: Any) -> str | SecretRef:
    return to_secret_ref(value) if isinstance(value, (dict, SecretRef)) else to_str(value)


# --- routes: "METHOD /path" ---------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    """``METHOD /path`` as written in ``[security] admin_routes`` or ``[contract] exclude``."""

    method: str
    path: str

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def parse_route(text: str) -> Route:
    """``"POST /api/admin/cache/clear"`` -> Route; ValueError says what is expected."""
    method, _, path = text.strip().partition(" ")
    path = path.strip()
    if method.upper() not in HTTP_METHODS or not path.startswith("/"):
        raise ValueError(f'expected "METHOD /path" (e.g. "GET /api/admin/cache/stats"), got {text!r}')
    return Route(method.upper(), path)


def to_route_list(value: Any) -> tuple[str, ...]:
    """A list of ``METHOD /path`` strings, each written the one way (``GET /x``)."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError('expected a list of "METHOD /path" strings')
    return tuple(str(parse_route(v)) for v in value)
