"""drillbook's markers, and the check that a ``-m`` expression only names markers that exist.

pytest's ``--strict-markers`` refuses an unknown marker on a test, but ``-m smok``
silently selects nothing: on a pipeline gate that reads as a green run.
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
    "destructive": "changes or loads the target; refused on production without --approve",
    "runbook(section)": "the RUNBOOK.md section this test verifies, e.g. @pytest.mark.runbook('service-health')",
}
_OPERATORS = {"and", "or", "not", "True", "False"}


def register_markers(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def check_markexpr(config: pytest.Config) -> None:
    """Refuse ``-m`` names that no registered marker has, with the closest one."""
    known = registered_markers(config)
    for name in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", _without_arguments(config.option.markexpr or "")):
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
