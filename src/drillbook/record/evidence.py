"""The audit record: Allure labels, redacted HTTP attachments, and the run-level files.

Every test that carries ``@pytest.mark.runbook("section")`` gets the severity
(P0..P3), the owner and a link to its RUNBOOK.md section as Allure labels.
``environment.properties``, ``executor.json`` and ``categories.json`` are
written once per run by the controller, which also scrubs every known secret
from the results directory as a last line of defence.
"""

from __future__ import annotations

import getpass
import json
import os
import platform
from pathlib import Path

import allure
import pytest

from drillbook import __version__, redaction, runbook
from drillbook.record.categories import CATEGORIES
from drillbook.clients.http import Exchange
from drillbook.config.environments import Environment

MAX_ATTACHED_BODY = 20000  # bytes of a body kept in the record; decoded only this far
_ALLURE_SEVERITY = {"P0": "blocker", "P1": "critical", "P2": "normal", "P3": "minor"}


def label_item(item: pytest.Item) -> None:
    """Add severity, owner and runbook-link labels from the item's runbook marker."""
    marker = item.get_closest_marker("runbook")
    if marker is None:
        return
    entry = runbook.section(marker.args[0])
    item.add_marker(allure.severity(_ALLURE_SEVERITY[entry.severity]))
    item.add_marker(allure.label("runbook_severity", entry.severity))
    item.add_marker(allure.label("owner", entry.owner))
    item.add_marker(allure.link(entry.link, name=f"runbook §{entry.title}"))
    item.add_marker(allure.label("runbook_section", entry.title))


def attach_exchange(exchange: Exchange) -> None:
    """Attach one HTTP exchange to the running test, secrets redacted."""
    request = exchange.request
    title = f"{request.method} {request.url.path} -> {_status(exchange)} ({exchange.elapsed_ms:.0f} ms)"
    allure.attach(format_exchange(exchange), name=title, attachment_type=allure.attachment_type.TEXT)


def attach_rule_charts(trackers, run_start: float, target: str | None = None) -> None:
    """One PNG per rule that measured something (watch or load), titled with the rule, target and verdict."""
    from drillbook.record import charts  # with the verdict engine: only a watch or load drill draws charts

    for tracker in trackers:
        evaluations = tracker.evaluator.evaluations
        if any(e.value is not None for e in evaluations):
            where = f" on {target}" if target else ""
            status = getattr(tracker, "status", None) or tracker.verdict.status  # a load breach may be excused
            png = charts.render_series(f"{tracker.label}{where}: {status}", tracker.evaluator.rule,
                                       evaluations, run_start)
            allure.attach(png, name=f"{tracker.label} ({status})", attachment_type=allure.attachment_type.PNG)


def format_exchange(exchange: Exchange) -> str:
    request, response = exchange.request, exchange.response
    lines = [f"{request.method} {redaction.redact_url(str(request.url))}"]
    lines += [f"{k}: {v}" for k, v in redaction.redact_headers(request.headers.items())]
    if request.content:
        lines += ["", redaction.redact_body(request.content[:MAX_ATTACHED_BODY].decode("utf-8", "replace"))]
    lines += ["", f"--- {_status(exchange)} in {exchange.elapsed_ms:.1f} ms"]
    if response is not None:
        lines += [f"{k}: {v}" for k, v in redaction.redact_headers(response.headers.items())]
        lines += ["", redaction.redact_body(response.content[:MAX_ATTACHED_BODY].decode("utf-8", "replace"))]
    return "\n".join(lines)


def _status(exchange: Exchange) -> str:
    return str(exchange.response.status_code) if exchange.response is not None else f"error: {exchange.error}"


def write_run_files(results_dir: Path, env: Environment, *, approval: str | None, markexpr: str) -> None:
    """Write environment.properties, executor.json and categories.json (controller only)."""
    results_dir.mkdir(parents=True, exist_ok=True)
    properties = {
        "environment": env.name, "tier": env.tier, "target": env.base_url,
        "env_file": str(env.path), "drillbook": __version__, "markers": markexpr or "(all)",
        "approval": approval or "(none)", "operator": operator_name(), "host": platform.node(),
        "threshold_overrides": _overrides(env) or "(none)",
    }
    if env.tier_note:  # production although the file says otherwise: say why
        properties["tier_reason"] = env.tier_note
    text = "\n".join(f"{k}={_escape(v)}" for k, v in properties.items()) + "\n"
    (results_dir / "environment.properties").write_text(redaction.redact_text(text))
    executor = {"name": "drillbook", "type": "pytest", "buildName": f"drill on {env.name}",
                "reportName": f"drillbook {markexpr or 'all'} on {env.name}"}
    (results_dir / "executor.json").write_text(json.dumps(executor, indent=2))
    (results_dir / "categories.json").write_text(json.dumps(CATEGORIES, indent=2))


def scrub_directory(directory: Path) -> int:
    """Redact known secret values in every file below ``directory``; return files changed."""
    secrets = redaction.known_secrets()
    changed = 0
    for path in directory.rglob("*") if secrets and directory.is_dir() else ():
        changed += _scrub_file(path, secrets)
    return changed


def _scrub_file(path: Path, secrets: frozenset[str]) -> int:
    if not path.is_file():
        return 0
    data = path.read_bytes()
    cleaned = data
    for value in secrets:
        cleaned = cleaned.replace(value.encode(), redaction.MASK.encode())
    if cleaned == data:
        return 0
    path.write_bytes(cleaned)
    return 1


def _overrides(env: Environment) -> str:
    items = env.config.thresholds.overrides()
    return ", ".join(f"{k}={v:g} (runbook {runbook.THRESHOLDS[k].limit:g})" for k, v in items.items())


# Who ran it: an explicit name, else the pipeline's identity (GitHub Actions, Azure Pipelines), else the user.
_OPERATOR_VARS = (("DRILLBOOK_OPERATOR", "{}"), ("GITHUB_ACTOR", "{} (GitHub Actions)"),
                  ("BUILD_REQUESTEDFOR", "{} (Azure Pipelines)"))


def operator_name() -> str:
    for variable, form in _OPERATOR_VARS:
        if os.environ.get(variable):
            return form.format(os.environ[variable])
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _escape(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", " ")
