"""One real sandbox for the whole module set; every test leaves it as it found it."""

from __future__ import annotations

import httpx
import pytest

from sandbox.runner import FaultControl, start_sandbox


@pytest.fixture(scope="session")
def sandbox():
    with start_sandbox() as running:
        yield running


@pytest.fixture
def faults(sandbox):
    """Fault control, reset before and after each test, so a failed test cannot leak a fault."""
    control = FaultControl(sandbox.url, sandbox.fault_token)
    control.reset()
    yield control
    control.reset()


@pytest.fixture
def api(sandbox, faults):
    with httpx.Client(base_url=sandbox.url, timeout=5) as client:
        yield client


@pytest.fixture
def admin(sandbox) -> dict:
    return {"Authorization": f"Bearer {sandbox.admin_token}"}


@pytest.fixture
def shard(api) -> dict:
    """A freshly created shard."""
    response = api.post("/api/shards", json={"tenantId": "tenant-a", "name": "fixture shard"})
    assert response.status_code == 201, response.text
    return response.json()
