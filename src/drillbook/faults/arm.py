"""What every Azure fault shares: the resource it acts on and its management client.

The undo names the subscription, resource group and resource, never a credential:
a replay signs in with DefaultAzureCredential like every other drillbook run.
``client_options`` (a credential, a transport) reach inject and revert alike, so
a test points the real SDK clients at recorded answers on loopback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drillbook.clients.azure import arm_call, azure_errors, management_client
from drillbook.errors import FaultError

DEFAULT_WAIT_S = 300.0
DEFAULT_POLL_S = 5.0
# the built-in role that lets the drill's identity take each kind of fault's steps, granted on the resource group
ROLES = {"web": "Website Contributor", "redis": "Redis Cache Contributor",
         "chaos": "Chaos Studio Experiment Contributor",
         "cosmosdb": "DocumentDB Account Contributor and CosmosRestoreOperator",
         "alertsmanagement": "Monitoring Contributor"}


@dataclass(frozen=True)
class AzureResource:
    """``AzureResource(subscription, "rg-castiel-staging", "app-castiel-api-staging")``."""

    subscription: str
    resource_group: str
    name: str

    def undo(self, **extra: Any) -> dict:
        return {"subscription": self.subscription, "resource_group": self.resource_group, "name": self.name, **extra}

    @classmethod
    def from_undo(cls, undo: dict) -> AzureResource:
        return cls(undo["subscription"], undo["resource_group"], undo["name"])


class ArmFault:
    """Base of the Azure faults: ``kind``, ``client_kind`` and the three steps come from the subclass."""

    kind = ""
    client_kind = ""

    def __init__(self, resource: AzureResource, *, wait_s: float = DEFAULT_WAIT_S, poll_s: float = DEFAULT_POLL_S,
                 **client_options: Any) -> None:
        self.resource, self.wait_s, self.poll_s = resource, wait_s, poll_s
        self.client_options = client_options

    def plan(self) -> dict:
        return self.resource.undo(wait_s=self.wait_s, poll_s=self.poll_s)

    def client(self) -> Any:
        return client_for(self.client_kind, self.resource, self.client_options)

    def step(self, doing: str):
        """Azure errors of one step, as a one-line FaultError."""
        return arm_step(self.client_kind, self.resource, doing)


def arm_step(kind: str, resource: AzureResource, doing: str, error: type[Exception] = FaultError):
    """Azure errors of one step on ``resource`` as ``error``: one line that names the role to grant."""
    return azure_errors(arm_call(doing, f"{ROLES[kind]} on {resource.resource_group}"), error)


def client_for(kind: str, resource: AzureResource, options: dict) -> Any:
    return management_client(kind, resource.subscription, **dict(options))

