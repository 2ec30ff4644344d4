"""The two Azure Load Testing clients, bounded on every call, and their failures as one line with the fix.

>>> clients = open_clients(settings.azure)          # DefaultAzureCredential unless one is given
>>> with azure_call(settings.azure, "starting the run"):
...     clients.run.begin_test_run(...)

azure-developer-loadtesting is imported here only, on use.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator

from drillbook.errors import TargetError
from drillbook.config.sections import AzureLoadTestingSection as AzureLoadTesting
from drillbook.redaction import redact_text

# The 1.0.1 client defaults to 2022-11-01, which knows JMX tests only; Locust tests (kind, TEST_SCRIPT files,
# autoStopCriteria) need this data-plane version. The client sends whatever version it is given.
API_VERSION = "2024-12-01-preview"
SIGN_IN = "az login, a managed identity, or AZURE_CLIENT_ID + AZURE_TENANT_ID"
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

    options: dict[str, Any] = {"api_version": API_VERSION, "connection_timeout": min(10.0, azure.call_timeout_s),
                               "read_timeout": azure.call_timeout_s, "retry_total": RETRIES,
                               "retry_backoff_max": 5, "timeout": 2 * azure.call_timeout_s}
    if transport is not None:
        options["transport"] = transport
    credential = credential or _default_credential()
    return Clients(LoadTestAdministrationClient(azure.host, credential, **options),
                   LoadTestRunClient(azure.host, credential, **options))


@contextmanager
def azure_call(azure: AzureLoadTesting, doing: str) -> Iterator[None]:
    """An SDK failure as a TargetError: what was being done, where, what Azure said, and the fix."""
    from azure.core.exceptions import AzureError

    try:
        yield
    except AzureError as exc:
        raise TargetError(redact_text(" ".join(explain(exc, azure, doing).split()))) from None


def explain(exc: Exception, azure: AzureLoadTesting, doing: str) -> str:
    """The one line for an exception the SDK (or its credential) raised."""
    from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ServiceRequestError, \
        ServiceResponseError

    where = f"{doing} on {azure.endpoint}"
    resource = azure.resource_id or "the Azure Load Testing resource"
    status = getattr(exc, "status_code", None)
    if isinstance(exc, ClientAuthenticationError) and getattr(exc, "response", None) is None:
        return f"azure load testing: no Azure token ({type(exc).__name__}) {where} -> sign in with {SIGN_IN}"
    if status == 401:
        return f"azure load testing: token refused (401{_code(exc)}) {where} -> sign in to the resource's tenant with {SIGN_IN}"
    if status == 403:
        return (f"azure load testing: permission denied (403{_code(exc)}) {where} -> grant {ROLE} on {resource} "
                f"to the identity drillbook signs in as ({SIGN_IN})")
    if status == 404:
        return (f"azure load testing: not found (404{_code(exc)}) {where} -> check [azure_load_testing] endpoint "
                "(the resource's data-plane URI, in the portal's Overview) and test_id")
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return (f"azure load testing: no answer {where} within {azure.call_timeout_s:g} s ({type(exc).__name__}) "
                "-> check [azure_load_testing] endpoint and the runner's egress to *.cnt-prod.loadtesting.azure.com")
    if isinstance(exc, HttpResponseError) and status is not None:
        return f"azure load testing: answered {status}{_code(exc)} {where} -> retry; if it persists, check the Azure status page"
    return f"azure load testing: {type(exc).__name__} {where} -> retry; if it persists, check the Azure status page"


def _code(exc: Exception) -> str:
    """`` InvalidTestRunState``: the service's error code, never its free text."""
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    if not code:
        try:
            code = (exc.response.json().get("error") or {}).get("code")  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - no body, not JSON, or no response: the status says enough
            code = None
    return f" {str(code)[:60]}" if code else ""


def _default_credential() -> Any:
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(process_timeout=10, exclude_interactive_browser_credential=True)
