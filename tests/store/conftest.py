"""The store's tests run each case against both stores: local files, and a real Azurite through the real SDK."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from drillbook.config.sections import RecordSection
from drillbook.store import open_store
from stores import CONNECTION_VAR, blob_record


@pytest.fixture
def blob_store(azurite, monkeypatch):
    """A store in a fresh container of the session's Azurite."""
    monkeypatch.setenv(CONNECTION_VAR, azurite.connection_string)
    store = open_store(blob_record(f"t-{uuid.uuid4().hex[:12]}"), Path("unused"), where="test.toml")
    store.create_container()
    return store


@pytest.fixture(params=["local", "blob"])
def store(request, tmp_path):
    if request.param == "local":
        return open_store(RecordSection(), tmp_path / "journal", where="test.toml")
    return request.getfixturevalue("blob_store")
