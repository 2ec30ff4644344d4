"""Requests that never reached the API are counted apart: the API's error rate is over those that did, and a load
that mostly never reached it is *unreachable* (cause and fix), never an error-rate breach, never a pass."""

import json
from pathlib import Path

from drillbook import runbook
from drillbook.findings import kind_of
from drillbook.record.categories import CATEGORY_NAMES
from drillbook.load._drill import journal_line, verdict, verdict_line, verdict_message
from drillbook.load._judge import LoadJudge
from drillbook.load._run import LoadRun
from drillbook.load._settings import LoadSettings, Stage
from drillbook.load._stats import StatsReader

BOUNDS = [100, 1000, 1500, 2000]
T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z
TLS = ["tls", "SSLCertVerificationError: CERTIFICATE_VERIFY_FAILED (unable to get local issuer certificate)"]
ROUTE = "POST /api/shards"


def line(at: float, *, ok: int = 0, failed: int = 0, missed: int = 0, cause=TLS) -> str:
    """One interval of one route: ``ok`` and ``failed`` answers (10 ms), ``missed`` requests that never got there."""
    route = {"count": ok + failed + missed, "failures": failed, "buckets": [ok + failed, 0, 0, 0, 0],
             "errors": {"500 Server Error": failed} if failed else {},
             "unreached": [[*cause, missed]] if missed else []}
    return json.dumps({"at": at, "interval_s": 2.0, "pid": 7, "process": "bench:7", "role": "local", "users": 8,
                       "bounds": BOUNDS, "generator": None, "routes": {ROUTE: route}}) + "\n"


def judged(tmp_path: Path, *lines: str) -> LoadJudge:
    (tmp_path / "stats-7.jsonl").write_text("".join(lines))
    judge = LoadJudge.for_runbook(runbook.threshold, duration_s=12, interval_s=2, window_s=4, min_requests=5,
                                  run_start=T0)
    for interval in StatsReader(tmp_path).drain():
        judge.add(interval)
    return judge


def run_of(judge: LoadJudge, *, allow_inconclusive: bool = False) -> LoadRun:
    settings = LoadSettings((Stage(12, 8, 8),), 0, 2.0, 4.0, 5, Path("castiel.py"), allow_inconclusive)
    return LoadRun(settings, judge, T0, T0 + 8, Path("/nonexistent"), processes=1)


def test_a_load_that_never_reached_the_api_is_unreachable_not_an_error_rate_breach(tmp_path):
    judge = judged(tmp_path, *(line(T0 + 2 * k, missed=20) for k in range(1, 5)))
    run = run_of(judge)
    assert judge.failed == [], "no API rule fails on requests the API never received"
    assert run.status == "unreachable"
    message = verdict_message(run)
    assert message.startswith("load drill unreachable after 8 s of 12 s: the load did not reach the API"), message
    assert ("unreachable: 40 of 40 requests (100 %) never reached the API over 4 s window ending "
            "2027-01-15T08:00:04.000Z (source: locust client-side, 8 users on one locust process); a configuration "
            "or network problem, not the API's error rate; over the run 80 x tls: SSLCertVerificationError: "
            "CERTIFICATE_VERIFY_FAILED (unable to get local issuer certificate) -> set [http] ca_bundle") in message
    assert "api_error_rate" not in message and "runbook §" not in message, message
    assert category_of(run) == "Target unreachable or hanging", "not 'Runbook threshold breached'"
    assert journal_line(run).startswith("load unreachable: 1 stage (8 users 12 s) on one locust process; ")
    assert journal_line(run).endswith("; 80 of 80 requests never reached the API (tls: SSLCertVerificationError: "
                                      "CERTIFICATE_VERIFY_FAILED (unable to get local issuer certificate))")


def category_of(run: LoadRun) -> str:
    """The report's category of the drill's failure: from the kind its finding carries, not from its words."""
    return CATEGORY_NAMES[kind_of(verdict(run))]


def test_unreachable_is_never_allowed_as_inconclusive(tmp_path):
    """Without a complete window the run's share decides: no data here is no pass either."""
    run = run_of(judged(tmp_path, line(T0 + 2, missed=3)), allow_inconclusive=True)
    assert run.status == "unreachable"
    assert "3 of 3 requests (100 %) never reached the API over the run" in verdict_message(run)


def test_the_api_error_rate_is_over_the_requests_that_reached_it(tmp_path):
    # 40 % never got there; of the 60 that did, 6 failed: 10 % > 5 %, where 6 of 100 would be 6 % and 46 of 100 46 %
    judge = judged(tmp_path, *(line(T0 + 2 * k, ok=27, failed=3, missed=20) for k in range(1, 5)))
    run = run_of(judge)
    [error_rate] = [t for t in judge.failed if t.label == "api_error_rate"]
    assert error_rate.verdict.first_breach.value == 10.0
    assert run.status == "fail", "a minority that never reached the API does not hide the API's own errors"
    message = verdict_message(run)
    assert "note: 80 of 200 requests (40.0 %) never reached the API and are not in its error rate: 80 x tls: " \
           "SSLCertVerificationError: CERTIFICATE_VERIFY_FAILED" in message, message


def test_a_few_requests_that_never_reached_the_api_are_noted_on_a_pass(tmp_path):
    judge = judged(tmp_path, *(line(T0 + 2 * k, ok=19, missed=1, cause=["refused", "ConnectionRefusedError: "
                                                                         "Connection refused"]) for k in range(1, 5)))
    run = run_of(judge)
    assert run.status == "pass" and verdict_message(run) is None
    assert judge.reach.note() == ("note: 4 of 80 requests (5.0 %) never reached the API and are not in its error "
                                  "rate: 4 x refused: ConnectionRefusedError: Connection refused -> check [target] "
                                  "base_url (host and port), and that the API is up and reachable from this machine")


def test_a_window_mostly_unreached_decides_the_run_even_if_the_run_as_a_whole_is_not(tmp_path):
    reached = [line(T0 + 2 * k, ok=20) for k in (1, 2, 3, 4)]
    judge = judged(tmp_path, *reached, line(T0 + 10, missed=20), line(T0 + 12, missed=20))
    assert judge.reach.decided and run_of(judge).status == "unreachable"
    assert "40 of 40 requests (100 %) never reached the API over 4 s window ending 2027-01-15T08:00:12.000Z" \
           in judge.reach.finding("locust")


def test_the_verdict_line_gives_iso_utc_time_as_the_watch_does(tmp_path):
    run = run_of(judged(tmp_path, *(line(T0 + 2 * k, ok=20) for k in range(1, 5))))
    assert verdict_line(run, T0 + 12.5) == ("load: verdict pass at 2027-01-15T08:00:12.500Z after 8 s, "
                                            "1 locust process(es) reporting")
