"""The tier picks each chaos drill's fault through the registry: the sandbox's on local, Azure's on staging and
production; and a whole drill on an Azure tier runs its Azure fault through the real SDK against loopback."""

from __future__ import annotations

import httpx
import pytest

from loopback import FakeCredential, loopback_only  # noqa: F401 - the guard applies here
from recorded_arm import RecordedArm
from app_on_loopback import app_on_loopback

from drillbook.chaos.context import DrillContext
from drillbook.chaos.drills import DRILLS, drill_for
from drillbook.chaos.experiment import run_experiment
from drillbook.chaos.record import journal_figures
from drillbook.chaos.settings import ChaosSettings
from drillbook.config.environments import load_environment
from drillbook.errors import ConfigError
from drillbook.faults import UndoJournal

SUB = "00000000-0000-0000-0000-000000000000"
SANDBOX_KINDS = {"service-down": "api-restart", "redis-outage": "dependency", "redis-hang": "process-signal",
                 "cosmos-outage": "process-signal", "cosmos-latency": "route", "worker-stall": "worker-stall"}
AZURE_KINDS = {"service-down": ("app-service-restart", "App Service app-castiel-api-staging restart"),
               "redis-outage": ("redis-reboot", "Azure Cache for Redis redis-castiel-staging reboot (all nodes)"),
               "app-stopped": ("app-service-stop", "App Service app-castiel-api-staging stop"),
               "chaos-studio": ("chaos-experiment", "Chaos Studio experiment chaos-castiel-staging")}


def context(env, **options) -> DrillContext:
    settings = ChaosSettings.for_drill(env, "any")
    base = env.base_url if env.base_url.startswith("http") else "http://127.0.0.1:9"  # never contacted here
    return DrillContext(env, httpx.Client(base_url=base), settings, arm_options=options)


def kinds_on(env) -> dict[str, str]:
    drills = {name: drill_for(drill, env.tier) for name, drill in DRILLS.items()}
    return {name: drill.fault(context(env)).kind for name, drill in drills.items() if drill is not None}


def test_the_local_tier_runs_the_sandbox_faults():
    assert kinds_on(load_environment("local")) == SANDBOX_KINDS


def test_staging_runs_the_azure_faults_on_its_own_resources(monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    env = load_environment("staging")
    faults = {name: drill_for(drill, env.tier) for name, drill in DRILLS.items()}
    built = {name: drill.fault(context(env)) for name, drill in faults.items() if drill is not None}
    assert {name: (fault.kind, fault.describe()) for name, fault in built.items()} == AZURE_KINDS
    assert built["service-down"].plan()["health_url"] == "https://api-staging.castiel.com/health"
    assert drill_for(DRILLS["service-down"], "staging").probes == ()  # App Service may restart instance by instance


def test_production_names_production_resources(monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    env = load_environment("production")
    fault = drill_for(DRILLS["redis-outage"], env.tier).fault(context(env))
    assert fault.plan()["name"] == "redis-castiel-prod" and fault.plan()["resource_group"] == "rg-castiel-prod"


def test_an_experiment_not_named_is_one_line_naming_the_key(monkeypatch):
    monkeypatch.setenv("AZURE_SUBSCRIPTION_ID", SUB)
    env = load_environment("production")  # names no chaos_experiment
    with pytest.raises(ConfigError, match=r"^production.toml: \[azure\] needs chaos_experiment for this Azure drill "
                                          r"-> add chaos_experiment"):
        drill_for(DRILLS["chaos-studio"], env.tier).fault(context(env))




def test_the_service_down_drill_on_an_azure_tier_restarts_the_app_service_and_times_healthy(sandbox, tmp_path):
    path = tmp_path / "app-loopback.toml"
    path.write_text(app_on_loopback(sandbox.url, SUB))
    env = load_environment(path=path)
    drill = drill_for(DRILLS["service-down"], "staging")
    with RecordedArm() as arm, httpx.Client(base_url=sandbox.url, timeout=10) as http:
        arm.answer("POST", "/restart", "ok.json")
        ctx = DrillContext(env, http, ChaosSettings.for_drill(env, "service-down"),
                           arm_options={"credential": FakeCredential(), "transport": arm.transport()})
        record = run_experiment(ctx, drill, UndoJournal(tmp_path))
    assert [f.message() for f in record.failures()] == []
    assert arm.calls() == [("POST", f"/subscriptions/{SUB}/resourceGroups/rg-castiel-staging/providers/"
                                    "Microsoft.Web/sites/app-castiel-api-staging/restart")]
    assert record.fault == "App Service app-castiel-api-staging restart" and 0 <= record.time_to_recover_s <= 20
    figures = journal_figures(record)  # measured apart from the objective, as in every recovery record
    assert figures["rto_objective_s"] == 20 and figures["time_to_recover_s"] == record.time_to_recover_s
    assert "rto_s" not in figures and "rto_s" not in record.figures()
