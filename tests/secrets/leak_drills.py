"""Drills that put every planted secret where a failing check could: messages, locals, output, logs, Allure.

Collected only when tests/secrets/test_secrets_never_show.py passes this file to a drill
run whose environment file references the planted secrets. Each secret is resolved the
way drillbook resolves it, so the worker that runs a drill is the one that learns it.
"""

from __future__ import annotations

import logging
import os
import sys
import time

import allure
import pytest
from loopback import FakeCredential, LoopbackTransport

from drillbook.config.secrets import SecretRef, resolve_secret

pytestmark = pytest.mark.security
VAULT_SECRET = SecretRef(keyvault="https://kv-castiel-prod.vault.azure.net", secret="castiel-drill-planted")
WAIT_LIMIT_S = 120
log = logging.getLogger("drillbook.leak_drills")


@pytest.fixture(scope="session")
def planted(drill_env) -> dict[str, str]:
    """Every planted secret by kind, read through drillbook's references (the vault is the recorded one)."""
    where = drill_env.path.name
    vault = resolve_secret(VAULT_SECRET, where=where, credential=FakeCredential(), retry_total=0,
                           transport=LoopbackTransport(int(os.environ["DRILL_VAULT_PORT"])))
    return {
        "admin token": drill_env.secret("admin_token"),
        "redis url": resolve_secret(drill_env.config.redis.url, where=where),
        "cosmos key": resolve_secret(drill_env.config.cosmos.key, where=where),
        "servicebus": resolve_secret(drill_env.config.servicebus.connection_string, where=where),
        "key vault": vault,
        "bearer": f"Authorization: Bearer {os.environ['DRILL_UNREGISTERED_TOKEN']}",  # never registered anywhere
    }


def everything(planted: dict[str, str]) -> str:
    return " | ".join(f"{kind}={value}" for kind, value in planted.items())


def test_an_assertion_shows_the_secrets(planted):
    leaked = everything(planted)  # --showlocals prints it too
    assert leaked == "what the check expected"


def test_an_exception_carries_the_secrets(planted):
    raise ConnectionError(f"cannot connect with {everything(planted)}")


def test_output_and_logs_carry_the_secrets(planted):
    print(f"stdout: {everything(planted)}")
    print(f"stderr: {everything(planted)}", file=sys.stderr)
    log.error("connecting with %s", everything(planted))
    try:
        raise ValueError(everything(planted))
    except ValueError:
        log.exception("the connection failed")
    pytest.fail(f"gave up on {everything(planted)}", pytrace=False)


def test_allure_records_carry_the_secrets(planted, record_property):
    record_property("connection", everything(planted))
    allure.dynamic.description(everything(planted))
    allure.dynamic.parameter("connection", everything(planted))
    with allure.step(f"connect with {everything(planted)}"):
        allure.attach(everything(planted), name=f"sent {planted['key vault']}",
                      attachment_type=allure.attachment_type.TEXT)
        raise AssertionError(f"refused: {everything(planted)}")


def test_a_skip_reason_carries_the_secrets(planted):
    pytest.skip(f"skipped with {everything(planted)}")


def test_an_xfail_reason_carries_the_secrets(planted):
    pytest.xfail(f"expected to fail with {everything(planted)}")


@pytest.fixture
def broken_setup(planted):
    raise RuntimeError(f"setup failed with {everything(planted)}")


def test_a_setup_error_carries_the_secrets(broken_setup):
    pass


@pytest.fixture
def broken_teardown(planted):
    yield
    raise RuntimeError(f"teardown failed with {everything(planted)}")


def test_a_teardown_error_carries_the_secrets(broken_teardown):
    pass


def test_waits_for_the_interrupt(planted):
    """Holds its worker, secrets in its output, until the run is interrupted (only when asked to)."""
    marker = os.environ.get("DRILL_WAITING_MARKER")
    if not marker:
        pytest.skip("runs only in the interrupted drill run")
    print(f"waiting with {everything(planted)}")
    log.error("waiting with %s", everything(planted))
    open(marker, "w").close()
    time.sleep(WAIT_LIMIT_S)
    pytest.fail(f"no interrupt came within {WAIT_LIMIT_S} s -> the test should have sent SIGINT")
