"""``journal status``'s alert lines: each expected alert's time to detect, drill after drill, per environment.

>>> print("\\n".join(trend_lines(store.read("drills.jsonl").decode())))
time to detect per alert (Azure Monitor alerts, oldest first):
  staging api_error_rate: 2026-09-07 212 s (service-down), 2026-12-07 185 s (service-down)
the sandbox's own rules (would have fired after; Azure alerts not checked there):
  local api_error_rate: 2026-12-07 2.0 s (cosmos-outage)

The figures are the chaos and load drills' ``alerts`` in the journal (``detection.drill``, ``detection.load``,
the load's times from its breach's start); a missed alert shows
``missed``, one that could not be read ``not checked``: neither is ever shown as a time.
"""

from __future__ import annotations

import json

SHOWN = 8  # the latest drills per alert: two years of quarterly drills


def trend_lines(journal: str) -> list[str]:
    """The lines, or none when no drill in the journal (its text) recorded its alerts."""
    azure: dict[tuple[str, str], list[str]] = {}
    sandbox: dict[tuple[str, str], list[str]] = {}
    for entry in _entries(journal):
        day, environment = str(entry.get("started", ""))[:10], str(entry.get("environment", "?"))
        for figures in [*(entry.get("chaos") or {}).values(), *(entry.get("load") or {}).values()]:
            alerts, drill = figures.get("alerts") or {}, figures.get("drill", "?")
            _add_azure(azure, environment, day, drill, alerts)
            if alerts.get("checked") == "not checked (sandbox)":
                for rule in alerts.get("rules") or []:
                    after = rule.get("would_fire_after_s")
                    shown = f"{after:.1f} s" if after is not None else "would not have fired"
                    sandbox.setdefault((environment, rule["alert"]), []).append(f"{day} {shown} ({drill})")
    lines = _block("time to detect per alert (Azure Monitor alerts, oldest first):", azure)
    return lines + _block("the sandbox's own rules (would have fired after; Azure alerts not checked there):",
                          sandbox)


def _add_azure(series: dict, environment: str, day: str, drill: str, alerts: dict) -> None:
    checked = alerts.get("checked", "")
    if checked == "azure":
        for alert in alerts.get("alerts") or []:
            seconds, status = alert.get("time_to_detect_s"), alert.get("status")
            shown = f"{seconds:.0f} s" if status == "fired" and seconds is not None else \
                "not checked" if status == "not checked" else "missed"
            series.setdefault((environment, alert["alert"]), []).append(f"{day} {shown} ({drill})")
    elif checked.startswith("not checked (") and checked != "not checked (sandbox)":
        for key in alerts.get("expected") or []:
            series.setdefault((environment, key), []).append(f"{day} not checked ({drill})")


def _block(head: str, series: dict[tuple[str, str], list[str]]) -> list[str]:
    if not series:
        return []
    return [head] + [f"  {environment} {key}: {', '.join(points[-SHOWN:])}"
                     for (environment, key), points in sorted(series.items())]


def _entries(journal: str):
    for line in journal.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:  # journal status has already said whether the journal reads back
            continue
        if isinstance(entry, dict):
            yield entry
