"""A point-in-time restore of a Cosmos DB account into a new account (azure-mgmt-cosmosdb); the revert deletes it.

Not a fault on the service, but a change with the same promise: the undo (delete
the restored account) is on disk before the restore is asked for, and it runs
after a pass, a failure, an interrupt, or in the next run after a kill.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from drillbook.errors import FaultError
from drillbook.faults.arm import ArmFault, AzureResource, arm_step, client_for


class CosmosRestoreFault(ArmFault):
    """``CosmosRestoreFault(AzureResource(sub, rg, "cosmos-castiel-staging-dr-1a2b3c"), source=..., ...)``."""

    kind = "cosmos-restore"
    client_kind = "cosmosdb"

    def __init__(self, resource: AzureResource, *, source: str, location: str, restore_to: datetime,
                 **options: Any) -> None:
        super().__init__(resource, **options)
        self.source, self.location, self.restore_to = source, location, restore_to
        self.restore_source = ""  # the restorable account's id, found at injection

    def describe(self) -> str:
        return f"point-in-time restore of {self.source} into new account {self.resource.name}"

    def inject(self) -> None:
        client = self.client()
        with self.step(f"finding the restorable instance of {self.source} in {self.location}"):
            self.restore_source = restorable_id(client, self.source, self.location)
        with self.step(f"restoring {self.source} to {self.restore_to.isoformat()} into {self.resource.name}"):
            client.database_accounts.begin_create_or_update(self.resource.resource_group, self.resource.name,
                                                            self._parameters(), polling=False)

    def _parameters(self):
        from azure.mgmt.cosmosdb import models

        restore = models.RestoreParameters(restore_mode="PointInTime", restore_source=self.restore_source,
                                           restore_timestamp_in_utc=self.restore_to)
        properties = models.DatabaseAccountCreateUpdateProperties(
            database_account_offer_type="Standard", create_mode="Restore", restore_parameters=restore,
            locations=[models.Location(location_name=self.location, failover_priority=0)])
        return models.DatabaseAccountCreateUpdateParameters(location=self.location, kind="GlobalDocumentDB",
                                                            properties=properties)

    @staticmethod
    def revert(undo: dict, **client_options: Any) -> str:
        from azure.core.exceptions import ResourceNotFoundError

        resource = AzureResource.from_undo(undo)
        client = client_for("cosmosdb", resource, client_options)
        with arm_step("cosmosdb", resource, f"deleting the restored account {resource.name}"):
            try:
                client.database_accounts.begin_delete(resource.resource_group, resource.name, polling=False)
            except ResourceNotFoundError:
                return f"restored account {resource.name} was never created"
        return f"restored account {resource.name} deleted (delete accepted by Azure)"


def restorable_id(client, account: str, location: str) -> str:
    """The id of the live account's restorable instance (``restorableDatabaseAccounts/<instance id>``)."""
    found = [entry for entry in client.restorable_database_accounts.list_by_location(location)
             if entry.properties and entry.properties.account_name == account and not entry.properties.deletion_time]
    if not found:
        raise FaultError(f"{account} has no restorable instance in {location} -> point-in-time restore needs "
                         "continuous backup on the account, and [azure] location must be its region")
    return max(found, key=lambda entry: str(entry.properties.creation_time or "")).id  # the newest instance
