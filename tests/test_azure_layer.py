"""clients.azure: one client factory under bounds, one translator whose every line ends with a fix.

A real management client (azure-mgmt-web) against recorded Resource Manager answers on loopback.
"""

from __future__ import annotations

import time

import pytest
from loopback import FakeCredential, LoopbackTransport, NoIdentityCredential
from recorded_arm import RecordedArm

from drillbook.clients.azure import MANAGEMENT, Bounds, arm_call, azure_errors, management_client
from drillbook.errors import ConfigError, TargetError

SUB = "00000000-0000-0000-0000-000000000000"
PLANTED = "sk-planted-4e1f9a0c"  # Azure's free text may echo anything: it never reaches the line
CALL = arm_call("restarting App Service app-castiel-api-staging", "Website Contributor on rg-castiel-staging")


def refusal(status: int, code: str, headers: dict | None = None) -> dict:
    return {"status": status, "headers": headers or {}, "body": {"error": {"code": code, "message": PLANTED}}}


def restart(arm: RecordedArm, credential=None, **options) -> str:
    client = management_client("web", SUB, credential=credential or FakeCredential(), transport=arm.transport(),
                               **options)
    with pytest.raises(TargetError) as failed, azure_errors(CALL):
        client.web_apps.restart("rg-castiel-staging", "app-castiel-api-staging")
    return str(failed.value)


@pytest.fixture
def arm():
    with RecordedArm() as server:
        yield server


@pytest.mark.parametrize(("status", "code", "said", "fix"), [
    (401, "InvalidAuthenticationToken", "token refused (401 InvalidAuthenticationToken)",
     "sign in to the resource's tenant with az login"),
    (403, "AuthorizationFailed", "permission denied (403 AuthorizationFailed)",
     "grant Website Contributor on rg-castiel-staging to the identity drillbook signs in as (az login"),
    (404, "ResourceNotFound", "not found (404 ResourceNotFound)",
     "check the names and subscription_id in [azure] of the environment file"),
    (400, "InvalidRequestContent", "refused as malformed (400 InvalidRequestContent)",
     "check the environment file's values for this call"),
    (409, "Conflict", "answered 409 Conflict", "retry; if it persists, check the Azure status page"),
    (503, "ServiceUnavailable", "answered 503 ServiceUnavailable", "retry; if it persists, check the Azure status page"),
])
def test_every_refusal_is_one_line_with_its_fix_and_without_azures_free_text(arm, status, code, said, fix):
    arm.answer("POST", "/restart", refusal(status, code))
    line = restart(arm, retry_total=0)
    assert line.startswith(f"azure resource manager: {said} restarting App Service app-castiel-api-staging -> {fix}")
    assert PLANTED not in line and FakeCredential.TOKEN not in line and "\n" not in line


def test_a_retry_after_beyond_the_bound_ends_the_call_at_once_and_says_when_to_retry(arm):
    arm.answer("POST", "/restart", refusal(429, "TooManyRequests", {"Retry-After": "120"}))
    started = time.monotonic()
    line = restart(arm)  # MANAGEMENT allows one retry, but not a 120 s sleep for it
    assert time.monotonic() - started < 30
    assert line.startswith("azure resource manager: throttled (429) restarting App Service app-castiel-api-staging "
                           "-> retry after 120 s")
    assert len([seen for seen in arm.seen if seen.path.endswith("/restart")]) == 1


def test_no_identity_is_one_line_naming_the_sign_in_and_the_role(arm):
    line = restart(arm, credential=NoIdentityCredential())
    assert line == ("azure resource manager: no Azure token (CredentialUnavailableError) restarting App Service "
                    "app-castiel-api-staging -> sign in with az login, a managed identity, or AZURE_CLIENT_ID + "
                    "AZURE_TENANT_ID; the identity needs Website Contributor on rg-castiel-staging")
    assert arm.seen == []


def test_an_unreachable_resource_manager_is_one_line_in_bounded_time():
    with RecordedArm() as gone:
        port = gone.port
    client = management_client("web", SUB, credential=FakeCredential(), transport=LoopbackTransport(port))
    started = time.monotonic()
    with pytest.raises(TargetError, match=r"^azure resource manager: unreachable \(ServiceRequestError\) restarting "
                                          r"App Service app-castiel-api-staging -> check the network path"):
        with azure_errors(CALL):
            client.web_apps.restart("rg-castiel-staging", "app-castiel-api-staging")
    assert time.monotonic() - started < 30


def test_the_factory_applies_one_table_of_bounds_and_a_caller_may_tighten_it():
    assert (MANAGEMENT.connect_s, MANAGEMENT.read_s, MANAGEMENT.retries) == (10, 30, 1)
    assert Bounds(connect_s=2, read_s=3, retries=0, total_s=6).options() == {
        "connection_timeout": 2, "read_timeout": 3, "retry_total": 0, "timeout": 6}
    client = management_client("monitor", SUB, credential=FakeCredential(), retry_total=0)
    retry = client._config.retry_policy
    assert retry.total_retries == 0 and retry._max_wait == MANAGEMENT.max_retry_wait_s


def test_an_unknown_package_is_a_configuration_error_with_the_install(monkeypatch):
    import drillbook.clients.azure as layer

    monkeypatch.setitem(layer.MANAGEMENT_CLIENTS, "web", ("azure.mgmt.nowhere", "X", "azure-mgmt-nowhere",
                                                          "App Service faults"))
    with pytest.raises(ConfigError, match=r"^App Service faults need azure-mgmt-nowhere -> pip install "):
        management_client("web", SUB, credential=FakeCredential())
