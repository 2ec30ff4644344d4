"""The Service Bus client: the real SDK against recorded management answers on loopback."""

import time

import pytest
from loopback import FakeCredential, LoopbackTransport, loopback_only  # noqa: F401 (autouse: guards each test)
from recorded_servicebus import BEARER, KEY, KEY_NAME, RecordedServiceBus

from drillbook.config.sections import ServiceBusSection
from drillbook.clients.servicebus import (
    QueueDepth, ServiceBusError, namespace_host, open_admin_client, read_queue_depths,
)
from drillbook.errors import ConfigError
from drillbook.config.secrets import SecretRef

NAMESPACE = "sb-castiel-prod.servicebus.windows.net"
QUEUE = "embedding-jobs"


@pytest.fixture
def bus():
    with RecordedServiceBus() as server:
        yield server


@pytest.fixture
def admin_for(bus, monkeypatch):
    """An admin client for the production namespace whose requests land on the recorded server."""
    def make(key: str = KEY, **settings):
        conn = f"Endpoint=sb://{NAMESPACE}/;SharedAccessKeyName={KEY_NAME};SharedAccessKey={key}"
        monkeypatch.setenv("DRILLBOOK_TEST_SB", conn)
        section = ServiceBusSection(connection_string=SecretRef(env="DRILLBOOK_TEST_SB"), **settings)
        return open_admin_client(section, where="test.toml", transport=LoopbackTransport(bus.port), retry_total=0)
    return make


@pytest.mark.parametrize(("recording", "active", "dead"), [
    ("healthy.http", 12, 0), ("backlog.http", 1523, 0), ("dead_letters.http", 3, 7)])
def test_runtime_properties_give_active_and_dead_letter_counts(bus, admin_for, recording, active, dead):
    bus.answer(QUEUE, recording)
    assert read_queue_depths(admin_for(), [QUEUE]) == [QueueDepth(QUEUE, active, dead)]


def test_request_is_signed_for_the_namespace_and_asks_for_the_queue(bus, admin_for):
    bus.answer(QUEUE, "healthy.http")
    admin = admin_for()
    read_queue_depths(admin, [QUEUE])
    [seen] = bus.seen
    assert seen["cloud_host"] == NAMESPACE and seen["path"].startswith(f"/{QUEUE}?")
    assert seen["authorization"].startswith("SharedAccessSignature sr=") and f"skn={KEY_NAME}" in seen["authorization"]
    assert admin.source(QUEUE) == f"sb://{NAMESPACE}/{QUEUE}"


def test_namespace_without_connection_string_signs_in_with_the_identity(bus):
    bus.answer(QUEUE, "healthy.http")
    credential = FakeCredential()
    admin = open_admin_client(ServiceBusSection(namespace="sb-castiel-prod"), where="test.toml",
                              credential=credential, transport=LoopbackTransport(bus.port), retry_total=0)
    assert read_queue_depths(admin, [QUEUE]) == [QueueDepth(QUEUE, 12, 0)]
    assert bus.seen[0]["authorization"] == f"Bearer {BEARER}"
    assert credential.scopes == ["https://servicebus.azure.net//.default"]  # the SDK's own scope, double slash


def test_wrong_key_is_refused_with_the_services_reason(bus, admin_for):
    bus.answer(QUEUE, "healthy.http")
    with pytest.raises(ServiceBusError) as failure:
        read_queue_depths(admin_for(key="d3Jvbmcta2V5"), [QUEUE])
    assert str(failure.value) == (
        f"Service Bus {NAMESPACE} refused the credentials for queue {QUEUE} (InvalidSignature: The token has an "
        "invalid signature) -> check the SAS key in the connection string (it needs Manage rights), or the "
        "identity's role on the namespace")


def test_missing_queue_says_so(admin_for):
    with pytest.raises(ServiceBusError, match=f"has no queue nope -> fix \\[servicebus\\] queues"):
        read_queue_depths(admin_for(), ["nope"])


def test_unreachable_namespace_fails_fast_with_the_reason():
    admin = open_admin_client(ServiceBusSection(namespace="127.0.0.1:9"), where="test.toml",
                              credential=FakeCredential(), retry_total=0)
    with pytest.raises(ServiceBusError, match=r"Service Bus 127.0.0.1:9 is unreachable: .*Connection refused"):
        read_queue_depths(admin, [QUEUE])


def test_malformed_connection_string_never_echoes_it(monkeypatch):
    monkeypatch.setenv("DRILLBOOK_TEST_SB", "SharedAccessKey=top-secret-value")
    with pytest.raises(ConfigError) as failure:
        open_admin_client(ServiceBusSection(connection_string=SecretRef(env="DRILLBOOK_TEST_SB")),
                          where="test.toml")
    assert "is malformed" in str(failure.value) and "top-secret-value" not in str(failure.value)


def test_neither_namespace_nor_connection_string_is_a_config_error():
    with pytest.raises(ConfigError, match=r"\[servicebus\] needs namespace"):
        open_admin_client(ServiceBusSection(), where="test.toml")


def test_short_namespace_names_get_the_service_bus_domain():
    assert namespace_host("sb-castiel-prod") == NAMESPACE
    assert namespace_host(NAMESPACE) == NAMESPACE


def test_a_hanging_namespace_ends_at_the_timeout_and_says_so(bus, admin_for):
    bus.hang(QUEUE)
    started = time.monotonic()
    admin = admin_for()
    admin.timeout_s = 0.5
    with pytest.raises(ServiceBusError) as failure:
        read_queue_depths(admin, [QUEUE])
    assert time.monotonic() - started < 15  # the client's import and setup on a busy machine, not a hang
    assert str(failure.value).startswith(f"Service Bus {NAMESPACE} gave no answer for queue {QUEUE} within 0.5 s (")
    assert str(failure.value).endswith("-> check Azure status for the namespace's region and the runner's egress, "
                                       "then run again")
