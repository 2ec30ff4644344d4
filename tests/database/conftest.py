"""The sandbox's real Cosmos server for the database tests (the sandbox and ``run_drill`` are tests/conftest.py's).

    def test_x(run_drill, cosmos_outage):
        with cosmos_outage("stop"):
            result = run_drill("-m", "database", paths=("checks",))
        result.stdout.fnmatch_lines([...])

Every fault is undone after each test (``faults`` resets the sandbox), and the
helpers that change the real Cosmos server restore what they changed.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cosmos_db(sandbox, faults):
    """The sandbox's real Cosmos database ``castiel``, through the SDK (for setting up and verifying faults)."""
    from azure.cosmos import CosmosClient

    info = faults.info()
    client = CosmosClient(info["cosmos_url"], credential=info["cosmos_key"], enable_endpoint_discovery=False,
                          connection_timeout=5, read_timeout=5, retry_total=0)
    yield client.get_database_client("castiel")
    client.close()


@pytest.fixture
def indexing_policy(cosmos_db):
    """``indexing_policy("shards", policy)`` replaces a container's policy; the original comes back afterwards."""
    from azure.cosmos import PartitionKey

    originals = {}

    def replace(name: str, policy: dict) -> None:
        props = cosmos_db.get_container_client(name).read()
        originals.setdefault(name, props)
        cosmos_db.replace_container(name, partition_key=PartitionKey(props["partitionKey"]["paths"][0]),
                                    indexing_policy=policy)

    yield replace
    for name, props in originals.items():
        cosmos_db.replace_container(name, partition_key=PartitionKey(props["partitionKey"]["paths"][0]),
                                    indexing_policy=props["indexingPolicy"])


@pytest.fixture
def local_variant(tmp_path):
    """``local_variant(extra)``: ``--env-file=`` for local.toml with ``extra`` appended (or in place of [cosmos])."""

    def write(extra: str = "", *, replace_cosmos: bool = False) -> str:
        text = (REPO / "environments" / "local.toml").read_text()
        if replace_cosmos:
            text = text[:text.index("\n[cosmos]\n")] + "\n"
        path = tmp_path / "local-variant.toml"
        path.write_text(text + extra)
        return f"--env-file={path}"

    return write


@pytest.fixture
def cosmos_outage(faults):
    """``with cosmos_outage("stop"):`` (or "pause"): Cosmos is started or resumed again whatever happens."""

    @contextmanager
    def outage(action: str):
        faults.dependency("cosmos", action)
        try:
            yield
        finally:
            faults.dependency("cosmos", {"stop": "start", "pause": "resume"}[action])

    return outage
