"""A metrics window: synthetic probe traffic plus the environment's metrics source, read once at the end."""

from __future__ import annotations

import time

from drillbook import metrics
from drillbook.clients.http import Breaker, build_client
from drillbook.config.environments import Environment
from drillbook.metrics import Reading
from drillbook.rules import Verdict, evaluate
from drillbook.runbook import Threshold
from drillbook.metrics.traffic import ProbeTraffic

SPARE_S = 120.0  # the traffic's own limit past the window: a stuck drill stops sending on its own


class MetricsWindow:
    """``with MetricsWindow(env, rps=5) as window: ...; reading = window.read()``."""

    def __init__(self, env: Environment, *, rps: float) -> None:
        self.env, self.rps = env, rps
        self.start = 0.0

    def __enter__(self) -> MetricsWindow:
        # no breaker: an outage must not make the measuring traffic stop measuring
        self._probe_client = build_client(self.env.http_target, breaker=Breaker(enabled=False))
        self._metrics_client = build_client(self.env.http_target, breaker=Breaker(enabled=False))
        routes = self.env.config.metrics.probe_routes
        self._traffic = ProbeTraffic(self._probe_client, routes, rps=self.rps,
                                     max_requests=int(self.rps * SPARE_S) + 1, duration_s=SPARE_S)
        self._traffic.start()
        self._source = metrics.create_source(self.env, self._metrics_client, traffic=self._traffic)
        self.start = time.time()
        return self

    def read(self) -> Reading:
        return self._source.read(self.start, time.time())

    def so_far(self) -> str:
        """``48 probe requests, 0 failed``: the window's own traffic until now."""
        seen = self._traffic.observations_between(self.start, time.time() + 1)
        failed = sum(1 for o in seen if o.status == 0 or o.status >= 500)
        return f"{len(seen)} probe requests, {failed} failed (5xx or no answer)"

    def __exit__(self, *exc: object) -> None:
        self._traffic.stop()
        self._source.close()
        self._probe_client.close()
        self._metrics_client.close()


def overrides(env: Environment) -> dict[str, float]:
    """The environment's ``[thresholds]`` overrides that are set."""
    return env.config.thresholds.overrides()


def judge(threshold: Threshold, reading: Reading, *, min_requests: int, endpoint: str | None = None) -> Verdict:
    """The catalogue rule over exactly this reading's interval: pass, fail or inconclusive (no data)."""
    rule = threshold.to_rule(window_s=max(reading.end - reading.start, 0.001), min_count=min_requests)
    sample = reading.sample_for(threshold, endpoint)
    return evaluate(rule, [sample], run_start=reading.start - 0.001)  # the one window is complete


def shown(verdict: Verdict) -> str:
    """``p95 1240 ms`` style: the measured value, or 'no data' with the count."""
    evaluation = verdict.worst or (verdict.evaluations[-1] if verdict.evaluations else None)
    if evaluation is None or evaluation.value is None:
        count = evaluation.count if evaluation else 0
        return f"no data ({count} requests < {verdict.rule.minimum} needed)"
    return f"{evaluation.value:.4g} {verdict.rule.unit}".strip()
