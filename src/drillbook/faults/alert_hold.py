"""Notifications held during a drill: an Azure Monitor alert processing rule that removes every action group from
the alerts on the drill's resources, for the drill's window only.

>>> hold = AlertHold(AzureResource(sub, "rg-castiel-staging", "drillbook-hold-chaos-redis-outage-1a2b3c4d"),
...                  scopes=(app_service_id, redis_id), until=datetime(2026, 12, 7, 14, 0, tzinfo=UTC), drill="...")
>>> with applied(hold, journal):      # the undo (delete the rule) is on disk before the rule exists
...     run_the_drill()

Alerts still fire and are recorded: the rule only drops the notifications an alert would send. Its schedule ends
on its own at ``until`` (the drill's planned length, its revert and a margin), so a rule that neither this run nor
a replay could delete stops holding anything then.

The pinned azure-mgmt-alertsmanagement 1.0 reaches the rules' resource type (Microsoft.AlertsManagement/actionRules)
as ``action_rules``, with its 2019 preview schema; alert processing rules are the same resource at api-version
2021-08-08, so the body is written in that version's schema and sent through the SDK's raw-body overload.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from drillbook.faults.arm import ArmFault, AzureResource, arm_step, client_for

API_VERSION = "2021-08-08"
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"  # the schedule's format, read in its timeZone


class AlertHold(ArmFault):
    """An alert processing rule (RemoveAllActionGroups) on ``scopes``, effective from now until ``until`` (UTC)."""

    kind = "alert-hold"
    client_kind = "alertsmanagement"

    def __init__(self, resource: AzureResource, *, scopes: tuple[str, ...], until: datetime, drill: str,
                 **options: Any) -> None:
        super().__init__(resource, **options)
        self.scopes, self.until, self.drill = tuple(scopes), until, drill
        self._undo: dict = {}

    def describe(self) -> str:
        return (f"alert processing rule {self.resource.name} holding notifications on {len(self.scopes)} resources "
                f"until {self.until:%H:%M} UTC")

    def plan(self) -> dict:
        self._undo = self.resource.undo(until=self.until.strftime(TIME_FORMAT))
        return self._undo

    def inject(self) -> None:
        from azure.core.exceptions import HttpResponseError

        rules = self.client().action_rules
        with self.step(f"creating alert processing rule {self.resource.name}"):
            try:
                rules.create_update(self.resource.resource_group, self.resource.name,
                                    json.dumps(self.body()).encode(), api_version=API_VERSION)
            except HttpResponseError as exc:
                if exc.status_code is not None and exc.status_code < 500:
                    # Azure said no: no rule exists, so the revert has nothing to delete (and, lacking the same
                    # role, could not). Only in memory: the journal's copy was written before the request.
                    self._undo["refused"] = True
                raise

    def body(self) -> dict:
        """The rule, in api-version 2021-08-08's schema: nothing in it but names, times and the drill's id."""
        now = datetime.now(self.until.tzinfo)
        return {"location": "Global", "tags": {"drillbook": self.drill},
                "properties": {"scopes": list(self.scopes), "enabled": True,
                               "actions": [{"actionType": "RemoveAllActionGroups"}],
                               "schedule": {"effectiveFrom": now.strftime(TIME_FORMAT),
                                            "effectiveUntil": self.until.strftime(TIME_FORMAT), "timeZone": "UTC"},
                               "description": f"{self.drill}: notifications held by drillbook for the drill's window; "
                                              "alerts still fire"}}

    @staticmethod
    def revert(undo: dict, **client_options: Any) -> str:
        from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

        if undo.get("refused"):
            return f"nothing to delete: Azure refused to create alert processing rule {undo['name']}"
        resource = AzureResource.from_undo(undo)
        doing = f"deleting alert processing rule {resource.name} (it stops holding on its own at {undo['until']} UTC)"
        with arm_step("alertsmanagement", resource, doing):
            try:
                client_for("alertsmanagement", resource, client_options).action_rules.delete(
                    resource.resource_group, resource.name, api_version=API_VERSION)
            except ResourceNotFoundError:
                return f"alert processing rule {resource.name} was already gone: nothing held"
            except HttpResponseError as exc:
                if exc.status_code != 204:  # 2021-08-08 answers 204 for a delete; the 1.0 SDK expects only 200
                    raise
        return f"alert processing rule {resource.name} deleted: notifications go out again"
