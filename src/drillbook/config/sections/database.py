"""``[cosmos]``: the database checks, the canary and the containers the app expects."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

from drillbook.config.model import Count, Positive, Reference, Section, Text, Url, setting
from drillbook.config.values import to_str_list

_PARTITION_KEY = r"^(/[^/\s]+)+$"
_INDEX_PATH = r"^(/(\"[^\"]+\"|[^/\"?*]+))+/\?$"


class CosmosContainer(Section):
    """A container the app expects: its partition key, and the index paths its queries rely on."""

    partition_key: str = setting(..., '"/tenantId"', "the container's partition key path")
    index_paths: tuple[str, ...] = setting((), '["/tenantId/?", "/createdAt/?"]',
                                           "scalar paths the indexing policy must cover")


def to_cosmos_containers(value: Any) -> dict[str, CosmosContainer]:
    """``[cosmos.containers.<name>]`` tables: ``partition_key = "/tenantId"``, ``index_paths = ["/tenantId/?"]``."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ValueError("expected one table per container, e.g. [cosmos.containers.shards] "
                         'with partition_key = "/tenantId"')
    return {name: _cosmos_container(name, spec) for name, spec in value.items()}


def _cosmos_container(name: str, spec: dict[str, Any]) -> CosmosContainer:
    unknown = sorted(set(spec) - {"partition_key", "index_paths"})
    if unknown:
        raise ValueError(f"[cosmos.containers.{name}] unknown key '{unknown[0]}' (known: index_paths, partition_key)")
    key = spec.get("partition_key")
    if not isinstance(key, str) or not re.match(_PARTITION_KEY, key):
        raise ValueError(f'[cosmos.containers.{name}] partition_key must be a path like "/tenantId"')
    paths = to_str_list(spec.get("index_paths", []))
    bad = [p for p in paths if not re.match(_INDEX_PATH, p)]
    if bad:
        raise ValueError(f"[cosmos.containers.{name}] index path {bad[0]!r} is not a scalar index path "
                         '-> write it the way the indexing policy does, e.g. "/createdAt/?"')
    return CosmosContainer(partition_key=key, index_paths=paths)


Containers = Annotated[dict[str, CosmosContainer], BeforeValidator(to_cosmos_containers)]


class CosmosSection(Section):
    """Where the Cosmos DB account is, how to sign in, and what the database checks expect of it."""

    endpoint: Url | None = setting(None, '"https://cosmos-castiel-prod.documents.azure.com:443/"  (or "sandbox")',
                                   'the account\'s endpoint; "sandbox": the sandbox\'s Cosmos server')
    key: Reference | None = setting(None, '{ env = "CASTIEL_COSMOS_KEY" }  (omit it to sign in with Entra ID)',
                                    "the account key; unset: sign in with the Azure identity (Entra ID)")
    database: Text = setting("castiel", '"castiel"', "the database the app uses")
    read_budget_ms: Positive = setting(200.0, "200", "the slowest median database read that passes")
    timeout_s: Positive = setting(3.0, "3", "per call, and the whole call with its retries")
    containers: Containers = setting({}, doc="the containers the app expects, one [cosmos.containers.<name>] table "
                                             "each (its errors give their own example)")
    canary_container: Text = setting("drillbook_canary", '"drillbook_canary"',
                                     "the scratch container the canary writes, reads and deletes in")
    canary_prefix: Text = setting("drillbook-canary-", '"drillbook-canary-"', "the id prefix of canary items")
    canary_ttl_s: Count = setting(3600, "3600", "canary items expire on their own after this long")
