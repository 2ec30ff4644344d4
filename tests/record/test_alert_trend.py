"""``journal status`` shows each expected alert's time to detect across drills; a miss is never a time."""

import json
import subprocess
import sys


def chaos_entry(day: str, environment: str, drill: str, alerts: dict) -> dict:
    return {"started": f"{day}T10:00:00+00:00", "environment": environment, "kinds": {"chaos": "passed"},
            "exit_status": 0, "chaos": {f"chaos/test_chaos.py::test_{drill}": {"drill": drill, "alerts": alerts}}}


def azure_said(key: str, status: str, seconds: float | None) -> dict:
    return {"checked": "azure", "expected": [key], "alerts": [{"alert": key, "status": status,
                                                                "time_to_detect_s": seconds}]}


ENTRIES = [
    chaos_entry("2026-06-07", "staging", "service-down",
                azure_said("api_error_rate", "fired", 212.4)),
    chaos_entry("2026-09-07", "staging", "service-down",
                azure_said("api_error_rate", "missed", None)),
    chaos_entry("2026-10-07", "staging", "service-down",
                {"checked": "not checked (unreadable)", "expected": ["api_error_rate"], "alerts": []}),
    chaos_entry("2026-12-07", "staging", "service-down",
                azure_said("api_error_rate", "fired", 185.0)),
    chaos_entry("2026-12-07", "local", "cosmos-outage",
                {"checked": "not checked (sandbox)", "expected": ["api_error_rate"],
                 "rules": [{"alert": "api_error_rate", "would_fire_after_s": 2.04}]}),
    chaos_entry("2026-12-07", "local", "redis-hang", {"checked": "none expected", "expected": []}),
]


def test_status_shows_the_time_to_detect_per_alert_oldest_first(tmp_path):
    (tmp_path / "drills.jsonl").write_text("".join(json.dumps(entry) + "\n" for entry in ENTRIES))
    done = subprocess.run([sys.executable, "-m", "drillbook", "journal", "status", "--journal-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    trend = lines[lines.index("time to detect per alert (Azure Monitor alerts, oldest first):"):]
    assert trend == [
        "time to detect per alert (Azure Monitor alerts, oldest first):",
        "  staging api_error_rate: 2026-06-07 212 s (service-down), 2026-09-07 missed (service-down), "
        "2026-10-07 not checked (service-down), 2026-12-07 185 s (service-down)",
        "the sandbox's own rules (would have fired after; Azure alerts not checked there):",
        "  local api_error_rate: 2026-12-07 2.0 s (cosmos-outage)",
    ]


def test_a_journal_without_alert_figures_adds_no_lines(tmp_path):
    (tmp_path / "drills.jsonl").write_text(json.dumps(chaos_entry("2026-12-07", "local", "x", {})) + "\n")
    done = subprocess.run([sys.executable, "-m", "drillbook", "journal", "status", "--journal-dir", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "time to detect" not in done.stdout and "sandbox's own rules" not in done.stdout


def load_entry(day: str, environment: str, alerts: dict) -> dict:
    return {"started": f"{day}T10:00:00+00:00", "environment": environment, "kinds": {"load": "failed"},
            "exit_status": 1, "load": {"load/test_load.py::test_critical_flows": {"drill": "load", "alerts": alerts}}}


def test_the_load_drills_alerts_are_in_the_trend_beside_the_chaos_drills():
    from drillbook.record.alert_trend import trend_lines

    entries = [ENTRIES[0], load_entry("2026-12-08", "staging", azure_said("api_error_rate", "fired", 244.0)),
               load_entry("2026-12-08", "local", {"checked": "not checked (sandbox)", "expected": ["api_error_rate"],
                                                  "rules": [{"alert": "api_error_rate", "would_fire_after_s": 8.0},
                                                            {"alert": "api_p95", "would_fire_after_s": None}]})]
    assert trend_lines("".join(json.dumps(entry) + "\n" for entry in entries)) == [
        "time to detect per alert (Azure Monitor alerts, oldest first):",
        "  staging api_error_rate: 2026-06-07 212 s (service-down), 2026-12-08 244 s (load)",
        "the sandbox's own rules (would have fired after; Azure alerts not checked there):",
        "  local api_error_rate: 2026-12-08 8.0 s (load)",
        "  local api_p95: 2026-12-08 would not have fired (load)",
    ]


def test_an_alert_whose_reads_stopped_answering_shows_not_checked_never_missed():
    from drillbook.record.alert_trend import trend_lines

    entry = chaos_entry("2026-12-09", "staging", "service-down", azure_said("api_error_rate", "not checked", None))
    assert trend_lines(json.dumps(entry) + "\n")[1] == "  staging api_error_rate: 2026-12-09 not checked (service-down)"
