"""A Chaos Studio experiment through azure-mgmt-chaos: ``experiments.begin_start``; the undo is ``begin_cancel``.

The experiment is the one named in ``[azure] chaos_experiment``; drillbook starts
it and cancels it, and never edits its steps. Start is accepted with 202 (the
experiment then runs on its own); the cancel is followed to its end, bounded.
"""

from __future__ import annotations

from typing import Any

from drillbook.errors import FaultError
from drillbook.faults.arm import ArmFault, AzureResource, arm_step, client_for


class ChaosExperimentFault(ArmFault):
    """``ChaosExperimentFault(AzureResource(sub, "rg-castiel-staging", "exp-castiel-staging-redis"))``."""

    kind = "chaos-experiment"
    client_kind = "chaos"

    def describe(self) -> str:
        return f"Chaos Studio experiment {self.resource.name}"

    def inject(self) -> None:
        with self.step(f"starting Chaos Studio experiment {self.resource.name}"):
            self.client().experiments.begin_start(self.resource.resource_group, self.resource.name, polling=False)

    @staticmethod
    def revert(undo: dict, **client_options: Any) -> str:
        from azure.core.exceptions import ResourceExistsError

        resource = AzureResource.from_undo(undo)
        client = client_for("chaos", resource, client_options)
        with arm_step("chaos", resource, f"cancelling Chaos Studio experiment {resource.name}"):
            try:
                poller = client.experiments.begin_cancel(resource.resource_group, resource.name,
                                                         polling_interval=undo["poll_s"])
            except ResourceExistsError:  # 409: no execution is running, it ended on its own
                return f"Chaos Studio experiment {resource.name} had already ended: nothing to cancel"
            poller.wait(undo["wait_s"])
        if not poller.done():
            raise FaultError(f"Chaos Studio experiment {resource.name}: the cancel did not finish within "
                             f"{undo['wait_s']:g} s -> cancel it in the portal (Chaos Studio, Experiments) "
                             "and check its target resources")
        return f"Chaos Studio experiment {resource.name} cancelled"
