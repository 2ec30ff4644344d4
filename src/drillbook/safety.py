"""Safety rules: destructive drills need approval on production, and reports carry no secrets."""

from __future__ import annotations

import re

import pytest

from drillbook.environments import Environment
from drillbook.errors import ConfigError

_APPROVAL_ID = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")


def check_approval_id(approval: str | None) -> None:
    if approval is not None and not _APPROVAL_ID.match(approval):
        raise ConfigError(f"--approve {approval!r}: not a change id -> use the ticket id, e.g. --approve CHG-123")


def refusal_reason(env: Environment, approval: str | None) -> str | None:
    """Why a destructive drill may not run here, or None when it may."""
    if not env.is_production:
        return None if env.section("safety")["allow_destructive"] or env.tier == "local" else (
            f"refused: destructive drill on {env.tier} but {env.path.name} has [safety] allow_destructive = false")
    if not env.section("safety")["allow_destructive"]:
        return (f"refused: destructive drill on production; {env.path.name} has [safety] allow_destructive = false "
                "-> set it to true for the drill window and pass --approve CHG-123")
    if not approval:
        return "refused: destructive drill on production without approval -> pass --approve CHG-123 (the change id)"
    return None


def guard_destructive(env: Environment, approval: str | None, nodeid: str) -> None:
    reason = refusal_reason(env, approval)
    if reason:
        pytest.skip(reason)
