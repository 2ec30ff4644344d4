"""``[health]``, ``[budgets]`` and ``[smoke]``: what the health and smoke drills expect of the target."""

from __future__ import annotations

from drillbook.config.model import Positive, Section, Text, TextList, setting


class HealthSection(Section):
    """What /health/ready must report."""

    dependencies: TextList = setting(("cosmos", "redis", "embedding_queue"), '["cosmos", "redis", "embedding_queue"]',
                                     "the keys /health/ready must report: a dependency missing from it fails, named")


class BudgetsSection(Section):
    """Latency budgets of single requests in the health drills."""

    health_latency_ms: Positive = setting(800.0, "500", "the slowest /health answer that passes")


class SmokeSection(Section):
    """The critical flows, and the tenant every drill's data lives under."""

    drill_tenant: Text = setting("drillbook-drill", '"drillbook-drill"',
                                 "a tenant with a few long-lived shards the read-only flow lists and reads; "
                                 'drill writes go to "<drill_tenant>-<run id>" tenants and are removed afterwards')
