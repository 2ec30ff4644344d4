"""One collected drill described for the on-call engineer: its markers, runbook section, footprint and duration.

>>> facts = describe(item, env, config)
>>> facts.section, facts.severity, facts.destructive, facts.touches
('cache-issues', 'P2', True, ('HTTP', 'Redis'))
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import pytest

from drillbook import markers, runbook
from drillbook.cockpit.durations import Duration, duration_of
from drillbook.cockpit.footprints import FAULTS, TOUCHES, fault_kinds, footprint_of, test_name
from drillbook.config.environments import Environment

DRILL_MARKERS = tuple(name.split("(")[0] for name in markers.MARKERS if name != "runbook(section)")


@dataclass(frozen=True)
class Fault:
    kind: str
    does: str
    undo: str


@dataclass(frozen=True)
class DrillFacts:
    nodeid: str
    markers: tuple[str, ...]
    section: str | None
    section_title: str | None
    severity: str | None
    owner: str | None
    destructive: bool
    touches: tuple[str, ...]
    faults: tuple[Fault, ...]
    duration: Duration
    secrets: tuple[str, ...]  # the section and key of each reference it resolves: names, never values
    roles: tuple[str, ...]
    sends: str

    def as_json(self) -> dict:
        return asdict(self)


def describe(item: pytest.Item, env: Environment, config: pytest.Config) -> DrillFacts:
    marker = item.get_closest_marker("runbook")
    section = runbook.section(marker.args[0]) if marker else None
    cloud = env.tier != "local"
    footprint = footprint_of(test_name(item), item.fixturenames)
    return DrillFacts(
        nodeid=item.nodeid,
        markers=tuple(name for name in DRILL_MARKERS if item.get_closest_marker(name)),
        section=section.key if section else None, section_title=section.title if section else None,
        severity=section.severity if section else None, owner=section.owner if section else None,
        destructive=item.get_closest_marker("destructive") is not None,
        touches=tuple(sorted(footprint.touches + (footprint.cloud if cloud else ()), key=TOUCHES.index)),
        faults=faults_of(item, cloud),
        duration=duration_of(item, env, config),
        secrets=secret_names(env, footprint.secrets),
        roles=_roles(footprint.roles, faults_of(item, cloud)) if cloud else (),
        sends=footprint.sends,
    )


def faults_of(item: pytest.Item, cloud: bool) -> tuple[Fault, ...]:
    local, azure = fault_kinds(test_name(item), item.fixturenames)
    kind = azure if cloud else local
    return (Fault(kind, FAULTS[kind].does, FAULTS[kind].undo),) if kind else ()


def secret_names(env: Environment, sections: tuple[str, ...]) -> tuple[str, ...]:
    """``[auth] admin_token (Key Vault secret 'castiel-admin-token' in https://kv-...)``: where, never what."""
    from drillbook.config.secrets import SecretRef

    names = []
    for name in sections:
        for key, value in getattr(env.config, name):
            if isinstance(value, SecretRef):
                names.append(f"[{name}] {key} ({value.describe()})")
    return tuple(names)


def _roles(roles: tuple[str, ...], faults: tuple[Fault, ...]) -> tuple[str, ...]:
    """The footprint's roles and each fault's, once each."""
    return tuple(dict.fromkeys(roles + tuple(FAULTS[f.kind].role for f in faults if FAULTS[f.kind].role)))
