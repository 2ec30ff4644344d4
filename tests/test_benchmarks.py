"""The benchmarks report only what they measured: bad figures are refused with one line and exit status 3."""

import math
import subprocess
import sys
import time
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))  # the scripts import their helpers as top-level modules, as they run
import _common  # noqa: E402
import load_generator  # noqa: E402
import loaded_suite  # noqa: E402
import watch_detection_latency as latency  # noqa: E402

from drillbook.record.series import iso_utc  # noqa: E402


def refusal(call, *args, **kwargs) -> str:
    """The message of the refusal ``call(*args)`` must raise; a figure returned instead fails the test."""
    with pytest.raises(_common.Unmeasured) as refused:
        figure = call(*args, **kwargs)
        pytest.fail(f"{call.__name__}{args} gave the figure {figure!r} instead of refusing")
    assert refused.value.code == _common.UNMEASURED == 3
    return refused.value.message


def test_the_verdict_time_is_the_iso_8601_utc_time_the_watch_prints():
    breach_at = time.time() - 7.92
    verdict_at = time.time()
    line = f"watch: verdict fail at {iso_utc(verdict_at)} after 30 s\n"  # drillbook's own format, not a copy of it
    status, at = latency.verdict_of(line)
    assert status == "fail" and abs(at - verdict_at) < 0.002
    assert latency.latency_ratio(at, breach_at) == pytest.approx(7.92 / 12, abs=0.001)  # about 0.66, as by hand


def test_a_verdict_time_that_is_not_iso_8601_utc_is_refused_not_read_as_a_number():
    # the old parse read the year of an ISO time (2026) as epoch seconds: median -149719665.14, exit 0
    assert "'2026' is not the ISO-8601 UTC time" in refusal(latency.verdict_of, "watch: verdict fail at 2026 after 9 s")
    assert "'1796634231.949' is not the ISO-8601" in refusal(latency.iso_epoch, "1796634231.949")
    assert "names no offset from UTC" in refusal(latency.iso_epoch, "2026-11-30T16:44:02.735")
    assert latency.verdict_of("watch 00:04/01:00 | api_error_rate 0.0 %") is None


def test_a_verdict_before_the_breach_or_after_the_watch_is_no_latency():
    now = time.time()
    assert "below zero" in refusal(latency.latency_ratio, now - 1, now)
    assert "below zero" in refusal(latency.latency_ratio, 2026.0, now)  # the year read as a time, as it once was
    assert "longer than the 60 s watch" in refusal(latency.latency_ratio, now + 3600, now)


def test_a_ratio_of_nothing_is_refused():
    assert "(denominator): 0: nothing was measured" in refusal(_common.ratio, 5.0, 0.0, "drill rps / plain rps")
    assert "(numerator): 0: nothing was measured" in refusal(_common.ratio, 0, 120.0, "drill rps / plain rps")
    assert "nan is not a number" in refusal(_common.ratio, math.nan, 1.0, "client p95 / server p95")
    assert _common.ratio(3.0, 4.0, "x") == 0.75


def test_a_median_of_no_runs_or_of_impossible_samples_is_refused():
    assert refusal(_common.median, [], "smoke wall time") == "no figure for smoke wall time: no runs: a median of nothing"
    assert "inf is not a number" in refusal(_common.median, [1.0, math.inf], "smoke wall time")
    assert "-0.500 is below zero" in refusal(_common.median, [1.0, -0.5, 2.0], "detection latency")
    assert "0: nothing was measured" in refusal(_common.median, [0.0], "peak RSS", positive=True)
    assert _common.median([3.0, 1.0, 2.0], "x") == 2.0


def test_report_refuses_what_it_could_not_have_measured(capsys):
    refusal(_common.report, "pytest -m smoke", [])
    assert capsys.readouterr().err == "benchmark: no figure for pytest -m smoke: no runs: a median of nothing\n"


def test_zero_runs_are_refused_before_anything_runs():
    assert refusal(_common.runs_wanted, "0") == "no figure for 0 runs: a median needs at least 1 run"
    assert "not a whole number" in refusal(_common.runs_wanted, "three")
    assert _common.runs_wanted("3") == 3


def test_locust_json_with_no_requests_or_no_time_is_no_rate():
    empty = [{"num_requests": 0, "start_time": 100.0, "last_request_timestamp": None}]
    assert "(numerator): 0: nothing was measured" in refusal(load_generator._rps, empty)
    instant = [{"num_requests": 5, "start_time": 100.0, "last_request_timestamp": 100.0}]
    assert "(denominator): 0: nothing was measured" in refusal(load_generator._rps, instant)
    assert "(numerator)" in refusal(load_generator._rps, [])
    assert load_generator._rps([{"num_requests": 50, "start_time": 100.0, "last_request_timestamp": 110.0}]) == 5.0


def test_a_suite_run_where_no_test_ran_is_not_counted_green():
    assert "no test ran (no summary line, pytest exit code 0)" in refusal(loaded_suite.ran_tests, {}, 0, "run 1/1")
    assert "no test ran (12 deselected, pytest exit code 5)" in refusal(
        loaded_suite.ran_tests, {"deselected": 12}, 5, "run 1/1")
    loaded_suite.ran_tests({"passed": 963, "failed": 1}, 1, "run 1/1")


@pytest.mark.parametrize("argv", [["watch_detection_latency.py", "0"], ["smoke_wall_time.py", "0"],
                                  ["dead_target.py", "0"], ["bounded_bodies.py", "0"],
                                  ["load_generator.py", "overhead", "--runs", "0"], ["loaded_suite.py", "--runs", "0"]],
                         ids=lambda argv: argv[0])
def test_every_benchmark_asked_for_zero_runs_exits_3_with_one_line(argv):
    done = subprocess.run([sys.executable, str(BENCHMARKS / argv[0]), *argv[1:]], cwd=BENCHMARKS,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 3, done.stderr
    assert done.stderr == "benchmark: no figure for 0 runs: a median needs at least 1 run\n" and done.stdout == ""
