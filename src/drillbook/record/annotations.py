"""A drill's phases as Application Insights annotations, so that whoever reads a chart later sees that the spike
was a drill, and which one.

>>> notes = Annotations(AzureResource(sub, "rg-castiel-staging", "app-castiel-api-staging"), "chaos redis-outage 1a2b")
>>> notes.mark("fault", "Azure Cache for Redis redis-castiel-staging reboot (all nodes)")
>>> notes.written, notes.failures      # the phases marked; what could not be written, one line each

An annotation that cannot be written is noted, and the drill goes on: annotations help a reader of the charts;
the drill's evidence is its record. Failing a drill whose fault has already run, for a label on a chart, would
only make someone run the fault again. Each call is short and never retried, so a missing role or an unreachable
Resource Manager costs the drill seconds, and each phase says so once.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from drillbook.clients.azure import Bounds, arm_call, azure_errors, management_client, one_line
from drillbook.errors import ConfigError, TargetError
from drillbook.faults.arm import AzureResource

BOUNDS = Bounds(connect_s=5.0, read_s=10.0, retries=0)
ROLE = "Application Insights Component Contributor"
# the portal draws annotations of this category on its charts (as release annotations)
CATEGORY = "Deployment"


class Annotations:
    """Writes ``drillbook <drill>: <phase>`` annotations on one Application Insights component."""

    def __init__(self, component: AzureResource, drill: str, **client_options: Any) -> None:
        self.component, self.drill = component, drill
        self.client_options = client_options
        self.written: list[str] = []
        self.failures: list[str] = []
        self._client: Any = None
        self._first: str | None = None  # the start's id: every later phase names it as related

    def mark(self, phase: str, detail: str = "") -> bool:
        """Write one annotation; False (and a line in ``failures``) when it could not be written."""
        annotation_id = str(uuid.uuid4())
        call = arm_call(f"writing the {phase} annotation on Application Insights {self.component.name}",
                        f"{ROLE} on {self.component.resource_group}", BOUNDS.read_s)
        try:
            with azure_errors(call, TargetError):
                self._annotations().create(self.component.resource_group, self.component.name,
                                           self._annotation(annotation_id, phase, detail))
        except (TargetError, ConfigError) as exc:
            self.failures.append(f"{phase}: {exc}")
            return False
        self._first = self._first or annotation_id
        self.written.append(phase)
        return True

    def _annotation(self, annotation_id: str, phase: str, detail: str) -> Any:
        from azure.mgmt.applicationinsights.v2015_05_01.models import Annotation

        # names and the fault's description only, masked all the same: nothing here may carry a secret
        properties = {"drill": self.drill, "phase": phase, "detail": one_line(detail), "source": "drillbook"}
        return Annotation(annotation_name=f"drillbook {self.drill}: {phase}", category=CATEGORY,
                          event_time=datetime.now(UTC), id=annotation_id, properties=json.dumps(properties),
                          related_annotation=self._first or annotation_id)

    def _annotations(self) -> Any:
        if self._client is None:
            self._client = management_client("applicationinsights", self.component.subscription, bounds=BOUNDS,
                                              **self.client_options)
        return self._client.annotations
