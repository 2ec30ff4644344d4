"""``drillbook plan``: what a run would do, drill by drill, decided by the rules the run itself applies.

Per selected drill: would run, refused (the safety guard's reason) or skipped (a reason known before it starts),
what it needs (secret names, Azure roles), what it would send or inject and how that is undone, and how long.
The run-level refusals (``plugin.refuse_unfit_selection``) are applied too. Nothing is resolved or contacted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import pytest

from drillbook.chaos.drills import unavailable
from drillbook.cockpit.catalogue import DrillFacts, describe
from drillbook.cockpit.collect import Collection
from drillbook.cockpit.footprints import CHAOS_TESTS, test_name
from drillbook.config import safety
from drillbook.config.environments import Environment
from drillbook.fixtures.security import plain_http
from drillbook.plugin import NO_RELEASE, RELEASE_KEY, refuse_unfit_selection

SANDBOX_ADDRESS = "the embedded sandbox (http://127.0.0.1)"  # its port is known once it runs
WOULD_RUN, REFUSED, SKIPPED, NOT_SELECTED = "would run", "refused", "skipped", "not selected"


@dataclass(frozen=True)
class Step:
    facts: DrillFacts
    status: str
    reason: str | None = None


@dataclass
class Plan:
    steps: list[Step] = field(default_factory=list)
    run_refused: str | None = None  # the whole run would stop before any drill (pytest's exit 4)
    note: str | None = None  # the long drills -m does not name

    def count(self, status: str) -> int:
        return sum(step.status == status for step in self.steps)

    @property
    def expected_s(self) -> float:
        return sum(step.facts.duration.expected_s for step in self.steps if step.status == WOULD_RUN)

    @property
    def at_most_s(self) -> float:
        return sum(step.facts.duration.at_most_s for step in self.steps if step.status == WOULD_RUN)

    def as_json(self) -> dict:
        return {"run_refused": self.run_refused, "note": self.note, "expected_s": self.expected_s,
                "at_most_s": self.at_most_s,
                "drills": [{**step.facts.as_json(), "status": step.status, "reason": step.reason}
                           for step in self.steps]}


def plan_run(found: Collection) -> Plan:
    env, config = found.env, found.config
    plan = Plan(note=found.note)
    for item in found.items:
        status, reason = verdict_of(item, env, config)
        plan.steps.append(Step(describe(item, env, config), status, reason))
    for item in found.deselected_long:
        plan.steps.append(Step(describe(item, env, config), NOT_SELECTED, found.note))
    try:
        refuse_unfit_selection(config, list(found.items))
    except pytest.UsageError as exc:
        plan.run_refused = str(exc)
    return plan


def verdict_of(item: pytest.Item, env: Environment, config: pytest.Config) -> tuple[str, str | None]:
    """The guard first (as pytest_runtest_setup), then what a fixture would skip for before the drill starts."""
    if item.get_closest_marker("destructive"):
        reason = safety.refusal_reason(env, config.option.approve)
        if reason:
            return REFUSED, reason
    skip = _skip_reason(item, env, config)
    return (SKIPPED, skip) if skip else (WOULD_RUN, None)


def _skip_reason(item: pytest.Item, env: Environment, config: pytest.Config) -> str | None:
    name = test_name(item)
    if name in CHAOS_TESTS:
        return unavailable(CHAOS_TESTS[name], env.tier)
    if "release" in item.fixturenames and config.stash.get(RELEASE_KEY, None) is None:
        return NO_RELEASE
    if "https_target" in item.fixturenames:
        return plain_http(SANDBOX_ADDRESS if env.uses_sandbox else env.base_url)
    return None
