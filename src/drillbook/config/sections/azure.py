"""``[azure]``: the target's Azure resources, read by azure-monitor, the Azure faults, the gates and remedies."""

from __future__ import annotations

from drillbook.config.model import Number, Section, Text, TextOrReference, Url, setting

RESOURCES = ("resource_group", "app_service", "app_service_plan", "cosmos_account", "redis_name", "app_insights",
             "chaos_experiment")


class AzureSection(Section):
    """The subscription, resource group and resource names of the target; remedies name them too."""

    subscription_id: TextOrReference | None = setting(None, '{ env = "AZURE_SUBSCRIPTION_ID" }',
                                                      "the subscription that holds the resources")
    resource_group: Text | None = setting(None, '"rg-castiel-prod"', "the resource group of every resource below")
    app_service: Text | None = setting(None, '"app-castiel-api-prod"', "the App Service app that serves the API")
    cosmos_account: Text | None = setting(None, '"cosmos-castiel-prod"', "the Cosmos DB account")
    redis_name: Text | None = setting(None, '"redis-castiel-prod"', "the Azure Cache for Redis")
    app_service_plan: Text | None = setting(None, '"asp-castiel-prod"', "the App Service plan")
    servicebus_namespace: Text | None = setting(None, '"sb-castiel-prod"', "the Service Bus namespace")
    servicebus_queue: Text | None = setting(None, '"embedding-jobs"', "the queue whose depth is a threshold")
    app_insights: Text | None = setting(None, '"app-castiel-api-prod"', "the Application Insights component")
    app_insights_resource_id: Text | None = setting(None, '"/subscriptions/.../components/app-castiel-api-prod"',
                                                    "its full resource id, when it lives elsewhere")
    log_analytics_workspace_id: TextOrReference | None = setting(
        None, '{ env = "CASTIEL_LOG_WORKSPACE_ID" }', "read request telemetry from this Log Analytics workspace")
    location: Text | None = setting(None, '"westeurope"', "the resources' region (the metrics endpoint's)")
    chaos_experiment: Text | None = setting(None, '"chaos-castiel-staging"', "the Chaos Studio experiment the "
                                            "chaos-studio drill starts and cancels (drillbook never edits its steps)")
    metrics_endpoint: Url | None = setting(None, '"https://westeurope.metrics.monitor.azure.com"',
                                           "Azure Monitor's metrics endpoint; default: the location's")
    logs_endpoint: Url | None = setting(None, '"https://api.loganalytics.io"', "the Log Analytics query endpoint")
    ingestion_lag_s: Number = setting(0.0, "150", "Application Insights ingests 1-3 min late: read each interval "
                                                  "this much later, so counts are complete")
