"""The runbook's troubleshooting, run for you when a watch, load or chaos drill fails.

>>> trouble = Trouble("watch", ("high-error-rate",), start, end, readings=result.readings, interval_s=1.0)
>>> attach(trouble, env)     # runs the steps, attaches "troubleshooting (runbook)"; the verdict is already made

The failing rules' runbook sections choose the steps (``STEPS``): a high error
rate reads the top exceptions by type and the failing operations (App Insights
on ``azure-monitor``, the target's own ``/api/admin/errors`` otherwise); slow
responses read the slowest endpoints and the cache hit rate; database trouble
reads the Cosmos account's status and requests by status (429 = throttled);
cache trouble reads Redis ``INFO memory`` and ``INFO stats``. Every step runs in its own
thread with a timeout, all of them under one deadline; a step that raises or
does not answer in time is reported as "troubleshooting step X could not run:
..." and nothing here can change the verdict.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from drillbook.troubleshooting import steps as read
from drillbook.config.environments import Environment
from drillbook.config.sections import TroubleshootingSection
from drillbook.metrics.reading import Reading
from drillbook.record.series import iso_utc

# The target is already in trouble: a step that takes longer than [troubleshooting] step_timeout_s tells nothing new.
STEP_TIMEOUT_S = TroubleshootingSection().step_timeout_s
BUDGET_S = TroubleshootingSection().budget_s  # all steps together
ERRORS, SLOW, DATABASE, CACHE, READINESS = "errors", "slow endpoints", "database", "cache", "readiness"
STEPS = {  # runbook section -> the kinds of steps its Troubleshooting starts with
    "high-error-rate": (ERRORS, READINESS),
    "critical-flows": (ERRORS,),
    "slow-response-times": (SLOW, CACHE),
    "cache-issues": (CACHE,),
    "database-connection": (DATABASE, READINESS),
    "database-capacity": (DATABASE,),
    "dependency-readiness": (READINESS, DATABASE, CACHE),
    "recovery-objectives": (READINESS,),
}


@dataclass(frozen=True)
class Trouble:
    """A failed drill: which one, the failing rules' runbook sections, the failing window and its own figures."""

    drill: str  # "watch", "load", "chaos redis-outage"
    sections: tuple[str, ...]
    start: float  # epoch seconds
    end: float
    readings: tuple[Reading, ...] = ()
    interval_s: float = 1.0


@dataclass(frozen=True)
class Step:
    """One troubleshooting step: its name in the findings and the read it makes within ``timeout_s``."""

    name: str
    read: Callable[[float], Any]


@dataclass
class Limits:
    """How long the steps may take (``[troubleshooting]``), and how the Azure reads sign in."""

    step_timeout_s: float = STEP_TIMEOUT_S
    budget_s: float = BUDGET_S
    azure: dict[str, Any] = field(default_factory=dict)  # credential/transport for the Azure reads (tests)

    @classmethod
    def of(cls, env: Environment) -> Limits:
        section = env.config.troubleshooting
        return cls(section.step_timeout_s, section.budget_s)


def steps_for(trouble: Trouble, env: Environment, limits: Limits = Limits()) -> list[Step]:
    """The steps for the failing sections, each once, in the runbook's order."""
    kinds = list(dict.fromkeys(kind for section in trouble.sections for kind in STEPS.get(section, ())))
    steps: list[Step] = []
    for kind in kinds:
        steps += _STEP_BUILDERS[kind](trouble, env, limits)
    return steps


def run_steps(steps: list[Step], limits: Limits = Limits()) -> dict[str, Any]:
    """Run every step in its own thread; what is not back by its timeout (or the deadline) could not run."""
    deadline = time.monotonic() + limits.budget_s
    timeout = min(limits.step_timeout_s, limits.budget_s)
    runs = [_StepRun(step, timeout) for step in steps]
    for run in runs:
        run.thread.join(max(0.0, min(run.started + timeout, deadline) - time.monotonic()))
    return {run.step.name: run.outcome(limits) for run in runs}


def findings(trouble: Trouble, env: Environment, limits: Limits = Limits()) -> dict[str, Any]:
    """What the failing sections' troubleshooting steps find; steps that could not run are listed, not raised."""
    found: dict[str, Any] = {"drill": trouble.drill, "sections": list(trouble.sections),
                             "window": {"start": iso_utc(trouble.start), "end": iso_utc(trouble.end)}}
    try:
        found.update(run_steps(steps_for(trouble, env, limits), limits))
    except Exception as exc:  # noqa: BLE001  (a defect here must not hide the drill's verdict)
        found["troubleshooting"] = f"troubleshooting could not run: {type(exc).__name__}: {exc}"
    found["could not run"] = [v for v in found.values() if isinstance(v, str) and " could not run: " in v]
    return found


def attach(trouble: Trouble, env: Environment, limits: Limits | None = None) -> dict[str, Any]:
    """Run the troubleshooting and attach it to the Allure record; whatever happens here, the verdict stands."""
    import allure

    try:
        found = findings(trouble, env, limits or Limits.of(env))
        text = json.dumps(found, indent=2, default=str)
    except Exception as exc:  # noqa: BLE001  (a defect here must not turn the drill's failure into an error)
        found = {"drill": trouble.drill, "troubleshooting": f"troubleshooting could not run: {type(exc).__name__}: "
                                                            f"{exc}"}
        text = json.dumps(found, indent=2)
    allure.attach(text, name="troubleshooting (runbook)", attachment_type=allure.attachment_type.JSON)
    return found


class _StepRun:
    """One step in a daemon thread: a step that hangs is left behind, never waited for."""

    def __init__(self, step: Step, timeout_s: float) -> None:
        self.step, self.timeout_s, self.started = step, timeout_s, time.monotonic()
        self.result: Any = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name=f"troubleshooting {step.name}", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.result = self.step.read(self.timeout_s)
        except BaseException as exc:  # noqa: BLE001  (reported as the step's finding)
            self.error = exc

    def outcome(self, limits: Limits) -> Any:
        if self.thread.is_alive():
            waited = time.monotonic() - self.started
            return _could_not_run(self.step, f"no answer after {waited:.1f} s (step timeout "
                                             f"{limits.step_timeout_s:g} s, all steps {limits.budget_s:g} s)")
        if self.error is not None:
            lines = str(self.error).splitlines() or [""]
            return _could_not_run(self.step, f"{type(self.error).__name__}: {lines[0][:300]}".rstrip(": "))
        return self.result


def _could_not_run(step: Step, why: str) -> str:
    return f"troubleshooting step {step.name} could not run: {why}"


def _errors(trouble: Trouble, env: Environment, limits: Limits) -> list[Step]:
    steps = [Step(f"failing operations ({trouble.drill})", lambda _t: read.failing_operations(list(trouble.readings)))
             ] if trouble.readings else []
    if read.on_azure(env):
        return [*steps, Step("exceptions and failing operations (App Insights)",
                             lambda t: read.azure_errors(env, trouble.start, trouble.end, t, limits.azure))]
    return [*steps, Step("exceptions and failing operations (target)",
                             lambda t: read.recent_errors(env, trouble.start, t))]


def _slow(trouble: Trouble, env: Environment, limits: Limits) -> list[Step]:
    steps = [Step(f"slowest endpoints ({trouble.drill})",
                  lambda _t: read.slowest_endpoints(list(trouble.readings), trouble.interval_s)),
             Step(f"cache hit rate ({trouble.drill})", lambda _t: read.cache_hit_rate(list(trouble.readings)))
             ] if trouble.readings else []
    return [*steps, Step("slow endpoints (target)", lambda t: read.read_target(env, "/api/admin/performance/slow", t))]


def _cache(trouble: Trouble, env: Environment, limits: Limits) -> list[Step]:
    return [Step("cache stats (target)", lambda t: read.read_target(env, "/api/admin/cache/stats", t)),
            Step("redis memory and evictions", lambda t: read.redis_memory_and_evictions(env, t))]


def _database(trouble: Trouble, env: Environment, limits: Limits) -> list[Step]:
    if read.on_azure(env):
        return [Step("cosmos account (Azure Resource Manager)",
                     lambda t: read.azure_cosmos_account(env, t, limits.azure)),
                Step("cosmos requests by status (Azure Monitor)",
                     lambda t: read.azure_cosmos(env, trouble.start, trouble.end, t, limits.azure))]
    return [Step("cosmos (target)", lambda t: read.cosmos_from_target(env, trouble.start, t))]


def _readiness(trouble: Trouble, env: Environment, limits: Limits) -> list[Step]:
    return [Step("dependency readiness", lambda t: read.read_target(env, "/health/ready", t))]


_STEP_BUILDERS: dict[str, Callable[[Trouble, Environment, Limits], list[Step]]] = {
    ERRORS: _errors, SLOW: _slow, CACHE: _cache, DATABASE: _database, READINESS: _readiness}
