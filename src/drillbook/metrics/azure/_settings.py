"""Where the azure-monitor source reads from: resource ids and endpoints built from ``[azure]``.

>>> settings = load_settings(env.config.azure, where="staging.toml: [azure]")
>>> settings.resource_id("Microsoft.Cache/redis", "redis-castiel-prod")
'/subscriptions/.../resourceGroups/rg-castiel-prod/providers/Microsoft.Cache/redis/redis-castiel-prod'
"""

from __future__ import annotations

from dataclasses import dataclass
from drillbook.config.sections import AzureSection
from drillbook.config.secrets import SecretRef, resolve_secret
from drillbook.errors import ConfigError

LOGS_ENDPOINT = "https://api.loganalytics.io"
METRICS_ENDPOINT = "https://{location}.metrics.monitor.azure.com"
COMPONENTS = "Microsoft.Insights/components"


@dataclass(frozen=True)
class AzureSettings:
    """The resolved ``[azure]`` section; every name is optional except the logs target."""

    subscription_id: str
    resource_group: str
    logs_target: str  # an Application Insights resource id, or a Log Analytics workspace id
    by_workspace: bool
    logs_endpoint: str
    metrics_endpoint: str
    app_insights: str
    app_service_plan: str | None = None
    cosmos_account: str | None = None
    redis_name: str | None = None
    servicebus_namespace: str | None = None
    servicebus_queue: str | None = None
    ingestion_lag_s: float = 0.0

    def resource_id(self, provider: str, name: str) -> str:
        return (f"/subscriptions/{self.subscription_id}/resourceGroups/{self.resource_group}"
                f"/providers/{provider}/{name}")

    @property
    def logs_description(self) -> str:
        kind = "Log Analytics workspace" if self.by_workspace else "Application Insights"
        return f"{kind} {self.app_insights}"


def load_settings(azure: AzureSection, *, where: str) -> AzureSettings:
    """Resolve ``[azure]`` (its references read, the endpoints chosen), or raise a ConfigError naming the missing key."""
    subscription = _required(azure, "subscription_id", where, '{ env = "AZURE_SUBSCRIPTION_ID" }')
    group = _required(azure, "resource_group", where, '"rg-castiel-prod"')
    target, by_workspace, shown = _logs_target(azure, where, subscription, group)
    return AzureSettings(
        subscription_id=subscription, resource_group=group,
        logs_target=target, by_workspace=by_workspace,
        logs_endpoint=azure.logs_endpoint or LOGS_ENDPOINT,
        metrics_endpoint=_metrics_endpoint(azure, where, group),
        app_insights=shown,
        app_service_plan=azure.app_service_plan, cosmos_account=azure.cosmos_account,
        redis_name=azure.redis_name, servicebus_namespace=azure.servicebus_namespace,
        servicebus_queue=azure.servicebus_queue, ingestion_lag_s=azure.ingestion_lag_s,
    )


def _logs_target(azure: AzureSection, where: str, subscription: str, group: str) -> tuple[str, bool, str]:
    workspace = _value(azure, "log_analytics_workspace_id", where)
    if workspace:
        return workspace, True, azure.app_insights or "workspace"
    if azure.app_insights_resource_id:
        resource_id = azure.app_insights_resource_id
        return resource_id, False, resource_id.rstrip("/").rsplit("/", 1)[-1]
    if azure.app_insights:
        name = azure.app_insights
        return f"/subscriptions/{subscription}/resourceGroups/{group}/providers/{COMPONENTS}/{name}", False, name
    raise ConfigError(f'{where} needs the request telemetry -> add app_insights = "app-castiel-api-prod" '
                      "(or app_insights_resource_id, or log_analytics_workspace_id)")


def _metrics_endpoint(azure: AzureSection, where: str, group: str) -> str:
    if azure.metrics_endpoint:
        return azure.metrics_endpoint
    if azure.location:
        return METRICS_ENDPOINT.format(location=azure.location.replace(" ", "").lower())
    raise ConfigError(f"{where} missing key 'location' -> add the region of {group}'s resources, "
                      'e.g. location = "westeurope" '
                      '(or metrics_endpoint = "https://westeurope.metrics.monitor.azure.com")')


def _required(azure: AzureSection, key: str, where: str, example: str) -> str:
    value = _value(azure, key, where)
    if not value:
        raise ConfigError(f"{where} missing key '{key}' (needed by source azure-monitor) "
                          f"-> add it, e.g. {key} = {example}")
    return value


def _value(azure: AzureSection, key: str, where: str) -> str | None:
    value = getattr(azure, key)
    if isinstance(value, SecretRef):
        return resolve_secret(value, where=f"{where} {key}")
    return value
