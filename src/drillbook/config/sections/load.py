"""``[load]`` and ``[azure_load_testing]``: the load drill's shape, its judging, and its Azure engine."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from drillbook.config.model import (Count, KeyVaultReference, Positive, Section, Text, TextList, choice, setting,
                                    whole_between)
from drillbook.config.secrets import SecretRef

DEFAULT_LOCUSTFILE = "load/castiel.py"
ENGINES = ("locust", "azure")
MAX_WORKERS = 64
MAX_ENGINES = 45  # Azure Load Testing's limit per test
# The names load/castiel.py gives its requests: the per-request p95 criteria are set on these.
CASTIEL_REQUESTS = ("/api/shards/{id}", "/api/shards", "/api/admin/cache/stats")
ENDPOINT_EXAMPLE = '"https://<id>.<region>.cnt-prod.loadtesting.azure.com"'
_TEST_ID = re.compile(r"^[a-z0-9_-]{2,50}$")


@dataclass(frozen=True)
class Stage:
    """One step of the shape: hold ``users`` (reached at ``spawn_rate`` per second) for ``duration_s``."""

    duration_s: float
    users: int
    spawn_rate: float

    def as_dict(self) -> dict[str, float]:
        return {"duration_s": self.duration_s, "users": self.users, "spawn_rate": self.spawn_rate}


def to_stages(value: Any) -> tuple[Stage, ...]:
    """``[{ duration_s = 30, users = 10, spawn_rate = 2 }, ...]``; spawn_rate defaults to the users per second."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError("expected a list of tables")
    return tuple(_stage(i, spec) for i, spec in enumerate(value, 1))


def _stage(number: int, spec: dict) -> Stage:
    unknown = sorted(set(spec) - {"duration_s", "users", "spawn_rate"})
    if unknown:
        raise ValueError(f"stage {number}: unknown key '{unknown[0]}' (known: duration_s, spawn_rate, users)")
    try:
        stage = Stage(float(spec["duration_s"]), int(spec["users"]), float(spec.get("spawn_rate", spec["users"])))
    except (KeyError, TypeError, ValueError):
        raise ValueError(f"stage {number} needs a number of seconds duration_s and a number of users") from None
    if stage.duration_s <= 0 or stage.users < 0 or stage.spawn_rate <= 0:
        raise ValueError(f"stage {number}: duration_s and spawn_rate must be > 0 and users >= 0")
    return stage


_STAGE_SCHEMA = {"type": "object", "additionalProperties": False, "required": ["duration_s", "users"], "properties": {
    "duration_s": {"type": "number", "exclusiveMinimum": 0, "description": "how long the stage holds its users"},
    "users": {"type": "integer", "minimum": 0, "description": "simulated users in the stage"},
    "spawn_rate": {"type": "number", "exclusiveMinimum": 0, "description": "users started per second; "
                                                                             "default: all at once"}}}
Stages = Annotated[tuple[Stage, ...], WithJsonSchema({"type": "array", "items": _STAGE_SCHEMA}),
                   BeforeValidator(to_stages)]


def to_endpoint(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https://[^/\s]+/?$", value):
        raise ValueError("expected the resource's data-plane URI: https:// and a host, no path")
    return value.rstrip("/")


def to_test_id(value: Any) -> str:
    if not isinstance(value, str) or not _TEST_ID.match(value):
        raise ValueError("expected 2 to 50 lower-case letters, digits, '-' or '_'")
    return value


Endpoint = Annotated[str, WithJsonSchema({"type": "string", "pattern": r"^https://[^/\s]+/?$"}),
                     BeforeValidator(to_endpoint)]
TestId = Annotated[str, WithJsonSchema({"type": "string", "pattern": _TEST_ID.pattern}), BeforeValidator(to_test_id)]


class LoadSection(Section):
    """The load drill: users, duration, stages (shapes as data), workers, and the windows it is judged on."""

    users: Count = setting(10, "10", "simulated users of the one steady stage (unless stages are given)")
    duration_s: Positive = setting(60.0, "60", "how long the steady stage runs")
    spawn_rate: Positive | None = setting(None, "5", "users started per second; default: all at once")
    stages: Stages = setting((), "[{ duration_s = 60, users = 10, spawn_rate = 2 }]",
                             "the shape as stages, run one after another (instead of users and duration_s)")
    workers: whole_between(0, MAX_WORKERS) = setting(0, "2", "local locust worker processes; 0: one process")
    remote_workers: whole_between(0, MAX_WORKERS) = setting(
        0, "4", "workers started by hand on other machines that join the drill's master "
                '(docs/load.md "Remote workers")')
    master_bind_host: Text = setting("127.0.0.1", '"0.0.0.0"', "the address the locust master listens on")
    master_port: whole_between(0, 65535) = setting(0, "5557", "the locust master's port; 0: a free one")
    interval_s: Positive = setting(5.0, "5", "how often the load is judged and reported")
    window_s: Positive | None = setting(None, "60", "one window for every rule; default: the runbook's, "
                                                    "compressed to fit the run")
    min_requests: Count = setting(20, "20", "a window with fewer requests is no data")
    locustfile: Text = setting(DEFAULT_LOCUSTFILE, f'"{DEFAULT_LOCUSTFILE}"',
                               "the locustfile, relative to the repository")
    engine: choice(*ENGINES) = setting("locust", '"azure"', "who runs the locustfile: locust here, or azure "
                                                           "(Azure Load Testing, [azure_load_testing])")


class AzureLoadTestingSection(Section):
    """The Azure Load Testing resource and test that run the locustfile when ``[load] engine = "azure"``."""

    endpoint: Endpoint | None = setting(None, ENDPOINT_EXAMPLE, "the resource's data-plane URI")
    test_id: TestId = setting("drillbook-castiel-load", '"drillbook-castiel-load"', "the test drillbook creates "
                                                                                     "or updates")
    engine_instances: whole_between(1, MAX_ENGINES) = setting(1, "4", "engine instances that run the load")
    resource_id: Text | None = setting(
        None, '"/subscriptions/.../providers/Microsoft.LoadTestService/loadtests/alt-castiel"',
        "the resource's id, for links in the record")
    admin_token: KeyVaultReference | None = setting(
        None, '{ keyvault = "https://kv-castiel-staging.vault.azure.net", secret = "castiel-admin-token" }',
        "read by the engines from Key Vault as CASTIEL_ADMIN_TOKEN; never a value, never an env reference")
    request_names: TextList = setting(CASTIEL_REQUESTS, '["/api/shards/{id}", "/api/shards"]',
                                      "the request names the per-request p95 criteria are set on")
    poll_interval_s: Positive = setting(5.0, "5", "how often the run's status is read")
    max_wait_s: Positive = setting(900.0, "900", "beyond the shape, for provisioning and results")
    call_timeout_s: Positive = setting(30.0, "30", "every call to the service")

    @property
    def host(self) -> str:
        """The endpoint as the SDK takes it: no scheme (it prepends ``https://`` itself)."""
        return (self.endpoint or "").split("://", 1)[-1]

    @property
    def admin_token_uri(self) -> str | None:
        """The Key Vault secret URI the engines read as CASTIEL_ADMIN_TOKEN."""
        return _secret_uri(self.admin_token) if self.admin_token else None


def _secret_uri(ref: SecretRef) -> str:
    return f"{ref.keyvault.rstrip('/')}/secrets/{ref.secret}"
