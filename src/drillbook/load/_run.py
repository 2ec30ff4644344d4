"""Run locust as a subprocess (one process, or a master with workers), judge it live, and stop it early.

Locust never runs inside pytest: ``import locust`` patches the interpreter with
gevent (DESIGN.md). The run reads the hooks' interval files while locust runs,
feeds each complete interval to the judge, and stops the load at the first rule
that has definitely failed, as k6's ``abortOnFail`` does. A worker that exits or
that locust marks missing (its heartbeats stopped), or a generator that holds
fewer users than the shape asks for, makes the run inconclusive. A load that
mostly never reached the API (see _reach) stops as early, and is *unreachable*.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from drillbook.load._generator import FIX, clock, users_expected
from drillbook.load._judge import LoadJudge, Tracker, window_note
from drillbook.load._progress import progress_line
from drillbook.load._processes import ProcessGroup, reap_leftovers, terminate_on_signals
from drillbook.load._server import ServerSide
from drillbook.load._settings import LoadSettings
from drillbook.load._stats import Interval, StatsReader
from drillbook.runbook import Threshold

HOOKS = Path(__file__).with_name("_locust_hooks.py")
CA_BUNDLE_VAR, VERIFY_VAR = "DRILLBOOK_LOAD_CA_BUNDLE", "DRILLBOOK_LOAD_VERIFY_TLS"  # read by _locust_reach
STARTUP_S = 90.0  # locust's start on a busy 2-core machine, workers included, before the load must have begun
STOP_GRACE_S = 15.0  # for locust to stop its users and write its JSON and CSV
POLL_S = 0.25
SETTLE_S = 3.0  # how long an interval waits for a process that has not reported it
REMOTE_REPORT_S = 4.0  # locust workers report to their master every 3 s
LOG_TAIL_LINES = 12
COUNT_TOLERANCE, COUNT_SLACK = 0.10, 10  # a last partial interval may miss locust's total by a little


@dataclass
class Target:
    """Where the load goes and what locust needs to reach it (passed to locust in its environment only)."""

    base_url: str
    admin_token: str | None = None
    ca_bundle: str | None = None  # [http] ca_bundle: what every locust process trusts (see _locust_reach)
    verify_tls: bool = True  # [http] verify_tls


@dataclass
class LoadRun:
    """What happened: the judge's verdicts, why the run stopped, and anything that makes it inconclusive."""

    settings: LoadSettings
    judge: LoadJudge | None
    launched: float
    ended: float
    run_dir: Path
    aborted: str | None = None
    problems: list[str] = field(default_factory=list)
    exit_codes: dict[str, int | None] = field(default_factory=dict)
    late_reports: int = 0
    processes: int = 0  # locust processes that reported intervals (1, or the workers)
    reaped: list[int] = field(default_factory=list)
    server: ServerSide | None = None
    azure: Any = None  # the AzureOutcome when Azure Load Testing ran the load (drillbook.load._azure_engine)
    short: list[tuple[float, int, int]] = field(default_factory=list)  # (at, users held, users planned)
    worker_states: dict[str, str] = field(default_factory=dict)  # "worker-2 (pid 1234)" -> locust's state

    @property
    def started(self) -> float:
        return self.judge.run_start if self.judge else self.launched

    @property
    def failed(self) -> list[Tracker]:
        """Failed rules, client side first, then the server's."""
        server = self.server.judge.failed if self.server and self.server.judge else []
        return (self.judge.failed if self.judge else []) + server

    @property
    def unreachable(self) -> bool:
        """Most requests (of a window, or of the run) never reached the API: see _reach."""
        return bool(self.judge and self.judge.reach and self.judge.reach.dominated)

    @property
    def status(self) -> str:
        """``unreachable`` before ``fail``: a load that did not reach the API did not test it."""
        if self.unreachable:
            return "unreachable"
        return "fail" if self.failed else self.client_status

    @property
    def client_status(self) -> str:
        """The verdict on what the load generator measured alone (what Azure's own criteria judge too)."""
        if self.judge and self.judge.failed:
            return "fail"
        return "inconclusive" if self.problems or not self.judge or self.judge.inconclusive else "pass"


def run_load(settings: LoadSettings, target: Target, lookup: Callable[[str], Threshold], run_dir: Path,
             show: Callable[[str], None], server: ServerSide | None = None) -> LoadRun:
    """Launch locust, judge every interval, stop at the first definite failure; always leaves no process behind."""
    (run_dir / "stats").mkdir(parents=True, exist_ok=True)
    reaped = reap_leftovers()
    if reaped:
        show(f"load: killed {len(reaped)} locust process(es) left by an earlier drill that was killed: {reaped}")
    group = ProcessGroup(run_dir, _child_env(settings, target, run_dir))
    run = LoadRun(settings, None, time.time(), time.time(), run_dir, reaped=reaped, server=server)
    with terminate_on_signals():
        try:
            _launch(group, settings, target, run_dir, show)
            # Remote workers ship their intervals with their reports to the master, every 3 s: wait for them longer.
            settle_s = SETTLE_S + (REMOTE_REPORT_S if settings.remote_workers else 0.0)
            _follow(run, group, StatsReader(run_dir / "stats", settle_s=settle_s), lookup, show)
        except KeyboardInterrupt:
            run.problems.append("interrupted (Ctrl-C or SIGTERM): the load was stopped")
            group.terminate(grace_s=3.0)
            raise
        finally:
            group.terminate(grace_s=STOP_GRACE_S)
            run.exit_codes = {c.name: c.exit_code for c in group.children}
            run.ended = time.time()
    _check_counts(run)
    _check_users(run)
    return run


def _launch(group: ProcessGroup, settings: LoadSettings, target: Target, run_dir: Path, show) -> None:
    base = [sys.executable, "-m", "locust", "-f", f"{settings.locustfile},{HOOKS}", "--headless",
            "--only-summary", "--host", target.base_url]
    outputs = ["--json-file", str(run_dir / "locust"), "--csv", str(run_dir / "locust"), "--exit-code-on-error", "1"]
    if not settings.distributed:
        group.start("locust", [*base, *outputs])
        return
    port = settings.master_port or _free_port()
    expected = settings.workers + settings.remote_workers
    group.start("master", [*base, *outputs, "--master", "--master-bind-host", settings.master_bind_host,
                           "--master-bind-port", str(port), "--expect-workers", str(expected),
                           "--expect-workers-max-wait", str(int(STARTUP_S))])
    if settings.remote_workers:
        show(f"load: waiting up to {STARTUP_S:g} s for {settings.remote_workers} remote worker(s); on each machine run "
             f"DRILLBOOK_LOAD_INTERVAL_S={settings.interval_s!r} locust -f {settings.locustfile.name},{HOOKS.name} "
             f"--worker --master-host <this machine> --master-port {port} (paths as on that machine)")
    for n in range(1, settings.workers + 1):
        group.start(f"worker-{n}", [*base, "--worker", "--master-host", "127.0.0.1", "--master-port", str(port)])


def _follow(run: LoadRun, group: ProcessGroup, reader: StatsReader, lookup, show) -> None:
    """Judge intervals as they complete until locust ends, a rule fails, a process dies, or time runs out."""
    settings, last_shown, latest = run.settings, 0.0, None
    deadline = run.launched + STARTUP_S + settings.duration_s + STOP_GRACE_S
    leader = group.children[0]
    while True:
        done = leader.exit_code is not None
        intervals = reader.drain() if done else reader.complete(time.time())
        for interval in intervals:
            if run.judge is None:
                run.judge = _judge_from(interval, settings, lookup, show)
                run.judge.name_process = process_namer(group)
                if run.server:
                    run.server.start_judging(lookup, settings, run.judge.run_start)
            run.judge.add(interval)
            _note_users(run, interval, reader)
            if run.server:
                run.server.complete(interval.at)
        if run.server:
            run.server.read_due()
        run.late_reports, run.processes = reader.late, len(reader.processes)
        run.worker_states = _worker_states(reader, process_namer(group))
        latest = intervals[-1] if intervals else latest
        if intervals and time.time() - last_shown >= min(settings.interval_s, 5.0) - POLL_S:
            show(progress_line(run, latest, group))
            last_shown = time.time()
        problems = len(run.problems)
        if _should_stop(run, group, done, deadline, show):
            if latest is not None and len(run.problems) > problems:  # the workers' states as the load stopped
                show(progress_line(run, latest, group))
            return
        time.sleep(POLL_S)


def process_namer(group: ProcessGroup) -> Callable[[str], str]:
    """``host:pid`` -> ``worker-2 (pid 1234)`` for this drill's processes, ``remote worker host:pid`` for others."""
    here = socket.gethostname()

    def name(process: str) -> str:
        host, _, pid = process.rpartition(":")
        child = next((c for c in group.children if str(c.proc.pid) == pid), None) if host == here else None
        return child.label if child else f"remote worker {process}"
    return name


def _worker_states(reader: StatsReader, name: Callable[[str], str]) -> dict[str, str]:
    """Each worker the master knows, by name, with locust's state for it (running, missing, ...)."""
    return {name(reader.clients[cid]) if cid in reader.clients else f"worker {cid}": state
            for cid, state in sorted(reader.worker_states.items())}


def _note_users(run: LoadRun, interval: Interval, reader: StatsReader) -> None:
    """An interval every process reported, with fewer users than the shape asked for, is a short one."""
    if interval.processes < reader.processes:
        return  # a process missed it: its users are unknown, not absent
    expected = users_expected(run.settings.stages, interval.at - run.started, run.settings.interval_s)
    if interval.users < expected:
        run.short.append((interval.at, interval.users, expected))


def _should_stop(run: LoadRun, group: ProcessGroup, done: bool, deadline: float, show) -> bool:
    judge, now = run.judge, time.time()
    if judge and judge.reach and judge.reach.decided:
        run.aborted = (f"stopped the load after {now - judge.run_start:.0f} s of {run.settings.duration_s:g} s: most "
                       "requests of a complete window never reached the API, so the verdict cannot change")
        show(f"load: {run.aborted}")
        return True
    if judge and run.failed:
        first = min(run.failed, key=lambda t: t.verdict.first_breach.at)
        run.aborted = (f"stopped the load after {now - judge.run_start:.0f} s of {run.settings.duration_s:g} s: "
                       f"{first.label} failed at its first complete window, so the verdict cannot change")
        show(f"load: {run.aborted}")
        return True
    if done:
        _check_early_exit(run, group, now)
        return True
    problems = _worker_problems(run, group, now)
    if problems:
        run.problems += problems
        return True
    if now > deadline:
        run.problems.append(f"locust did not finish within {deadline - run.launched:.0f} s "
                            f"(a {run.settings.duration_s:g} s shape); it was stopped")
        return True
    return False


def _worker_problems(run: LoadRun, group: ProcessGroup, now: float) -> list[str]:
    """A worker that exited before the shape ended, or that locust marked missing, each named with the time."""
    shape_over = run.judge is not None and now - run.started >= run.settings.duration_s - run.settings.interval_s
    # A worker the master told to quit exits 0 at the end of the shape; any other exit is a crash.
    crashed = [c for c in group.children[1:] if c.exit_code is not None and (c.exit_code != 0 or not shape_over)]
    exited = {c.label for c in crashed}
    missing = [] if shape_over else sorted(n for n, state in run.worker_states.items()
                                           if state == "missing" and n not in exited)
    total = run.settings.workers + run.settings.remote_workers
    when = f"{clock(now)}, {now - run.started:.0f} s into the load; {total - len(crashed) - len(missing)} of " \
           f"{total} workers left, so the load was not what was planned"
    return [*(f"{_exit_note(c)} at {when}; its log: {_tail(run.run_dir / f'{c.name}.log')}" for c in crashed),
            *(f"{name} stopped sending heartbeats: locust marked it missing by {when}" for name in missing)]


def _exit_note(child) -> str:
    """``worker-2 (pid 1234) exited with signal 9 (SIGKILL)`` or ``... exited with code 1``."""
    code = child.exit_code
    how = f"signal {-code} ({_signal_name(-code)})" if code < 0 else f"code {code}"
    return f"{child.label} exited with {how}"


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown signal"


def _check_users(run: LoadRun) -> None:
    """The generator holding fewer users than the shape asked for did not load the target as planned."""
    if not run.short or run.aborted:
        return
    at, held, planned = run.short[0]
    run.problems.append(f"the generator held {held} of the {planned} users the shape asked for at {clock(at)} "
                        f"({len(run.short)} of {len(run.judge.intervals)} intervals short): the target was not "
                        f"loaded as planned -> look in locust's log for users that stopped or never started; "
                        f"if the generator was saturated, {FIX}")


def _check_early_exit(run: LoadRun, group: ProcessGroup, now: float) -> None:
    """Locust ending well before its shape did means it crashed or refused to start."""
    ran = now - run.started
    if run.judge is None or ran < run.settings.duration_s - 2 * run.settings.interval_s:
        leader = group.children[0]
        run.problems.append(f"locust exited with code {leader.exit_code} after {ran:.0f} s of a "
                            f"{run.settings.duration_s:g} s shape; its log: {_tail(run.run_dir / f'{leader.name}.log')}")


def _check_counts(run: LoadRun) -> None:
    """Locust's own total against the requests drillbook judged: a worker without the hooks must not go unseen."""
    try:
        entries = json.loads((run.run_dir / "locust.json").read_text())
    except (OSError, ValueError):
        return  # stopped before it wrote its stats: the problems already say why
    counted = sum(int(e.get("num_requests", 0)) for e in entries)
    judged = sum(i.total().count for i in run.judge.intervals) if run.judge else 0
    if not run.aborted and judged < counted * (1 - COUNT_TOLERANCE) - COUNT_SLACK:
        run.problems.append(f"locust counted {counted} requests but only {judged} reached drillbook's intervals: "
                            "a worker without drillbook's hooks? -> start every worker with "
                            f"-f <locustfile>,{HOOKS.name}")


def _judge_from(first: Interval, settings: LoadSettings, lookup, show) -> LoadJudge:
    """The judge's clock starts where the first interval does (the load began inside it)."""
    judge = LoadJudge.for_runbook(lookup, duration_s=settings.duration_s, interval_s=settings.interval_s,
                                  window_s=settings.window_s, min_requests=settings.min_requests,
                                  run_start=first.at - first.length_s)
    show(f"load: judging every {settings.interval_s:g} s, {window_note(judge.thresholds, judge.windows)}; "
         f"a window needs >= {settings.min_requests} requests")
    return judge


def _child_env(settings: LoadSettings, target: Target, run_dir: Path) -> dict[str, str]:
    env = {**os.environ, "DRILLBOOK_LOAD_STATS": str(run_dir / "stats"),
           "DRILLBOOK_LOAD_INTERVAL_S": repr(settings.interval_s),
           "DRILLBOOK_LOAD_STAGES": json.dumps([s.as_dict() for s in settings.stages])}
    for name in ("CASTIEL_ADMIN_TOKEN", CA_BUNDLE_VAR):  # this drill's, never an outer one
        env.pop(name, None)
    if target.admin_token:
        env["CASTIEL_ADMIN_TOKEN"] = target.admin_token
    if target.ca_bundle:  # REQUESTS_CA_BUNDLE too, for a locustfile's own requests sessions
        env[CA_BUNDLE_VAR] = env["REQUESTS_CA_BUNDLE"] = target.ca_bundle
    env[VERIFY_VAR] = "true" if target.verify_tls else "false"
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()[-LOG_TAIL_LINES:]
    except OSError:
        return "(no log)"
    return " | ".join(line.strip() for line in lines if line.strip()) or "(empty)"
