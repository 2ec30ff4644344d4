"""Evidence, not noise: the watch leaves one CSV series and charts at UTC clock time, and prints ISO-8601 times."""

import csv
import io
import re
from datetime import datetime, timezone

from drillbook.record import charts
from drillbook.rules import Evaluation, Rule

ISO = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z"
RULE = Rule("api_error_rate", "rate", ">", 5, window_s=10, unit="%")


def test_a_watch_leaves_one_csv_series_and_an_iso_verdict_line(run_drill, faults):
    result = run_drill("-m", "watch", "--watch", "6s", "--watch-window", "2s", "--watch-interval", "1s",
                       "--watch-probe-rps", "10", "--watch-min-requests", "3", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.re_match_lines([rf"watch: verdict pass at {ISO} after \d+ s"])
    series = [p for p in run_drill.results.glob("*-attachment.csv")]
    assert len(series) == 1
    rows = list(csv.DictReader(io.StringIO(series[0].read_text())))
    assert {"api_error_rate", "api_p95"} <= {row["series"] for row in rows}
    assert all(re.fullmatch(ISO, row["time_utc"]) for row in rows)
    assert any(row["state"] == "ok" and row["value"] for row in rows)
    texts = " ".join(p.read_text() for p in run_drill.results.glob("*-attachment.txt"))
    assert "# TYPE" not in texts  # no raw /metrics body


def test_a_chart_runs_on_utc_clock_time():
    from matplotlib.figure import Figure

    start = datetime(2026, 11, 30, 16, 44, 0, tzinfo=timezone.utc).timestamp()
    evaluations = [Evaluation(start + n, "ok" if n > 1 else "warming", 1.0 + n, start + n - 10, start + n)
                   for n in range(1, 6)]
    axes = Figure().subplots()
    charts._draw(axes, RULE, evaluations, start)
    assert axes.get_xlabel() == "UTC time on 2026-11-30 (watch started 16:44:00)"
    assert axes.get_lines()[0].get_xdata()[0] == datetime(2026, 11, 30, 16, 44, 1, tzinfo=timezone.utc)
    assert charts.render_series("api_error_rate on https://api.example: pass", RULE, evaluations,
                                start).startswith(b"\x89PNG")
