"""The footprints table cannot drift: every fixture a drill asks for, every chaos drill, every fault kind is in it."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import pytest

from cockpit_runs import collected
from drillbook.chaos.drills import DRILLS as CHAOS_DRILLS
from drillbook.chaos.settings import ChaosSettings
from drillbook.cockpit import footprints
from drillbook.config.environments import load_environment
from drillbook.faults import FAULTS, fault_class
from drillbook.faults.arm import ROLES


@pytest.fixture(scope="module")
def drills() -> list[dict]:
    found = collected("--env", "staging")
    assert len(found) > 40, "too few drills collected: the drift checks read nothing"
    return found


def test_every_fixture_a_drill_asks_for_has_a_footprint_or_only_reads_settings(drills):
    asked = {name for drill in drills for name in drill["fixturenames"]}
    known = footprints.FIXTURES.keys() | footprints.SETTINGS_ONLY
    assert sorted(asked - known) == [], "add each to footprints.FIXTURES (what it touches) or SETTINGS_ONLY"
    assert sorted(known - asked - {"sandbox_info"}) == [], "no drill asks for these any more: remove them"


def test_every_test_the_table_names_exists(drills):
    names = {drill["name"] for drill in drills}
    assert sorted((footprints.DRILLS.keys() | footprints.CHAOS_TESTS.keys()) - names) == []


def test_every_chaos_test_is_mapped_to_the_drill_it_calls(drills):
    for drill in (d for d in drills if "chaos" in d["markers"]):
        name = footprints.CHAOS_TESTS.get(drill["name"])
        assert name in drill["strings"], f"{drill['nodeid']} calls chaos_drill({drill['strings']}), table: {name}"


def test_every_destructive_drill_says_what_it_changes(drills):
    silent = [drill["nodeid"] for drill in drills if "destructive" in drill["markers"]
              and not footprints.footprint_of(drill["name"], drill["fixturenames"]).sends
              and footprints.fault_kinds(drill["name"], drill["fixturenames"]) == (None, None)]
    assert silent == []


def test_every_fault_kind_is_described_with_the_role_its_client_needs():
    assert sorted(footprints.FAULTS) == sorted(FAULTS)
    for kind, facts in footprints.FAULTS.items():
        client_kind = getattr(fault_class(kind), "client_kind", None)
        assert facts.role == (ROLES[client_kind] if client_kind else None), kind


def test_the_dr_drill_injects_the_faults_the_table_names():
    from drillbook.dr import drill as on_sandbox, pitr as on_azure

    sandbox_kind, azure_kind = footprints.DR_FAULTS
    assert f'create_fault("{sandbox_kind}"' in inspect.getsource(on_sandbox)
    assert fault_class(azure_kind).__name__ in inspect.getsource(on_azure)


@pytest.mark.parametrize("name", sorted(CHAOS_DRILLS))
def test_each_chaos_drill_builds_the_faults_the_table_names(name, monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000000")
    sandbox_kind, azure_kind = footprints.CHAOS_FAULTS[name]
    drill = CHAOS_DRILLS[name]
    assert built_kind(drill.fault, "local") == sandbox_kind
    assert built_kind(drill.azure.fault if drill.azure else None, "staging") == azure_kind


def built_kind(builder, env_name: str) -> str | None:
    """The kind of fault ``builder`` makes: built, never injected (a fault's constructor contacts nothing)."""
    if builder is None:
        return None
    env = load_environment(env_name)
    settings = ChaosSettings.for_drill(env, "any")
    context = SimpleNamespace(env=env, settings=settings, arm_options={}, url=lambda path: f"http://127.0.0.1:9{path}")
    return builder(context).kind
