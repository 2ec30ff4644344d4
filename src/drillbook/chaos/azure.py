"""The chaos drills' faults on an Azure tier: the ``[azure]`` resources, and the registry's Azure fault for each.

>>> azure_resource(env, "redis_name")   # AzureResource(subscription, "rg-castiel-staging", "redis-castiel-staging")
"""

from __future__ import annotations

from typing import Callable

from drillbook.chaos.context import DrillContext
from drillbook.config.environments import Environment
from drillbook.errors import ConfigError
from drillbook.faults import Fault, create_fault
from drillbook.faults.arm import AzureResource

POLL_S = 5.0  # how often a revert reads the resource while it waits


def azure_resource(env: Environment, key: str) -> AzureResource:
    """The resource ``[azure] <key>`` names, in ``[azure] resource_group``; a ConfigError names what is missing."""
    from drillbook.config.secrets import SecretRef, resolve_secret

    azure = env.config.azure
    missing = [k for k in dict.fromkeys(("subscription_id", "resource_group", key)) if not getattr(azure, k)]
    if missing:
        raise ConfigError(f"{env.path.name}: [azure] needs {', '.join(missing)} for this Azure drill -> add "
                          f"{' and '.join(missing)} (the names of the subscription's resources)")
    subscription = azure.subscription_id
    if isinstance(subscription, SecretRef):
        subscription = resolve_secret(subscription, where=f"{env.path.name}: [azure] subscription_id")
    return AzureResource(subscription, azure.resource_group, getattr(azure, key))


def azure_fault(kind: str, key: str) -> Callable[[DrillContext], Fault]:
    """A drill's fault builder: the registry's ``kind`` on ``[azure] <key>``, waiting at most the drill's RTO."""
    def build(ctx: DrillContext) -> Fault:
        extra = _health_check(ctx) if kind.startswith("app-service") else {}
        return create_fault(kind, resource=azure_resource(ctx.env, key), wait_s=ctx.settings.rto_s,
                            poll_s=min(POLL_S, ctx.settings.rto_s / 10), **extra, **ctx.arm_options)
    return build


def _health_check(ctx: DrillContext) -> dict:
    """Where the revert reads health, trusting what the drill's own client trusts (``[http] ca_bundle``/``verify_tls``)."""
    return {"health_url": ctx.url("/health"), "tls_verify": ctx.env.config.http.verify}
