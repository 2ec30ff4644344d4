"""What a Cosmos container's properties say against what the environment expects: partition key and indexes.

>>> props = {"partitionKey": {"paths": ["/tenantId"]},
...          "indexingPolicy": {"includedPaths": [{"path": "/*"}], "excludedPaths": [{"path": "/embedding/*"}]}}
>>> container_problems("shards", CosmosContainer(partition_key="/tenantId", index_paths=("/embedding/?",)), props)
['index path /embedding/? is not indexed (excluded by /embedding/*)']

Coverage follows Cosmos DB's own rule: among the included and excluded paths
that match, the most precise one decides (``/a/?`` beats ``/a/*`` beats ``/*``).
Pure functions: no SDK, no network.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

if TYPE_CHECKING:
    from drillbook.config.sections import CosmosContainer

SERVICE_DEFAULT = "/*"  # what Cosmos DB indexes when a policy lists no paths at all


def container_problems(name: str, spec: CosmosContainer, properties: Mapping[str, Any]) -> list[str]:
    """What differs from the expectation, one phrase each (empty: as expected)."""
    problems = []
    found_key = partition_key_of(properties)
    if found_key != spec.partition_key:
        problems.append(f"partition key is {found_key or 'none'} (expected {spec.partition_key})")
    policy = properties.get("indexingPolicy") or {}
    for path in spec.index_paths:
        indexed, reason = index_coverage(path, policy)
        if not indexed:
            problems.append(f"index path {path} is not indexed ({reason})")
    return problems


def partition_key_of(properties: Mapping[str, Any]) -> str | None:
    """``/tenantId``, or ``/a,/b`` for a hierarchical key; None when the container has none."""
    paths = (properties.get("partitionKey") or {}).get("paths") or []
    return ",".join(paths) or None


def index_coverage(path: str, policy: Mapping[str, Any]) -> tuple[bool, str]:
    """Whether a scalar path (``/createdAt/?``) is indexed under ``policy``, and which entry decides it."""
    mode = str(policy.get("indexingMode", "consistent")).lower()
    if mode == "none":
        return False, "the indexing mode is none"
    included, excluded = _paths(policy, "includedPaths"), _paths(policy, "excludedPaths")
    if not included and not excluded and "includedPaths" not in policy:
        included = [SERVICE_DEFAULT]
    matches = [(_precision(p), False, p) for p in excluded if _matches(p, path)]
    matches += [(_precision(p), True, p) for p in included if _matches(p, path)]
    if not matches:
        listed = ", ".join(included) or "none"
        return False, f"no included path covers it; included: {listed}"
    # Equal precision: an exclusion wins (Cosmos DB refuses such a policy anyway).
    _, indexed, decider = max(matches, key=lambda m: (m[0], not m[1]))
    return indexed, f"{'indexed' if indexed else 'excluded'} by {decider}"


def describe_policy(policy: Mapping[str, Any]) -> str:
    """A short form of a policy for messages: ``consistent, included /*, excluded /embedding/*``."""
    included, excluded = _paths(policy, "includedPaths"), _paths(policy, "excludedPaths")
    if not included and "includedPaths" not in policy:
        included = [f"{SERVICE_DEFAULT} (service default)"]
    parts = [str(policy.get("indexingMode", "consistent")).lower(), f"included {', '.join(included) or 'none'}"]
    if excluded:
        parts.append(f"excluded {', '.join(excluded)}")
    return ", ".join(parts)


def _paths(policy: Mapping[str, Any], key: str) -> list[str]:
    return [entry["path"] for entry in policy.get(key) or () if isinstance(entry, dict) and entry.get("path")]


def _segments(path: str) -> list[str]:
    return [part.strip('"') for part in path.strip("/").split("/") if part]


def _matches(pattern: str, path: str) -> bool:
    """``/a/*`` matches anything under ``/a``; ``/a/?`` matches only the scalar at ``/a``."""
    head, tail = _segments(pattern)[:-1], _segments(pattern)[-1:]
    target = _segments(path)[:-1]  # the expectation always ends in "?"
    if tail == ["*"]:
        return target[:len(head)] == head
    if tail == ["?"]:
        return target == head
    return False


def _precision(pattern: str) -> tuple[int, int]:
    """More literal segments is more precise; at equal depth ``?`` beats ``*``."""
    segments = _segments(pattern)
    return len(segments) - 1, 1 if segments[-1:] == ["?"] else 0
