"""Azure Cache for Redis reboot through azure-mgmt-redis: ``redis.force_reboot`` of all nodes.

Nothing to undo (the cache comes back by itself); the revert waits, bounded, until
the cache's provisioning state reads Succeeded again.
"""

from __future__ import annotations

from typing import Any

from drillbook.errors import FaultError
from drillbook.faults.arm import ArmFault, AzureResource, arm_step, client_for
from drillbook.runtime.waiting import wait_until

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
        resource = AzureResource.from_undo(undo)
        client = client_for("redis", resource, client_options)

        def provisioning_state() -> str:
            with arm_step("redis", resource, f"reading Azure Cache for Redis {resource.name}"):
                state = client.redis.get(resource.resource_group, resource.name).provisioning_state
            return str(getattr(state, "value", state))  # an enum member, or a state this SDK does not know

        back = wait_until(provisioning_state, lambda state: state.lower() == READY, timeout_s=undo["wait_s"],
                          poll_s=undo["poll_s"])
        seen = f"provisioning state {back.last}"
        if not back.held:
            raise FaultError(f"Azure Cache for Redis {resource.name} not back {back.took_s:.0f} s after the reboot: "
                             f"{seen} -> check it in the portal (az redis show -n {resource.name} -g "
                             f"{resource.resource_group} --query provisioningState)")
        return f"nothing to undo: {resource.name} {seen} {back.took_s:.1f} s after the reboot"
