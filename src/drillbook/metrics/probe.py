"""The ``probe`` source: the suite's own bounded synthetic requests, for targets without telemetry access.

Latency and status are measured at the client, so they include the network;
a request that got no answer counts as an error with its elapsed time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from drillbook.metrics.reading import EndpointReading, Reading
from drillbook.metrics.traffic import Observation, ProbeTraffic


def reading_from_observations(observations: list[Observation], start: float, end: float, query: str) -> Reading:
    """Summarise probe observations of one interval as a Reading."""
    by_endpoint: dict[str, list[Observation]] = defaultdict(list)
    for observation in observations:
        by_endpoint[f"{observation.method} {observation.route}"].append(observation)
    return Reading(
        start=start, end=end, source="probe", query=query,
        requests=len(observations),
        status_4xx=sum(1 for o in observations if 400 <= o.status < 500),
        status_5xx=sum(1 for o in observations if _is_error(o)),
        durations_ms=tuple(o.elapsed_ms for o in observations),
        endpoints={name: _endpoint(group) for name, group in by_endpoint.items()},
    )


def _endpoint(observations: list[Observation]) -> EndpointReading:
    return EndpointReading(requests=len(observations), errors=sum(1 for o in observations if _is_error(o)),
                           durations_ms=tuple(o.elapsed_ms for o in observations))


def _is_error(observation: Observation) -> bool:
    return observation.status == 0 or observation.status >= 500


class ProbeSource:
    """Runs :class:`ProbeTraffic` for the watch and reports what it measured."""

    name = "probe"

    def __init__(self, traffic: ProbeTraffic, description: str) -> None:
        self._traffic, self._description = traffic, description

    @classmethod
    def from_environment(cls, env: Any, *, http: Any = None, traffic: ProbeTraffic | None = None,
                         **_: Any) -> ProbeSource:
        metrics = env.config.metrics
        description = f"probe of {', '.join(metrics.probe_routes)} on {env.base_url} at {metrics.probe_rps:g} rps"
        if traffic is None:
            raise ValueError("probe: the watch must pass the ProbeTraffic it runs")
        return cls(traffic, description)

    def read(self, start: float, end: float) -> Reading:
        return reading_from_observations(self._traffic.observations_between(start, end), start, end,
                                         self._description)

    def close(self) -> None:
        """The traffic belongs to the watch, which stops it."""
