"""HTTP clients for the shared sandbox (tests/conftest.py); every test leaves it as it found it."""

from __future__ import annotations

import httpx
import pytest


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
