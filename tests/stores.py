"""The store's test helpers: a ``[record]`` naming an Azurite container, and opening a store from another process.

The connection string reaches the store by reference (``{ env = CONNECTION_VAR }``), as production's would.
"""

from __future__ import annotations

from pathlib import Path

from drillbook.config.sections import RecordSection
from drillbook.store import Store, open_store

CONNECTION_VAR = "DRILLBOOK_TEST_STORE_CONNECTION"


def blob_record(container: str, **keys) -> RecordSection:
    return RecordSection.model_validate({"store": "blob", "container": container,
                                         "connection_string": {"env": CONNECTION_VAR}, **keys})


def blob_env(env_file, container: str, extra: str = ""):
    """An environment file (tests' ``env_file`` fixture) whose [record] is ``container`` of the test's Azurite."""
    return env_file(f'\n[record]\nstore = "blob"\ncontainer = "{container}"\n'
                    f'connection_string = {{ env = "{CONNECTION_VAR}" }}\n{extra}')


def open_test_store(kind: str, where: str) -> Store:
    """``kind`` "local" with a folder, or "blob" with a container (another "machine" of the same test)."""
    if kind == "local":
        return open_store(RecordSection(), Path(where), where="test.toml")
    return open_store(blob_record(where), Path("unused"), where="test.toml")
