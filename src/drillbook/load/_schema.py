"""The environment file's ``[load]`` section; registered by ``drillbook.schema`` with the other sections."""

from __future__ import annotations

from drillbook import schema
from drillbook.load._settings import DEFAULT_LOCUSTFILE, to_port, to_stages, to_workers

LOAD_FIELDS = {
    "users": schema.Field(schema.to_positive, 10.0, "10"),
    "duration_s": schema.Field(schema.to_positive, 60.0, "60"),
    "spawn_rate": schema.Field(schema.to_positive, None, "5"),  # users started per second; default: all at once
    "stages": schema.Field(to_stages, (), "[{ duration_s = 60, users = 10, spawn_rate = 2 }]"),
    "workers": schema.Field(to_workers, 0, "2"),
    # more machines: workers started by hand elsewhere join the drill's master (see README, "Load drills")
    "remote_workers": schema.Field(to_workers, 0, "4"),
    "master_bind_host": schema.Field(schema.to_str, "127.0.0.1", '"0.0.0.0"'),
    "master_port": schema.Field(to_port, 0, "5557"),
    "interval_s": schema.Field(schema.to_positive, 5.0, "5"),
    "window_s": schema.Field(schema.to_positive, None, "60"),
    "min_requests": schema.Field(schema.to_positive, 20.0, "20"),
    "locustfile": schema.Field(schema.to_str, DEFAULT_LOCUSTFILE, f'"{DEFAULT_LOCUSTFILE}"'),
}
