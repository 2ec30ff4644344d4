"""The two Azure Load Testing clients, bounded on every call, and their failures as one line with the fix.

>>> clients = open_clients(settings.azure)          # DefaultAzureCredential unless one is given
>>> with azure_call(settings.azure, "starting the run"):
...     clients.run.begin_test_run(...)

azure-developer-loadtesting is imported here only, on use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from drillbook.clients.azure import AzureCall, Bounds, azure_errors, data_client, default_credential
from drillbook.errors import TargetError
from drillbook.config.sections import AzureLoadTestingSection as AzureLoadTesting

# The 1.0.1 client defaults to 2022-11-01, which knows JMX tests only; Locust tests (kind, TEST_SCRIPT files,
# autoStopCriteria) need this data-plane version. The client sends whatever version it is given.
API_VERSION = "2024-12-01-preview"
ROLE = "Load Test Contributor"
RETRIES = 1


@dataclass
class Clients:
    """The administration client (tests, files) and the run client (runs, metrics)."""

    admin: Any
    run: Any

    def close(self) -> None:
        self.admin.close()
        self.run.close()


def open_clients(azure: AzureLoadTesting, credential: Any = None, transport: Any = None) -> Clients:
    """Both clients with a timeout on every call and one retry; ``transport`` is for tests on loopback."""
    from azure.developer.loadtesting import LoadTestAdministrationClient, LoadTestRunClient

    bounds = Bounds(connect_s=min(10.0, azure.call_timeout_s), read_s=azure.call_timeout_s, retries=RETRIES,
                    total_s=2 * azure.call_timeout_s, backoff_max_s=5)
    credential = credential or default_credential()
    return Clients(*(data_client(client, azure.host, credential, bounds=bounds, api_version=API_VERSION,
                                 transport=transport) for client in (LoadTestAdministrationClient, LoadTestRunClient)))


def azure_call(azure: AzureLoadTesting, doing: str):
    """An SDK failure as a TargetError: what was being done, where, what Azure said, and the fix."""
    return azure_errors(load_testing_call(azure, doing), TargetError)


def load_testing_call(azure: AzureLoadTesting, doing: str) -> AzureCall:
    """``creating or updating test T on https://<endpoint>``, which Load Test Contributor allows."""
    resource = azure.resource_id or "the Azure Load Testing resource"
    return AzureCall("azure load testing", f"{doing} on {azure.endpoint}", f"{ROLE} on {resource}",
                     azure.call_timeout_s, names="check [azure_load_testing] endpoint (the resource's data-plane URI, "
                                                 "in the portal's Overview) and test_id",
                     network="[azure_load_testing] endpoint and the runner's egress to "
                             "*.cnt-prod.loadtesting.azure.com")
