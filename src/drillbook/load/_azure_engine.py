"""Azure Load Testing as the load engine: the same locustfile on Azure's engines, judged by drillbook's rules.

Create or update the test (kind Locust, the runbook's rules as fail criteria and
auto-stop), upload the locustfile, start a run, follow it with a progress line
and a bound on the total wait, then read its metrics per time grain and judge
them with the same LoadJudge as a local run. While it runs, the environment's
metrics source (the server side) is read and judged as with locust. A run that
is still going when drillbook stops following it (Ctrl-C, SIGTERM, the bound,
an error) is stopped in ``finally``. Azure's own pass/fail is recorded beside
the verdict, never instead of it.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from drillbook.errors import TargetError
from drillbook.runtime.interrupts import guarded
from drillbook.load._azure_client import Clients, azure_call, open_clients
from drillbook.load._azure_criteria import ERROR_RULE, auto_stop, pass_fail_metrics
from drillbook.load._azure_metrics import GRAINS, LATENCY_NOTE, AzureMetrics, epoch, read_intervals
from drillbook.load._azure_server import follow_server
from drillbook.load._judge import LoadJudge, windows_for
from drillbook.load._processes import terminate_on_signals
from drillbook.load._progress import clock
from drillbook.load._run import LoadRun, Target
from drillbook.load._server import ServerSide
from drillbook.load._settings import LoadSettings
from drillbook.runbook import Threshold

FINISHED = ("DONE", "FAILED", "CANCELLED")
# NOT_VALIDATED is let through: a script Azure did not check fails its run, which the drill reports as Azure ended it
VALIDATED = ("VALIDATION_SUCCESS", "VALIDATION_NOT_REQUIRED", "NOT_VALIDATED")
VALIDATION_WAIT_S = 300.0  # Azure checks an uploaded locustfile before a run may use it
CANCEL_WAIT_S = 30.0


@dataclass
class AzureOutcome:
    """What Azure said about the run: its id, final status, its own pass/fail and whole-run statistics."""

    test_id: str
    run_id: str
    status: str = "NOT STARTED"
    test_result: str | None = None  # PASSED, FAILED or NOT_APPLICABLE: Azure's criteria over the whole run
    statistics: dict[str, dict] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    cancel_sent: bool = False
    grain: str = ""
    ended_at: float | None = None  # Azure's end of the run (epoch s): the drill's length is Azure's, not our wait

    @property
    def source(self) -> str:
        return f"Azure Load Testing run {self.run_id}"


def run_azure_load(settings: LoadSettings, target: Target, lookup: Callable[[str], Threshold], run_dir: Path,
                   show: Callable[[str], None], server: ServerSide | None = None, **client_options: Any) -> LoadRun:
    """Run the locustfile on Azure's engines and judge its metrics; the run is stopped whenever we stop following it.

    ``server``, opened by the caller, is read per interval while the run goes (see _azure_server).
    """
    azure = settings.azure
    outcome = AzureOutcome(azure.test_id, new_run_id())
    run = LoadRun(settings, None, time.time(), time.time(), run_dir, server=server, azure=outcome)
    clients = open_clients(azure, **client_options)
    try:
        prepare_test(clients, settings, target, lookup, show)
        resource = follow_run(clients, run, lookup, show)
        judge_run(clients, run, resource, lookup, show)
    finally:
        clients.close()
        run.ended = outcome.ended_at or time.time()
    return run


def new_run_id() -> str:
    """``drillbook-20261130-184501-3fa2c1``: lower case, under 50 characters, as the service requires."""
    return f"drillbook-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"


def load_test_body(settings: LoadSettings, target: Target, lookup: Callable[[str], Threshold]) -> dict:
    """The test: kind Locust, the shape as locust's own variables, the runbook's rules as criteria."""
    azure, stage = settings.azure, settings.stages[0]
    body = {
        "displayName": "drillbook: Castiel critical flows under load",
        "description": "created by drillbook's load drill; the verdict is drillbook's (see its journal)",
        "kind": "Locust",
        "loadTestConfiguration": {"engineInstances": azure.engine_instances},
        "environmentVariables": {"LOCUST_HOST": target.base_url, "LOCUST_USERS": str(stage.users),
                                 "LOCUST_SPAWN_RATE": f"{stage.spawn_rate:g}", "LOCUST_RUN_TIME": f"{stage.duration_s:.0f}s"},
        "passFailCriteria": {"passFailMetrics": pass_fail_metrics(lookup, azure.request_names)},
        "autoStopCriteria": auto_stop(lookup, _error_window(settings, lookup)),
    }
    if azure.admin_token_uri:  # a Key Vault URI: the engines read the token, drillbook never holds it
        body["secrets"] = {"CASTIEL_ADMIN_TOKEN": {"type": "AKV_SECRET_URI", "value": azure.admin_token_uri}}
    return body


def prepare_test(clients: Clients, settings: LoadSettings, target: Target, lookup, show) -> None:
    """Create or update the test and upload the locustfile; wait (bounded) for Azure to accept the script."""
    azure, locustfile = settings.azure, settings.locustfile
    with azure_call(azure, f"creating or updating test {azure.test_id}"):
        clients.admin.create_or_update_test(azure.test_id, load_test_body(settings, target, lookup))
    with azure_call(azure, f"uploading {locustfile.name} to test {azure.test_id}"), open(locustfile, "rb") as script:
        poller = clients.admin.begin_upload_test_file(azure.test_id, locustfile.name, script, file_type="TEST_SCRIPT",
                                                      _polling_interval=azure.poll_interval_s)
        uploaded = poller.result(timeout=min(VALIDATION_WAIT_S, azure.max_wait_s))
    status = (uploaded or {}).get("validationStatus")
    if not poller.done():
        raise TargetError(f"azure load testing: {locustfile.name} was still being checked ({status}) after "
                          f"{min(VALIDATION_WAIT_S, azure.max_wait_s):g} s -> retry; Azure validates a script "
                          "before a run may use it")
    if status not in VALIDATED:
        details = (uploaded or {}).get("validationFailureDetails") or f"status {status or 'unknown'}"
        raise TargetError(f"azure load testing: {locustfile.name} was not accepted for test {azure.test_id} "
                          f"({details[:200]}) -> run it with plain locust first: locust -f {locustfile.name}")
    show(f"load: test {azure.test_id} on {azure.endpoint}: {locustfile.name} uploaded, {status.lower()}")


def follow_run(clients: Clients, run: LoadRun, lookup, show) -> dict:
    """Start the run and poll it until Azure ends it or the bound passes, reading the server side as it goes;
    stop it in ``finally`` if still going."""
    azure, outcome = run.settings.azure, run.azure
    bound_s = run.settings.duration_s + azure.max_wait_s
    resource: dict = {}
    with azure_call(azure, f"starting run {outcome.run_id}"):
        poller = clients.run.begin_test_run(outcome.run_id, {"testId": azure.test_id, "displayName": outcome.run_id},
                                            _polling_interval=azure.poll_interval_s)
    show(f"load: run {outcome.run_id} started on {azure.engine_instances} engine instance(s); "
         f"drillbook waits up to {bound_s:.0f} s for it")
    with terminate_on_signals(), guarded() as guard:
        try:
            while not poller.done():
                guard.check()
                if time.time() - run.launched > bound_s:
                    run.problems.append(f"run {outcome.run_id} did not finish within {bound_s:.0f} s "
                                        f"(a {run.settings.duration_s:g} s shape and [azure_load_testing] "
                                        f"max_wait_s {azure.max_wait_s:g}); it was stopped")
                    break
                with azure_call(azure, f"following run {outcome.run_id}"):
                    poller.wait(azure.poll_interval_s)
                resource = poller.polling_method().resource() or resource
                show(progress_line(run, resource))
                follow_server(run, resource, lookup, run.launched + bound_s)
            resource = poller.polling_method().resource() or resource
            follow_server(run, resource, lookup, run.launched + bound_s)
        except KeyboardInterrupt:
            run.problems.append(f"interrupted (Ctrl-C or SIGTERM): run {outcome.run_id} was stopped")
            raise
        finally:
            outcome.status = str(resource.get("status") or outcome.status)
            if outcome.status not in FINISHED:
                with guard.deferred():
                    resource = cancel_run(clients, run, show) or resource
    return resource


def cancel_run(clients: Clients, run: LoadRun, show) -> dict | None:
    """Ask Azure to stop the run; a failure to ask is recorded, never raised over the reason we stopped."""
    azure, outcome = run.settings.azure, run.azure
    try:
        with azure_call(azure, f"stopping run {outcome.run_id}"):
            outcome.cancel_sent = True
            resource = clients.run.stop_test_run(outcome.run_id)
    except TargetError as exc:
        run.problems.append(f"could not stop run {outcome.run_id}: {exc} -> stop it in the portal")
        return None
    outcome.status = str((resource or {}).get("status") or "CANCELLING")
    show(f"load: asked Azure to stop run {outcome.run_id} ({outcome.status})")
    return resource


def judge_run(clients: Clients, run: LoadRun, resource: dict, lookup, show) -> None:
    """Record Azure's result, read the run's metrics per grain, and judge them with drillbook's rules."""
    outcome, settings = run.azure, run.settings
    outcome.status = str(resource.get("status") or outcome.status)
    outcome.test_result = resource.get("testResult")
    outcome.statistics = resource.get("testRunStatistics") or {}
    outcome.errors = [str(e.get("message", e))[:200] for e in resource.get("errorDetails") or []]
    if outcome.status in ("FAILED", "CANCELLED") and not outcome.cancel_sent:
        run.aborted = f"Azure ended the run {outcome.status}" + (f": {outcome.errors[0]}" if outcome.errors else "")
    start, end = resource.get("startDateTime"), resource.get("endDateTime")
    if not start:
        run.problems.append(f"run {outcome.run_id} never started executing ({outcome.status}), so no metrics")
        return
    run.launched, outcome.ended_at = epoch(start), epoch(end) if end else None
    timespan = f"{start}/{end or _iso(time.time())}"
    with azure_call(settings.azure, f"reading the metrics of run {outcome.run_id}"):
        metrics = read_intervals(clients.run, outcome.run_id, timespan, settings.interval_s)
    outcome.grain = metrics.grain
    run.problems += metrics.problems
    if metrics.intervals:
        run.judge = _judge(metrics, settings, lookup, epoch(start))
        show(f"load: judged {len(metrics.intervals)} grains of {metrics.grain} from {outcome.source}; "
             + LATENCY_NOTE.format(grain=metrics.grain))


def progress_line(run: LoadRun, resource: dict) -> str:
    """``azure load 00:35/01:00 | EXECUTING | 40 users | 4 engine instances | run drillbook-...``."""
    elapsed = time.time() - epoch(resource["startDateTime"]) if resource.get("startDateTime") else 0.0
    users = resource.get("virtualUsers")
    parts = [f"azure load {clock(elapsed)}/{clock(run.settings.duration_s)}", str(resource.get("status", "?")),
             f"{users if users is not None else run.settings.peak_users} users",
             f"{run.settings.azure.engine_instances} engine instances", f"run {run.azure.run_id}"]
    return " | ".join(parts)


def _judge(metrics: AzureMetrics, settings: LoadSettings, lookup, run_start: float) -> LoadJudge:
    judge = LoadJudge.for_runbook(lookup, duration_s=settings.duration_s, interval_s=metrics.grain_s,
                                  window_s=settings.window_s, min_requests=settings.min_requests, run_start=run_start)
    for interval in metrics.intervals:
        judge.add(interval)
    return judge


def _error_window(settings: LoadSettings, lookup) -> float:
    """The error rule's window as the judge will use it, so Azure's auto-stop and drillbook's rule agree."""
    grain_s = min(GRAINS.values(), key=lambda g: abs(g - settings.interval_s))
    return windows_for({ERROR_RULE: lookup(ERROR_RULE)}, settings.duration_s, grain_s, settings.window_s)[ERROR_RULE]


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
