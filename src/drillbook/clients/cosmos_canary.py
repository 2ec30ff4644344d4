"""The canary: write, read back and delete one item in a scratch container, never in the app's data.

>>> result = run_canary(target)        # creates the scratch container (with a default TTL) if missing
>>> result.item_id, result.steps_ms
('drillbook-canary-3f9c...', {'write': 4.1, 'read': 1.2, 'delete': 1.9})

The item carries its own id prefix and a ``ttl``, and the scratch container a
default TTL, so an item left behind by a killed run expires on its own. The
delete is attempted in ``finally`` whatever failed before it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from drillbook.clients.cosmos import CosmosTarget
from drillbook.errors import CanaryError, CosmosError

KIND = "drillbook-canary"


@dataclass
class CanaryResult:
    item_id: str
    steps_ms: dict[str, float] = field(default_factory=dict)


def open_scratch(target: CosmosTarget) -> tuple[Any, str]:
    """The scratch container (created with a default TTL if missing) and its partition key field."""
    from azure.cosmos import PartitionKey

    s = target.settings
    database = target.database()
    container = target.call(f"open scratch container {s.canary_container}", database.create_container_if_not_exists,
                            s.canary_container, PartitionKey("/id"), default_ttl=s.canary_ttl_s)
    props = target.call(f"read scratch container {s.canary_container}", container.read)
    if props.get("defaultTtl") is None:
        raise CanaryError(f"scratch container {s.canary_container} has no default TTL, so canary leftovers would "
                          f"never expire -> set one: az cosmosdb sql container update -a {s.account} "
                          f"-d {s.database} -n {s.canary_container} --ttl {s.canary_ttl_s} (-g <resource group>)")
    paths = (props.get("partitionKey") or {}).get("paths") or ["/id"]
    if len(paths) != 1 or paths[0].count("/") != 1:
        raise CanaryError(f"scratch container {s.canary_container} has partition key {','.join(paths)} "
                          "-> use a container keyed on one top-level field, e.g. /id")
    return container, paths[0][1:]


def run_canary(target: CosmosTarget) -> CanaryResult:
    """Write, read back and delete one item; raise CanaryError (after cleaning up) if a step fails."""
    try:
        container, key_field = open_scratch(target)
    except CosmosError as exc:
        raise CanaryError(f"{exc}{_create_hint(target, exc)}") from None
    result = CanaryResult(f"{target.settings.canary_prefix}{uuid.uuid4().hex[:16]}")
    item = {"id": result.item_id, key_field: result.item_id, "kind": KIND,
            "writtenAt": datetime.now(timezone.utc).isoformat(), "ttl": target.settings.canary_ttl_s}
    leftover = ""
    try:
        _write_read_delete(target, container, item, result)
        _confirm_gone(target, container, item["id"])
        return result
    except CosmosError as exc:
        problem = str(exc)
    finally:
        if "delete" not in result.steps_ms:  # whatever stopped the canary, it must not stay behind
            leftover = _clean_up(target, container, item["id"])
    raise CanaryError(f"{problem}{leftover}")


def _write_read_delete(target: CosmosTarget, container: Any, item: dict, result: CanaryResult) -> None:
    item_id = item["id"]
    _, result.steps_ms["write"] = target.timed(f"write canary {item_id}", container.create_item, item)
    read, result.steps_ms["read"] = target.timed(f"read canary {item_id}", container.read_item, item_id,
                                                 partition_key=item_id)
    if read.get("writtenAt") != item["writtenAt"]:
        raise CosmosError(f"read canary {item_id}", f"read back writtenAt={read.get('writtenAt')!r} "
                                                    f"(wrote {item['writtenAt']!r})")
    _, result.steps_ms["delete"] = target.timed(f"delete canary {item_id}", container.delete_item, item_id,
                                                partition_key=item_id)


def _confirm_gone(target: CosmosTarget, container: Any, item_id: str) -> None:
    # A query, not a point read: the sandbox's server answers a missing item with 500, not 404.
    found = target.call(f"confirm canary {item_id} is gone", lambda: list(container.query_items(
        "SELECT c.id FROM c WHERE c.id = @id", parameters=[{"name": "@id", "value": item_id}],
        partition_key=item_id)))
    if found:
        raise CosmosError(f"delete canary {item_id}", "the item is still there after its delete returned")


def _clean_up(target: CosmosTarget, container: Any, item_id: str) -> str:
    """Delete the canary after a failure; the text says what was left behind, if anything."""
    try:
        target.call(f"clean up canary {item_id}", container.delete_item, item_id, partition_key=item_id)
    except CosmosError as exc:
        if exc.status == 404:
            return " (nothing left behind)"
        return (f" (clean-up failed, {exc.reason}; if the write landed, item {item_id} expires within "
                f"{target.settings.canary_ttl_s:g} s by its TTL)")
    return f" (canary {item_id} deleted)"


def _create_hint(target: CosmosTarget, exc: CosmosError) -> str:
    if exc.status != 403:
        return ""
    s = target.settings
    return (f" -> Entra ID data-plane roles cannot create containers; create it once: az cosmosdb sql container "
            f"create -a {s.account} -d {s.database} -n {s.canary_container} -p /id --ttl {s.canary_ttl_s} "
            "-g <resource group>")
