"""What every phase of a chaos drill shares: the target, a client, the settings, and the findings they make."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx

from drillbook import findings, runbook
from drillbook.chaos.settings import ChaosSettings
from drillbook.config.environments import Environment
from drillbook.errors import TargetError
from drillbook.runtime.progress import Progress


@dataclass(frozen=True)
class Finding:
    """One judged check: what was expected, whether it held, and what was measured."""

    check: str
    ok: bool
    detail: str
    section: str
    source: str
    window: str | None = None

    def as_finding(self) -> findings.Finding:
        """The check that did not hold, as the report's finding: a hypothesis or objective breached."""
        return findings.Finding("threshold", self.section, f"{self.check}: {self.detail}", source=self.source,
                                window=self.window)

    def message(self) -> str:
        return runbook.render(self.as_finding())


def failing_checks(head: str, failed: list[Finding], also: list[findings.Finding] = ()) -> BaseException:
    """The test's failure for checks that did not hold (and ``also`` findings): ``head``, then one line each."""
    found = [f.as_finding() for f in failed] + list(also)
    return findings.failing("\n".join([head, *map(runbook.render, found)]), *found)


@dataclass
class DrillContext:
    """``DrillContext(env, http, settings)``; ``http`` must not carry a circuit breaker (outages are expected)."""

    env: Environment
    http: httpx.Client
    settings: ChaosSettings
    progress: Progress = field(default_factory=Progress)  # the operator's lines; silent by default
    arm_options: dict[str, Any] = field(default_factory=dict)  # Azure faults' client options; {}: signed-in identity
    state: dict[str, Any] = field(default_factory=dict)  # what a drill prepared: a shard id, a queue depth
    on_phase: Callable[[str, str], None] = lambda phase, detail: None  # chaos.marks: the dashboards' annotations
    timeline: list[tuple[float, str, bool]] = field(default_factory=list)  # (s since start, probe, held)
    watchers: list[Any] = field(default_factory=list)  # told when the fault starts and ends (detection)
    t0: float = field(default_factory=time.monotonic)

    def log(self, line: str) -> None:
        self.progress.line(line)

    def now(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    def tell_watchers(self, event: str) -> None:
        """``fault_started``, ``fault_ending`` (observing ended) or ``before_revert``, with the wall-clock time."""
        for watcher in self.watchers:
            getattr(watcher, event)(time.time())

    def mark(self, probe: str, held: bool) -> None:
        self.timeline.append((self.now(), probe, held))

    def get(self, path: str, **kwargs: Any) -> httpx.Response | None:
        """A request that never raises: None when the target gave no answer."""
        try:
            return self.http.get(path, **kwargs)
        except (TargetError, httpx.HTTPError):
            return None

    def post(self, path: str, **kwargs: Any) -> httpx.Response | None:
        try:
            return self.http.post(path, **kwargs)
        except (TargetError, httpx.HTTPError):
            return None

    def url(self, path: str) -> str:
        return str(self.http.base_url).rstrip("/") + path
