"""The load drill: run it against the environment, attach the evidence, and word the verdict."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Callable

import allure

from drillbook import evidence, runbook
from drillbook.environments import Environment
from drillbook.load._generator import SATURATED_PCT, clock
from drillbook.load._judge import SOURCE, Tracker, route_table, window_note
from drillbook.load._run import LoadRun, Target, run_load
from drillbook.load._server import ServerSide, gap_line
from drillbook.load._settings import LoadSettings
from drillbook.load._stats import RouteCounts
from drillbook.runbook import Threshold

OUTPUTS = ("locust.json", "locust_stats.csv", "locust_failures.csv", "locust_exceptions.csv",
           "locust_stats_history.csv")


def run_load_drill(env: Environment, settings: LoadSettings, lookup: Callable[[str], Threshold],
                   show: Callable[[str], None]) -> LoadRun:
    """Load the target as ``settings`` shape it, judge it live, and attach locust's files, charts and a table."""
    target = Target(env.base_url, env.secret("admin_token"), env.section("http")["ca_bundle"])
    show(f"load: {settings.describe()} against {env.name} ({env.base_url}), {settings.locustfile.name}; "
         "stops at the first rule that fails")
    run_dir, server = Path(tempfile.mkdtemp(prefix="drillbook-load-run-")), ServerSide(env)
    try:
        server.open(time.time())
        run = run_load(settings, target, lookup, run_dir, show, server)
        _report(run, show)
        _attach(run, env.base_url)
    finally:
        server.close()
        shutil.rmtree(run_dir, ignore_errors=True)
    return run


def source_of(run: LoadRun) -> str:
    """``locust client-side, 10 users, one locust process``: where the figures were measured."""
    return f"{SOURCE}, {run.settings.peak_users} users on {run.settings.engine}"


def journal_line(run: LoadRun) -> str:
    """The drill in one line for the journal: verdict, shape, engine, windows, and whether it stopped early."""
    windows = window_note(run.judge.thresholds, run.judge.windows) if run.judge else "no window judged"
    stopped = run.aborted or f"ran {run.ended - run.started:.0f} s"
    return f"load {run.status}: {run.settings.describe()}; {windows}; {stopped}"


def verdict_message(run: LoadRun) -> str | None:
    """The failure text, or None when the drill passed (or was allowed to be inconclusive)."""
    elapsed = run.ended - run.started
    if run.status == "fail":
        head = f"load drill failed after {elapsed:.0f} s of {run.settings.duration_s:g} s"
        head += f" ({run.aborted})" if run.aborted else ""
        note = window_note(run.judge.thresholds, run.judge.windows)
        failures = [runbook.failure_message(t.threshold.section, t.finding(), source=_source_for(run, t))
                    for t in run.failed]
        saturated = [f"note: {run.judge.saturation}"] if run.judge.saturation else []
        return "\n".join([head, *failures, *_errors_seen(run), *saturated, f"judged over {note}"])
    if run.status == "inconclusive" and not run.settings.allow_inconclusive:
        reasons = [t.finding() for t in run.judge.inconclusive] if run.judge else \
            ["no interval reached drillbook: locust never reported a request"]
        excused = run.judge is not None and any(t.excuse for t in run.judge.inconclusive)
        why = "a saturated generator is not a pass" if excused else "no data is not a pass"
        return "\n".join([f"load drill inconclusive after {elapsed:.0f} s: {why} "
                          "(use --allow-inconclusive to accept it)", *run.problems, *reasons])
    return None


def _source_for(run: LoadRun, tracker: Tracker) -> str:
    return run.server.description if tracker.side == "server" and run.server else source_of(run)


def _trackers(run: LoadRun) -> list[Tracker]:
    server = run.server.judge.trackers if run.server and run.server.judge else []
    return (run.judge.trackers if run.judge else []) + server


def _server_lines(run: LoadRun) -> list[str]:
    """Client p95 beside server p95, and what the server side could not read."""
    if run.server is None or run.judge is None:
        return []
    gap = gap_line(_client_p95(run), run.server.p95())
    return [*run.server.notes(), *([gap] if gap else [])]


def _client_p95(run: LoadRun) -> float | None:
    total = RouteCounts()
    for interval in run.judge.intervals:
        total.add(interval.total())
    return total.percentile(0.95)


def _report(run: LoadRun, show: Callable[[str], None]) -> None:
    if run.judge is None:
        show("load: no interval was reported")
        return
    for tracker in _trackers(run):
        show(f"load: {tracker.status:>12}  {tracker.finding()}")
    for line in [*route_table(run.judge).splitlines(), *_server_lines(run), *_generator_lines(run)]:
        show(f"load: {line}")
    late = f", {run.late_reports} late interval reports ignored" if run.late_reports else ""
    show(f"load: verdict {run.status} at {time.time():.3f} (epoch s) after {run.ended - run.started:.0f} s, "
         f"{run.processes} locust process(es) reporting{late}")


def _generator_lines(run: LoadRun) -> list[str]:
    """The busiest the generator got; when it was saturated, a note that stands whatever the verdict."""
    busiest = max(run.judge.generator, key=lambda r: r.busy_pct, default=None) if run.judge else None
    if busiest is None:
        return ["generator: no CPU reading (not Linux, or no interval reported)"]
    if run.judge.saturation:
        return [f"note: {run.judge.saturation}" + (" (the pass stands: saturation only makes figures worse)"
                                                     if run.status == "pass" else "")]
    return [f"generator: busiest {busiest.load()} on {run.judge.name_process(busiest.process)} "
            f"at {clock(busiest.at)}, never above {SATURATED_PCT:g} %"]


def _errors_seen(run: LoadRun, limit: int = 3) -> list[str]:
    """The commonest error texts locust recorded, so the failure says what the errors were."""
    seen: dict[str, int] = {}
    for interval in run.judge.intervals if run.judge else []:
        for name, counts in interval.routes.items():
            for text, n in counts.errors.items():
                seen[f"{name}: {text}"] = seen.get(f"{name}: {text}", 0) + n
    top = sorted(seen.items(), key=lambda item: -item[1])[:limit]
    return [f"errors seen: {n} x {text}" for text, n in top]


def _attach(run: LoadRun, target: str) -> None:
    for name in OUTPUTS:
        path = run.run_dir / name
        if path.exists():
            kind = allure.attachment_type.JSON if name.endswith(".json") else allure.attachment_type.CSV
            allure.attach.file(str(path), name=name, attachment_type=kind)
    allure.attach(_record(run), name="load drill", attachment_type=allure.attachment_type.TEXT)
    evidence.attach_rule_charts(_trackers(run), run.started, target)


def _record(run: LoadRun) -> str:
    """The shape, the engine, the windows, every verdict and the per-route table, for the audit record."""
    lines = [f"shape: {run.settings.describe()}", f"engine: locust, {run.settings.engine}",
             f"source: {source_of(run)}", f"status: {run.status}", f"stopped early: {run.aborted or 'no'}",
             *(f"problem: {p}" for p in run.problems), f"locust exit codes: {run.exit_codes}"]
    if run.judge:
        lines.append(window_note(run.judge.thresholds, run.judge.windows))
        lines += [f"{t.status:>12}  {t.finding()}" for t in _trackers(run)]
        lines += ["", route_table(run.judge), *_server_lines(run), *_generator_lines(run)]
    return "\n".join(lines)
