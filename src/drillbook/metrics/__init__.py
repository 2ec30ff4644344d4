"""Metrics sources, one module per source, chosen by the environment's ``[metrics] source``.

>>> source = create_source(env, http)       # imports only the chosen module
>>> reading = source.read(start, end)       # one collection interval
>>> sample = reading.sample_for(threshold("api_error_rate"))

The registry holds dotted paths, so a local run never imports the Azure SDK.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from drillbook.errors import ConfigError
from drillbook.metrics.reading import EndpointReading, Reading

if TYPE_CHECKING:
    from drillbook.config.environments import Environment
    from drillbook.metrics.reading import MetricsSource

SOURCES = {
    "scrape": "drillbook.metrics.scrape:ScrapeSource",
    "probe": "drillbook.metrics.probe:ProbeSource",
    "azure-monitor": "drillbook.metrics.azure_monitor:AzureMonitorSource",
}


def create_source(env: Environment, http: Any = None, **options: Any) -> MetricsSource:
    """Import and build the source the environment names."""
    name = env.config.metrics.source
    if name not in SOURCES:
        raise ConfigError(f"{env.path.name}: [metrics] source = {name!r} -> choose one of: {', '.join(SOURCES)}")
    module_name, _, class_name = SOURCES[name].partition(":")
    source_class = getattr(importlib.import_module(module_name), class_name)
    return source_class.from_environment(env, http=http, **options)


__all__ = ["SOURCES", "EndpointReading", "Reading", "create_source"]
