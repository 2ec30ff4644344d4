"""Every section of the environment file, composed in one place: a key is valid because a model here declares it.

>>> EnvironmentFile.model_validate({"target": {"tier": "local", "base_url": "sandbox"}}).http.timeout_s
5.0

Each feature owns its section's model (``sections/<feature>.py``) and reads it typed
(``env.config.http.timeout_s``); adding a section means adding its field below. Nothing
registers itself on import, so the schema never depends on what happens to be imported.
"""

from __future__ import annotations

from pydantic import Field

from drillbook.config.model import Section
from drillbook.config.secrets import SecretRef
from drillbook.config.sections.alerts import AlertsSection
from drillbook.config.sections.azure import AzureSection
from drillbook.config.sections.cache import RedisSection
from drillbook.config.sections.cadence import CadenceSection
from drillbook.config.sections.chaos import ChaosSection
from drillbook.config.sections.contract import ContractSection
from drillbook.config.sections.database import CosmosContainer, CosmosSection
from drillbook.config.sections.dr import DrSection
from drillbook.config.sections.health import BudgetsSection, HealthSection, SmokeSection
from drillbook.config.sections.http import HttpSection, HttpTarget
from drillbook.config.sections.load import AzureLoadTestingSection, LoadSection, Stage
from drillbook.config.sections.metrics import MetricsSection
from drillbook.config.sections.notify import NotifySection
from drillbook.config.sections.queue import ServiceBusSection
from drillbook.config.sections.record import RecordSection
from drillbook.config.sections.security import SecuritySection
from drillbook.config.sections.slots import SlotsSection
from drillbook.config.sections.target import AuthSection, SafetySection, TargetSection
from drillbook.config.sections.thresholds import ThresholdsSection
from drillbook.config.sections.troubleshooting import TroubleshootingSection


class EnvironmentFile(Section):
    """A drillbook environment file (environments/<name>.toml): one target, its backends and its drills' settings."""

    target: TargetSection
    http: HttpSection = Field(default_factory=HttpSection)
    auth: AuthSection = Field(default_factory=AuthSection)
    budgets: BudgetsSection = Field(default_factory=BudgetsSection)
    safety: SafetySection = Field(default_factory=SafetySection)
    metrics: MetricsSection = Field(default_factory=MetricsSection)
    azure: AzureSection = Field(default_factory=AzureSection)
    troubleshooting: TroubleshootingSection = Field(default_factory=TroubleshootingSection)
    health: HealthSection = Field(default_factory=HealthSection)
    redis: RedisSection = Field(default_factory=RedisSection)
    cosmos: CosmosSection = Field(default_factory=CosmosSection)
    servicebus: ServiceBusSection = Field(default_factory=ServiceBusSection)
    security: SecuritySection = Field(default_factory=SecuritySection)
    slots: SlotsSection = Field(default_factory=SlotsSection)
    contract: ContractSection = Field(default_factory=ContractSection)
    smoke: SmokeSection = Field(default_factory=SmokeSection)
    load: LoadSection = Field(default_factory=LoadSection)
    azure_load_testing: AzureLoadTestingSection = Field(default_factory=AzureLoadTestingSection)
    chaos: ChaosSection = Field(default_factory=ChaosSection)
    dr: DrSection = Field(default_factory=DrSection)
    cadence: CadenceSection = Field(default_factory=CadenceSection)
    notify: NotifySection = Field(default_factory=NotifySection)
    record: RecordSection = Field(default_factory=RecordSection)
    alerts: AlertsSection = Field(default_factory=AlertsSection)
    thresholds: ThresholdsSection = Field(default_factory=ThresholdsSection)

    def references(self) -> list[SecretRef]:
        """Every secret reference the file names, in every section."""
        return [ref for _, section in self for ref in section.references()]


__all__ = [
    "AlertsSection", "AuthSection", "AzureLoadTestingSection", "AzureSection", "BudgetsSection", "CadenceSection",
    "ChaosSection",
    "ContractSection", "CosmosContainer", "CosmosSection", "DrSection", "EnvironmentFile", "HealthSection",
    "HttpSection", "HttpTarget", "LoadSection", "MetricsSection", "NotifySection", "RecordSection", "RedisSection", "SafetySection",
    "SecuritySection", "ServiceBusSection", "SlotsSection", "SmokeSection", "Stage", "TargetSection",
    "ThresholdsSection", "TroubleshootingSection",
]
