"""The environment file's ``[load]`` and ``[azure_load_testing]`` sections; registered by ``drillbook.config.schema``."""

from __future__ import annotations

from drillbook.config import schema
from drillbook.load._azure_settings import (
    CASTIEL_REQUESTS,
    ENDPOINT_EXAMPLE,
    to_endpoint,
    to_engine_instances,
    to_keyvault_ref,
    to_test_id,
)
from drillbook.load._settings import DEFAULT_LOCUSTFILE, ENGINES, to_port, to_stages, to_workers

LOAD_FIELDS = {
    "users": schema.Field(schema.to_positive, 10.0, "10"),
    "duration_s": schema.Field(schema.to_positive, 60.0, "60"),
    "spawn_rate": schema.Field(schema.to_positive, None, "5"),  # users started per second; default: all at once
    "stages": schema.Field(to_stages, (), "[{ duration_s = 60, users = 10, spawn_rate = 2 }]"),
    "workers": schema.Field(to_workers, 0, "2"),
    # more machines: workers started by hand elsewhere join the drill's master (see docs/load.md "Remote workers")
    "remote_workers": schema.Field(to_workers, 0, "4"),
    "master_bind_host": schema.Field(schema.to_str, "127.0.0.1", '"0.0.0.0"'),
    "master_port": schema.Field(to_port, 0, "5557"),
    "interval_s": schema.Field(schema.to_positive, 5.0, "5"),
    "window_s": schema.Field(schema.to_positive, None, "60"),
    "min_requests": schema.Field(schema.to_positive, 20.0, "20"),
    "locustfile": schema.Field(schema.to_str, DEFAULT_LOCUSTFILE, f'"{DEFAULT_LOCUSTFILE}"'),
    "engine": schema.Field(schema.one_of(*ENGINES), "locust", '"azure"'),  # azure: [azure_load_testing] runs it
}

AZURE_LOAD_TESTING_FIELDS = {
    "endpoint": schema.Field(to_endpoint, None, ENDPOINT_EXAMPLE),
    "test_id": schema.Field(to_test_id, "drillbook-castiel-load", '"drillbook-castiel-load"'),
    "engine_instances": schema.Field(to_engine_instances, 1, "4"),
    "resource_id": schema.Field(schema.to_str, None,
                                '"/subscriptions/.../providers/Microsoft.LoadTestService/loadtests/alt-castiel"'),
    # read by the engines from Key Vault as CASTIEL_ADMIN_TOKEN; never a value, never an env reference
    "admin_token": schema.Field(to_keyvault_ref, None,
                                '{ keyvault = "https://kv-castiel-staging.vault.azure.net", secret = "castiel-admin-token" }'),
    "request_names": schema.Field(schema.to_str_list, list(CASTIEL_REQUESTS), '["/api/shards/{id}", "/api/shards"]'),
    "poll_interval_s": schema.Field(schema.to_positive, 5.0, "5"),
    "max_wait_s": schema.Field(schema.to_positive, 900.0, "900"),  # beyond the shape, for provisioning and results
    "call_timeout_s": schema.Field(schema.to_positive, 30.0, "30"),  # every call to the service
}
