"""The tier rules: the local tier reaches only loopback, and a production host or resource is production.

A file cannot talk its way around the destructive guard. ``tier = "local"`` with
``base_url = "https://api.castiel.com"`` is an error, and ``tier = "staging"``
with ``[azure] resource_group = "rg-castiel-prod"`` is read as production:

>>> ("host", "api.castiel.com") in production_marks({"target": {"base_url": "https://api.castiel.com"}})
True
"""

from __future__ import annotations

import ipaddress
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from drillbook.config.sections import EnvironmentFile
from drillbook.config.sections.azure import RESOURCES as AZURE_RESOURCES
from drillbook.errors import ConfigError

SANDBOX = "sandbox"
NAMESPACES = (("azure", "servicebus_namespace"), ("servicebus", "namespace"))  # a name or its full host
# Literal addresses a local-tier file may name besides its base URL; references resolve later and are the
# operator's own, but what is written in the file must stay on this machine.
LOCAL_ADDRESSES = (("cosmos", "endpoint"), ("redis", "url"), ("azure", "metrics_endpoint"), ("azure", "logs_endpoint"),
                   ("record", "account_url"), ("slots", "slot_url"))
# Addresses a drill sends its requests to (--slot aims the run at slot_url): one production names is production.
TARGET_ADDRESSES = (("target", "base_url"), ("cosmos", "endpoint"), ("redis", "url"), ("slots", "slot_url"))

Mark = tuple[str, str]  # ("host", "api.castiel.com") or ("[azure] resource_group", "rg-castiel-prod")


def apply_tier_rules(config: EnvironmentFile, where: str,
                     production: Iterable[tuple[str, dict]]) -> tuple[EnvironmentFile, str | None]:
    """Refuse a local tier that leaves loopback; read a file that names production targets as production.

    Returns the file as it applies (its tier, and ``allow_destructive`` decided) and why the tier is
    production although the file says otherwise (None when it says so itself).
    """
    tier, note = config.target.tier, None
    owner = _production_owner(production_marks(config.model_dump()), production)
    if tier == "local":
        _require_loopback(config, where, owner)
    if owner and tier != "production":
        (kind, value), path = owner
        what = f"host {value}" if kind == "host" else f"{kind} = {value}"
        note, tier = f'{where} says tier = "{tier}", but its {what} belongs to {path}', "production"
    allowed = config.safety.allow_destructive
    if allowed is None:  # unset: the sandbox is yours, a remote target is not
        allowed = tier == "local"
    return config.model_copy(update={"target": config.target.model_copy(update={"tier": tier}),
                                     "safety": config.safety.model_copy(update={"allow_destructive": allowed})}), note


def production_marks(raw: Mapping[str, Any]) -> set[Mark]:
    """The hosts and Azure resource names a file points at, lowercased for comparison."""
    marks = {("host", h) for h in (_host(_get(raw, s, k)) for s, k in TARGET_ADDRESSES) if h}
    for key in AZURE_RESOURCES:
        value = _get(raw, "azure", key)
        if isinstance(value, str) and value.strip():
            marks.add((f"[azure] {key}", value.strip().lower()))
    for section, key in NAMESPACES:
        value = _get(raw, section, key)
        if isinstance(value, str) and value.strip():
            marks.add(("Service Bus namespace", value.strip().lower().split(".")[0]))
    return marks


def declared_tier(raw: Mapping[str, Any]) -> Any:
    return _get(raw, "target", "tier")


def is_loopback(address: str) -> bool:
    """True for "sandbox", localhost and 127.0.0.0/8 or ::1 URLs or host:port strings."""
    if address == SANDBOX:
        return True
    host = _host(address)
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _require_loopback(config: EnvironmentFile, where: str, owner: tuple[Mark, str] | None) -> None:
    for section, key in (("target", "base_url"), *LOCAL_ADDRESSES):
        value = getattr(getattr(config, section), key)
        if isinstance(value, str) and not is_loopback(value):
            hint = (f"this target belongs to {owner[1]}: use --env production" if owner else
                    'use a loopback address or "sandbox", or set tier = "staging" for a remote target')
            raise ConfigError(f'{where}: [{section}] {key} = "{value}" on tier local -> the local tier reaches '
                              f"only loopback and the sandbox; {hint}")


def _production_owner(marks: set[Mark], production: Iterable[tuple[str, dict]]) -> tuple[Mark, str] | None:
    """The first of ``marks`` that a production file also names, with that file."""
    for path, raw in production:
        shared = sorted(marks & production_marks(raw), key=lambda mark: (mark[0] != "host", mark))  # hosts first
        if shared:
            return shared[0], path
    return None


def _host(address: Any) -> str | None:
    """The host of a URL, of "host:port,ssl=True" (Azure's Redis string), or None."""
    if not isinstance(address, str) or not address.strip() or address == SANDBOX:
        return None
    text = address.strip()
    if "://" not in text:
        text = "//" + text.split(",")[0]
    try:
        host = urlsplit(text).hostname
    except ValueError:
        return None
    return host.lower() if host else None


def _get(raw: Mapping[str, Any], section: str, key: str) -> Any:
    table = raw.get(section)
    return table.get(key) if isinstance(table, Mapping) else None


def fault_backend(tier: str) -> str:
    """Where a drill's faults go: the sandbox's fault control on the local tier, Azure's management APIs elsewhere."""
    return "sandbox" if tier == "local" else "azure"
