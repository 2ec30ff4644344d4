"""Azure Cache for Redis reboot through azure-mgmt-redis: ``redis.force_reboot`` of all nodes.

Nothing to undo (the cache comes back by itself); the revert waits, bounded, until
the cache's provisioning state reads Succeeded again.
"""

from __future__ import annotations

from typing import Any

from drillbook.errors import FaultError
from drillbook.faults.arm import ArmFault, AzureResource, client_for, wait_until

READY = "succeeded"


class RedisRebootFault(ArmFault):
    """``RedisRebootFault(AzureResource(sub, "rg-castiel-staging", "redis-castiel-staging"))``."""

    kind = "redis-reboot"
    client_kind = "redis"

    def describe(self) -> str:
        return f"Azure Cache for Redis {self.resource.name} reboot (all nodes)"

    def inject(self) -> None:
        from azure.mgmt.redis.models import RedisRebootParameters

        with self.step(f"rebooting Azure Cache for Redis {self.resource.name}"):
            self.client().redis.force_reboot(self.resource.resource_group, self.resource.name,
                                             RedisRebootParameters(reboot_type="AllNodes"))

    @staticmethod
    def revert(undo: dict, **client_options: Any) -> str:
        from drillbook.clients.arm import arm_errors

        resource = AzureResource.from_undo(undo)
        client = client_for("redis", resource, client_options)

        def provisioned() -> tuple[bool, str]:
            with arm_errors(f"reading Azure Cache for Redis {resource.name}", FaultError):
                state = client.redis.get(resource.resource_group, resource.name).provisioning_state
            state = str(getattr(state, "value", state))  # an enum member, or a state this SDK does not know
            return state.lower() == READY, f"provisioning state {state}"

        held, seen, took = wait_until(provisioned, undo["wait_s"], undo["poll_s"])
        if not held:
            raise FaultError(f"Azure Cache for Redis {resource.name} not back {took:.0f} s after the reboot: {seen} "
                             f"-> check it in the portal (az redis show -n {resource.name} -g "
                             f"{resource.resource_group} --query provisioningState)")
        return f"nothing to undo: {resource.name} {seen} {took:.1f} s after the reboot"
