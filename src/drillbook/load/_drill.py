"""The load drill: run it against the environment, attach the evidence, and word the verdict."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import allure

from drillbook import runbook
from drillbook.record import evidence
from drillbook.troubleshooting import run as troubleshooting
from drillbook.clients.tls import verifying_context
from drillbook.config.environments import Environment
from drillbook.errors import ConfigError, TargetError
from drillbook.findings import Finding, failing
from drillbook.load._generator import SATURATED_PCT, clock
from drillbook.load._judge import SOURCE, Tracker, route_table, window_note
from drillbook.load._run import LoadRun, Target, run_load
from drillbook.load._server import ServerSide, gap_line
from drillbook.load._settings import LoadSettings, refuse_engine_on_tier
from drillbook.load._stats import RouteCounts
from drillbook.runbook import Threshold
from drillbook.record.series import iso_utc

OUTPUTS = ("locust.json", "locust_stats.csv", "locust_failures.csv", "locust_exceptions.csv",
           "locust_stats_history.csv")


def run_load_drill(env: Environment, settings: LoadSettings, lookup: Callable[[str], Threshold],
                   show: Callable[[str], None], **azure_options: Any) -> LoadRun:
    """Load the target as ``settings`` shape it, judge it, and attach the engine's files, charts and a table.

    ``azure_options`` (credential, transport) reach the Azure Load Testing clients when that engine runs.
    """
    if settings.azure:
        return _run_on_azure(env, settings, lookup, show, azure_options)
    target = Target(env.base_url, env.secret("admin_token"), *_trust(env))
    show(f"load: {settings.describe()} against {env.name} ({env.base_url}), {settings.locustfile.name}; "
         "stops at the first rule that fails")
    return _beside_server(env, show, lambda run_dir, server: run_load(settings, target, lookup, run_dir, show, server))


def _run_on_azure(env: Environment, settings: LoadSettings, lookup, show, azure_options: dict) -> LoadRun:
    """The same drill on Azure Load Testing's engines: no local locust; the server side is read while Azure runs."""
    refuse_engine_on_tier("azure", env.tier, f"{env.path.name}: [load] engine = \"azure\"")
    from drillbook.load._azure_engine import run_azure_load  # the engine's modules load for an Azure run only

    target = Target(env.base_url, ca_bundle=env.config.http.ca_bundle)  # the token stays in Key Vault
    show(f"load: {settings.describe()} against {env.name} ({env.base_url}), {settings.locustfile.name}, "
         f"on Azure Load Testing ({settings.azure.endpoint}); Azure's auto-stop is the early abort")
    return _beside_server(env, show, lambda run_dir, server: run_azure_load(settings, target, lookup, run_dir, show,
                                                                             server=server, **azure_options))


def _trust(env: Environment) -> tuple[str | None, bool]:
    """``[http] ca_bundle`` and ``verify_tls``, as every other drill's client has them; a bundle that will not load is
    a configuration error now, not a load of failed handshakes later."""
    http = env.config.http
    if http.ca_bundle:  # a bundle is verified against even with verify_tls = false, as by every client
        try:
            verifying_context(http.ca_bundle)
        except TargetError as exc:
            raise ConfigError(f"{env.path.name}: {exc}") from None
    return http.ca_bundle, http.verify_tls


def _beside_server(env: Environment, show, engine: Callable[[Path, ServerSide], LoadRun]) -> LoadRun:
    """Run ``engine`` with the environment's metrics source open beside it; report, attach, always clean up;
    a failed run gets the runbook's troubleshooting for its failing sections."""
    run_dir, server = Path(tempfile.mkdtemp(prefix="drillbook-load-run-")), ServerSide(env)
    try:
        server.open(time.time())
        run = engine(run_dir, server)
        _report(run, show)
        _attach(run, env.base_url)
    finally:
        server.close()
        shutil.rmtree(run_dir, ignore_errors=True)
    if run.failed:
        sections = tuple(dict.fromkeys(t.threshold.section for t in run.failed))
        troubleshooting.attach(troubleshooting.Trouble("load", sections, run.started, run.ended), env)
    return run


def source_of(run: LoadRun) -> str:
    """``locust client-side, 10 users on one locust process`` or ``Azure Load Testing run <id>, ...``."""
    where = run.azure.source if run.azure else SOURCE
    return f"{where}, {run.settings.peak_users} users on {run.settings.engine}"


def journal_line(run: LoadRun) -> str:
    """The drill in one line for the journal: verdict, shape, engine, windows, and whether it stopped early."""
    windows = _windows(run) or "no window judged"
    stopped = run.aborted or f"ran {run.ended - run.started:.0f} s"
    azure = f"; {run.azure.source}, Azure's own result {run.azure.test_result or 'none'}" if run.azure else ""
    reach = run.judge.reach if run.judge else None
    missed = f"; {reach.summary()}" if reach and reach.missed else ""
    return f"load {run.status}: {run.settings.describe()}; {windows}; {stopped}{missed}{azure}"


def verdict(run: LoadRun, alerts: Sequence[Finding] = ()) -> BaseException | None:
    """The test's failure, carrying its findings, or None when the drill passed (or was allowed inconclusive).

    ``alerts``: the expected alerts of its breaches that did not fire, or could not be read (``detection.load``).
    """
    elapsed = run.ended - run.started
    if run.status == "unreachable":
        message = _unreachable_message(run, elapsed)
        return failing(message, Finding("unreachable", None, message, source=source_of(run)))
    if run.status == "fail":
        head = f"load drill failed after {elapsed:.0f} s of {run.settings.duration_s:g} s"
        head += f" ({run.aborted})" if run.aborted else ""
        note = _windows(run)
        found = [_breach(run, t) for t in run.failed]
        saturated = [f"note: {run.judge.saturation}"] if run.judge and run.judge.saturation else []
        found += alerts
        message = "\n".join([head, *map(runbook.render, found), *_errors_seen(run), *_reach_note(run), *saturated,
                             f"judged over {note}", *_azure_said(run)])
        return failing(message, *found)
    if run.status == "inconclusive" and not run.settings.allow_inconclusive:
        reasons = [t.finding() for t in run.judge.inconclusive] if run.judge else \
            [f"no interval reached drillbook: {'Azure' if run.azure else 'locust'} never reported a request"]
        excused = run.judge is not None and any(t.excuse for t in run.judge.inconclusive)
        why = "a saturated generator is not a pass" if excused else "no data is not a pass"
        message = "\n".join([f"load drill inconclusive after {elapsed:.0f} s: {why} "
                             "(use --allow-inconclusive to accept it)", *run.problems, *reasons, *_reach_note(run),
                             *_azure_said(run)])
        return failing(message, Finding("no data", None, message, source=source_of(run)))
    if alerts:  # only a breach expects an alert: kept in case that changes, never dropped
        message = "\n".join(["load drill passed its rules, but its alerts did not", *map(runbook.render, alerts)])
        return failing(message, *alerts)
    return None


def verdict_message(run: LoadRun) -> str | None:
    """The failure text, or None when the drill passed (or was allowed to be inconclusive)."""
    failure = verdict(run)
    return str(failure) if failure else None


def _breach(run: LoadRun, tracker: Tracker) -> Finding:
    first, rule = tracker.verdict.first_breach, tracker.verdict.rule
    return Finding("threshold", tracker.threshold.section, tracker.finding(), source=_source_for(run, tracker),
                   rule=tracker.threshold.key, value=first.value if first else None, limit=rule.limit, unit=rule.unit)


def _unreachable_message(run: LoadRun, elapsed: float) -> str:
    """Never passed, never allowed as inconclusive: the load did not test the API. What the requests that did reach
    it showed comes after, for what it is worth."""
    head = f"load drill unreachable after {elapsed:.0f} s of {run.settings.duration_s:g} s: the load did not reach the API"
    head += f" ({run.aborted})" if run.aborted else ""
    reached = [f"over the requests that did reach it: {t.finding()}" for t in run.failed]
    return "\n".join([head, run.judge.reach.finding(source_of(run)), *reached, *run.problems, *_azure_said(run)])


def _reach_note(run: LoadRun) -> list[str]:
    note = run.judge.reach.note() if run.judge and run.judge.reach else None
    return [note] if note else []


def _windows(run: LoadRun) -> str | None:
    """The windows judged: the client's, else the server side's (an Azure run whose own metrics could not be read)."""
    judge = run.judge or (run.server.judge if run.server else None)
    return window_note(judge.thresholds, judge.windows) if judge else None


def _azure_said(run: LoadRun) -> list[str]:
    from drillbook.load._azure_report import azure_result_line

    return [azure_result_line(run)] if run.azure else []


def _source_for(run: LoadRun, tracker: Tracker) -> str:
    return run.server.description if tracker.side == "server" and run.server else source_of(run)


def _trackers(run: LoadRun) -> list[Tracker]:
    server = run.server.judge.trackers if run.server and run.server.judge else []
    return (run.judge.trackers if run.judge else []) + server


def _server_lines(run: LoadRun) -> list[str]:
    """Client p95 beside server p95, and what the server side could not read."""
    if run.server is None or (run.judge is None and run.server.judge is None):
        return []
    gap = gap_line(_client_p95(run), run.server.p95())
    return [*run.server.notes(), *([gap] if gap else [])]


def _client_p95(run: LoadRun) -> float | None:
    total = RouteCounts()
    for interval in run.judge.intervals if run.judge else []:
        total.add(interval.total())
    return total.percentile(0.95)


def _report(run: LoadRun, show: Callable[[str], None]) -> None:
    if run.azure:
        from drillbook.load._azure_report import azure_lines

        for line in azure_lines(run):
            show(f"load: {line}")
    if run.judge is None:
        show("load: no interval was reported")
        if not _trackers(run):
            return
    for tracker in _trackers(run):
        show(f"load: {tracker.status:>12}  {tracker.finding()}")
    for line in [*_route_lines(run), *_reach_note(run), *_server_lines(run), *_generator_lines(run)]:
        show(f"load: {line}")
    show(verdict_line(run, time.time()))


def verdict_line(run: LoadRun, now: float) -> str:
    """``load: verdict pass at 2026-11-30T16:44:02.735Z after 60 s, ...``: ISO-8601 UTC, as the watch and the record."""
    late = f", {run.late_reports} late interval reports ignored" if run.late_reports else ""
    reporting = run.settings.engine if run.azure else f"{run.processes} locust process(es) reporting"
    return (f"load: verdict {run.status} at {iso_utc(now)} after {run.ended - run.started:.0f} s, "
            f"{reporting}{late}")


def _route_lines(run: LoadRun) -> list[str]:
    """Locust's per-route table; an Azure run shows Azure's own whole-run table instead (its p50/p99 are not ours)."""
    return [] if run.azure or run.judge is None else route_table(run.judge).splitlines()


def _generator_lines(run: LoadRun) -> list[str]:
    """The busiest the generator got; when it was saturated, a note that stands whatever the verdict."""
    if run.azure:
        return []  # Azure's engines: Azure Load Testing watches their load, drillbook cannot
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
    engine = f"Azure Load Testing, {run.settings.engine}" if run.azure else f"locust, {run.settings.engine}"
    lines = [f"shape: {run.settings.describe()}", f"engine: {engine}",
             f"source: {source_of(run)}", f"status: {run.status}", f"stopped early: {run.aborted or 'no'}",
             *(f"problem: {p}" for p in run.problems)]
    if run.unreachable:
        lines.append(run.judge.reach.finding(source_of(run)))
    if run.azure:
        from drillbook.load._azure_report import azure_lines

        lines += azure_lines(run)
    else:
        lines.append(f"locust exit codes: {run.exit_codes}")
    if _windows(run):
        lines.append(_windows(run))
        lines += [f"{t.status:>12}  {t.finding()}" for t in _trackers(run)]
        lines += ["", *_route_lines(run), *_reach_note(run), *_server_lines(run), *_generator_lines(run)]
    return "\n".join(lines)
