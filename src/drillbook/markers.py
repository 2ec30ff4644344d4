"""drillbook's markers, the check that a ``-m`` expression only names markers that exist, and the long drills.

pytest's ``--strict-markers`` refuses an unknown marker on a test, but ``-m smok``
silently selects nothing: on a pipeline gate that reads as a green run. A bare
``pytest`` must not start a 15-minute watch either, so the long drills run only
when ``-m`` names them.
"""

from __future__ import annotations

import difflib
import re

import pytest

from drillbook.errors import ConfigError

MARKERS = {
    "smoke": "critical user flows after a deploy (seconds)",
    "health": "health, readiness and liveness endpoints",
    "gate": "pre-deploy gate: a hard pass/fail for the pipeline",
    "watch": "post-deploy watch of error rate and latency (15 min by default)",
    "cache": "Redis cache checks",
    "database": "Cosmos DB checks",
    "queue": "queue depth and worker checks",
    "security": "auth, headers, TLS and leak checks",
    "contract": "API contract against /openapi.json",
    "load": "load drills (locust)",
    "chaos": "fault-injection drills",
    "dr": "backup/restore drills",
    "rollback": "slot swap and swap back, each timed against the objective (destructive)",
    "destructive": "changes or loads the target; refused on production without --approve",
    "runbook(section)": "the RUNBOOK.md section this test verifies, e.g. @pytest.mark.runbook('service-health')",
}
_OPERATORS = {"and", "or", "not", "True", "False"}
# Drills that take minutes (the watch's first verdict comes after a window): run only when -m names them.
LONG_DRILLS = ("watch", "load", "chaos", "dr", "rollback")


def register_markers(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def check_markexpr(config: pytest.Config) -> None:
    """Refuse ``-m`` names that no registered marker has, with the closest one."""
    known = registered_markers(config)
    for name in _names(config.option.markexpr or ""):
        if name not in _OPERATORS and name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            ours = ", ".join(n.split("(")[0] for n in MARKERS)
            raise ConfigError(f"-m {config.option.markexpr!r}: unknown marker '{name}' -> {hint}(drill markers: {ours})")


def registered_markers(config: pytest.Config) -> set[str]:
    return {re.split(r"[(:]", line, maxsplit=1)[0].strip() for line in config.getini("markers")}


def _without_arguments(expression: str) -> str:
    """Drop marker arguments (``runbook(section="x")``): only marker names are checked."""
    return re.sub(r"\([^)]*\)", "", expression)


def deselect_long_drills(config: pytest.Config, items: list[pytest.Item]) -> str | None:
    """Drop long drills whose marker the ``-m`` expression does not name; return the line that says so."""
    named = named_markers(config.option.markexpr)
    unnamed = [m for m in LONG_DRILLS if m not in named]
    kept, dropped = [], []
    for item in items:
        (dropped if any(item.get_closest_marker(m) for m in unnamed) else kept).append(item)
    if not dropped:
        return None
    items[:] = kept
    config.hook.pytest_deselected(items=dropped)
    kinds = [m for m in unnamed if any(item.get_closest_marker(m) for item in dropped)]
    expression = kinds[0] if len(kinds) == 1 else '"' + " or ".join(kinds) + '"'
    count, them = (f"{len(dropped)} long drill", "it") if len(dropped) == 1 else (f"{len(dropped)} long drills", "them")
    return f"drillbook: {count} ({', '.join(kinds)}) not selected; run {them} with -m {expression}"


def named_markers(expression: str | None) -> set[str]:
    """The names a ``-m`` expression mentions (``not`` too: "-m 'not gate'" names the gates)."""
    return set(_names(expression or "")) - _OPERATORS


def _names(expression: str) -> list[str]:
    return re.findall(r"[A-Za-z_][A-Za-z0-9_]*", _without_arguments(expression))
