"""Notify: the run's one-paragraph summary to an incoming webhook (Teams or Slack), named by reference.

    [notify]
    webhook = { env = "CASTIEL_DRILL_WEBHOOK" }    # or { keyvault = "...", secret = "..." }

Sent once by the controller after the journal entry is written. Bounded in
time, and never able to change the run's verdict: a webhook that fails costs
one line on stderr.
"""

from __future__ import annotations

import sys

from drillbook import redaction
from drillbook.config.environments import Environment
from drillbook.errors import DrillbookError
from drillbook.config.secrets import resolve_secret


def summary_paragraph(entry: dict) -> str:
    """The run in one paragraph: what ran where, by whom, the outcome, the failures, and the record."""
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(entry.get("counts", {}).items())) or "no drills"
    verdict = "passed" if entry.get("exit_status") == 0 else f"did not pass (exit {entry.get('exit_status')})"
    failures = "; ".join(f"{nodeid.split('::')[-1]}: {line}" for nodeid, line in entry.get("failures", {}).items())
    interrupted = f" Interrupted: {', '.join(entry['interrupted_drills']) or 'the run'}." if entry.get("interrupted") else ""
    return (f"drillbook: {entry.get('markers')} on {entry.get('environment')} (tier {entry.get('tier')}, "
            f"{entry.get('target')}) by {entry.get('operator')} {verdict}: {counts} in {entry.get('duration_s')} s, "
            f"started {entry.get('started')}, approval {entry.get('approval') or 'none'}."
            f"{' Failed: ' + failures + '.' if failures else ''}{interrupted} "
            f"Record: run {entry.get('run_id') or '-'}, journal entry sha256 {entry.get('sha256', '-')}.")


def send_summary(env: Environment, entry: dict | None) -> bool:
    """Post the summary when ``[notify] webhook`` is set; say in one line why it was not delivered."""
    notify = env.config.notify
    if entry is None or notify.webhook is None:
        return False
    try:
        url = resolve_secret(notify.webhook, where=f"{env.path.name}: [notify] webhook")
        if url:
            _post(url, {"text": summary_paragraph(entry)}, notify.timeout_s)
            return True
    except (DrillbookError, OSError, ValueError) as exc:
        reason = redaction.redact_text(str(exc))  # an httpx error can quote the webhook's secret URL
        sys.stderr.write(f"drillbook: notify: the summary was not delivered ({reason}) -> check [notify] webhook; "
                         f"the run's verdict stands\n")
    return False


def _post(url: str, payload: dict, timeout_s: float) -> None:
    import httpx

    try:
        response = httpx.post(url, json=payload, timeout=timeout_s)
    except httpx.HTTPError as exc:
        raise OSError(f"{type(exc).__name__}: {exc}") from None
    if response.status_code >= 300:
        raise OSError(f"the webhook answered {response.status_code}")
