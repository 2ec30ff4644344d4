"""What each drill reaches, needs and may change, as data: by the fixtures it asks for, plus what a test's body does.

``drillbook list`` and ``drillbook plan`` read it; ``tests/cockpit/test_footprints.py`` keeps it in step
with the fixtures the drills request, the faults registry and the chaos drills, so it cannot drift.

- ``touches`` on every tier; ``cloud`` besides on staging and production, where Azure answers.
- ``secrets``: the environment-file sections whose references it resolves (names only are ever shown).
- ``roles``: the Azure built-in roles its identity needs on a cloud tier.
- ``sends``: what it changes on the target, and how that is undone (destructive drills).
"""

from __future__ import annotations

from dataclasses import dataclass

from drillbook.faults.arm import ROLES

TOUCHES = ("HTTP", "Redis", "Cosmos", "Service Bus", "Azure Monitor", "Azure control plane", "record store")


@dataclass(frozen=True)
class Footprint:
    touches: tuple[str, ...] = ()
    cloud: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    sends: str = ""


HTTP = Footprint(("HTTP",), secrets=("auth",))  # every client rests on drill_env, which resolves each [auth] reference
COSMOS_DATA_ROLE = "Cosmos DB Built-in Data Contributor"  # Entra ID sign-in, when [cosmos] names no key

# Azure tiers: the drill's notifications held (an alert processing rule) and its phases annotated on the charts
HOLD_ROLES = (ROLES["alertsmanagement"], "Application Insights Component Contributor")
HOLD_SENDS = ("on Azure tiers, an alert processing rule holding notifications for the drill's window (deleted after, "
              "expires by itself) and Application Insights annotations; [alerts] hold_notifications = false: no rule")

# The fixtures drills ask for (pytest's closure of them); a fixture that only reads settings is in SETTINGS_ONLY.
FIXTURES: dict[str, Footprint] = {
    "drill_env": Footprint(secrets=("auth",)),
    "http": HTTP, "admin_http": HTTP, "quiet_http": HTTP, "slot_http": HTTP, "openapi_document": HTTP,
    "https_target": Footprint(("HTTP",)),  # the TLS handshake of the target's own host
    "redis_target": Footprint(("Redis",), secrets=("redis",)),
    "cache_reads": Footprint(("HTTP",), sends="on the sandbox: a few shards under a throwaway tenant, deleted after"),
    "cosmos": Footprint(("Cosmos",), secrets=("cosmos",), roles=(COSMOS_DATA_ROLE,)),
    "ru_source": Footprint(("HTTP",), cloud=("Azure Monitor",), secrets=("azure",), roles=("Monitoring Reader",)),
    "servicebus_admin": Footprint(("Service Bus",), secrets=("servicebus",), roles=("Azure Service Bus Data Owner",)),
    "slots": Footprint(cloud=("Azure control plane",), secrets=("azure",), roles=(ROLES["web"],)),
    "drill_writes": Footprint(("HTTP", "record store"), secrets=("record",),
                              sends="writes under a drillbook-drill-<run id> tenant, each ledgered in the record "
                                    "store before it is sent and deleted after the run"),
    "contract_writes": Footprint(("HTTP", "record store"), secrets=("record",),
                                 sends="fuzzed POST/PUT/PATCH/DELETE under the drill tenant, ledgered in the record "
                                       "store and deleted after the run"),
    "load_settings": Footprint(("HTTP",), secrets=("azure_load_testing",),
                               sends="locust users on the critical flows, bounded by the stages; stops at the end"),
    "record_store": Footprint(("record store",), secrets=("record",)),  # [record]: local files, or Azure Blob
    "chaos_drill": Footprint(("HTTP",), cloud=("Azure control plane",), secrets=("azure",),  # and the fault's roles
                             roles=HOLD_ROLES, sends=HOLD_SENDS),
    "monitored": Footprint(cloud=("Azure control plane",), secrets=("azure",), roles=HOLD_ROLES, sends=HOLD_SENDS),
    "load_alerts": Footprint(cloud=("Azure control plane",), secrets=("azure",), roles=("Monitoring Reader",)),
    "dr_drill": Footprint(("Cosmos",), cloud=("Azure control plane",), secrets=("cosmos", "azure"),
                          roles=(COSMOS_DATA_ROLE, ROLES["cosmosdb"]),
                          sends="a restore into a scratch container (local) or a new account (Azure), deleted after; "
                                "the live container is only read"),
}
SETTINGS_ONLY = frozenset({
    "request", "pytestconfig", "record_property", "show_progress", "thresholds", "budgets", "expected_version",
    "watch_settings", "release", "redis_settings", "cosmos_settings", "servicebus_settings", "security_settings",
    "drill_holder",  # who the drill is, for the lease on its undo in the record store
    "slot_settings", "contract_settings", "contract_reads", "contract_verdict", "drill_tenant", "work_queues",
    "exclusive_cache", "admin_route", "leak_probe", "rollback_record", "sandbox_info",
    "_environment_lease",  # autouse; only a destructive drill takes it: the environment's lease in the record store
})

# What a test's own body does besides its fixtures, by test name (the parametrized ones share it).
DRILLS: dict[str, Footprint] = {
    "test_monitoring_alert_rules_match_the_runbook": Footprint(cloud=("Azure control plane",), secrets=("azure",),
                                                               roles=("Monitoring Reader",)),
    "test_cache_clear_removes_only_the_pattern": Footprint(
        sends="POST /api/admin/cache/clear of its own seeded keys' pattern; only those keys go, nothing to restore"),
    "test_worker_drains_the_queue": Footprint(("Redis",), sends="a few embedding jobs, drained by the worker"),
    "test_embedding_failure_rate_below_limit": Footprint(sends="embedding jobs through the API, drained by the worker"),
    "test_shard_round_trip": Footprint(sends="POST one shard, read it back, DELETE it"),
    "test_swap_and_swap_back_each_flip_the_version_within_the_objective": Footprint(
        sends="swap the slot into production, then swap it back; if production serves another version at the end, "
              "swap once more"),
    "test_a_configuration_change_and_its_revert_each_restart_healthy": Footprint(
        sends="change one app setting and restart; the undo (written first) restores the setting and restarts"),
}

# The chaos drill each chaos test runs (``chaos_drill("redis-outage")``) and, per tier, the fault it injects.
CHAOS_TESTS: dict[str, str] = {
    "test_redis_outage_reads_fall_back_to_cosmos": "redis-outage",
    "test_redis_hang_is_reported_by_readiness": "redis-hang",
    "test_cosmos_outage_reads_served_from_cache": "cosmos-outage",
    "test_cosmos_latency_is_noticed_by_the_p95_rules": "cosmos-latency",
    "test_worker_stall_backlog_is_seen_and_drained": "worker-stall",
    "test_service_down_restart_is_healthy_within_the_rto": "service-down",
    "test_app_stopped_is_down_until_started_and_healthy_within_the_rto": "app-stopped",
    "test_chaos_studio_experiment_is_cancelled_and_healthy_within_the_rto": "chaos-studio",
}
CHAOS_FAULTS: dict[str, tuple[str | None, str | None]] = {  # drill -> (sandbox fault, Azure fault); None: none there
    "service-down": ("api-restart", "app-service-restart"),
    "redis-outage": ("dependency", "redis-reboot"),
    "app-stopped": (None, "app-service-stop"),
    "chaos-studio": (None, "chaos-experiment"),
    "redis-hang": ("process-signal", None),
    "cosmos-outage": ("process-signal", None),
    "cosmos-latency": ("route", None),
    "worker-stall": ("worker-stall", None),
}

DR_FAULTS = ("scratch-restore", "cosmos-restore")  # the DR drill's restore: (sandbox, Azure)


@dataclass(frozen=True)
class FaultFacts:
    does: str
    undo: str
    role: str | None = None  # Azure faults: the role on the resource group


FAULTS: dict[str, FaultFacts] = {  # every kind of the faults registry
    "route": FaultFacts("latency, errors or a hang on one sandbox route", "removed by id; ends by itself at its TTL"),
    "dependency": FaultFacts("stops a sandbox dependency (Redis or Cosmos)", "started again; the TTL restarts it"),
    "worker-stall": FaultFacts("stalls the sandbox's queue worker", "resumed; the TTL resumes it"),
    "api-restart": FaultFacts("restarts the sandbox API (down for restart_down_s)", "comes back by itself; the revert "
                                                                                   "waits for /health"),
    "scratch-restore": FaultFacts("restores into a sandbox scratch container", "the scratch container is deleted"),
    "process-signal": FaultFacts("SIGSTOP or SIGKILL to a sandbox dependency's process",
                                 "SIGCONT to a stopped process; a killed one is started again"),
    "app-service-restart": FaultFacts("restarts the App Service", "nothing to undo: the revert waits for /health 200",
                                      ROLES["web"]),
    "app-service-stop": FaultFacts("stops the App Service", "started again, then /health 200 awaited", ROLES["web"]),
    "redis-reboot": FaultFacts("reboots Azure Cache for Redis", "nothing to undo: the revert waits until it runs",
                               ROLES["redis"]),
    "chaos-experiment": FaultFacts("starts the Chaos Studio experiment [azure] chaos_experiment", "cancelled",
                                   ROLES["chaos"]),
    "alert-hold": FaultFacts("an alert processing rule removing action groups for the drill's window",
                             "deleted; its schedule ends by itself", ROLES["alertsmanagement"]),
    "cosmos-restore": FaultFacts("point-in-time restore of Cosmos DB into a new account", "the new account is deleted",
                                 ROLES["cosmosdb"]),
}


def test_name(item) -> str:
    """The test function's name, without a parametrization's id."""
    return getattr(item, "originalname", None) or item.name


def fault_kinds(test_name: str, fixturenames: list[str] | tuple[str, ...]) -> tuple[str | None, str | None]:
    """The faults a drill may inject: (on the sandbox, on Azure); (None, None) for a drill that injects none."""
    if test_name in CHAOS_TESTS:
        return CHAOS_FAULTS[CHAOS_TESTS[test_name]]
    return DR_FAULTS if "dr_drill" in fixturenames else (None, None)


def footprint_of(test_name: str, fixturenames: list[str] | tuple[str, ...]) -> Footprint:
    """The union of a drill's fixtures' footprints and its own body's."""
    parts = [FIXTURES[name] for name in fixturenames if name in FIXTURES]
    parts.append(DRILLS.get(test_name, Footprint()))
    return Footprint(_union(p.touches for p in parts), _union(p.cloud for p in parts),
                     _union(p.secrets for p in parts), _union(p.roles for p in parts),
                     "; ".join(p.sends for p in parts if p.sends))


def _union(groups) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for group in groups:
        seen.update(dict.fromkeys(group))
    return tuple(seen)
