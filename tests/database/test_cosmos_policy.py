"""Partition keys and index coverage, judged from container properties as Cosmos DB returns them."""

import pytest

from drillbook.config.sections import CosmosContainer
from drillbook.clients.cosmos_policy import container_problems, describe_policy, index_coverage

CASTIEL = {"indexingMode": "consistent", "includedPaths": [{"path": "/*"}],
           "excludedPaths": [{"path": "/embedding/*"}, {"path": '/"_etag"/?'}]}
NARROW = {"indexingMode": "consistent", "includedPaths": [{"path": "/tenantId/?"}, {"path": "/createdAt/?"}],
          "excludedPaths": [{"path": "/*"}]}


def props(key="/tenantId", policy=CASTIEL):
    return {"id": "shards", "partitionKey": {"paths": [key], "kind": "Hash"}, "indexingPolicy": policy}


@pytest.mark.parametrize(("path", "policy", "expected"), [
    ("/tenantId/?", CASTIEL, (True, "indexed by /*")),
    ("/embedding/?", CASTIEL, (False, "excluded by /embedding/*")),
    ("/embedding/vector/?", CASTIEL, (False, "excluded by /embedding/*")),
    ("/_etag/?", CASTIEL, (False, 'excluded by /"_etag"/?')),
    ("/tenantId/?", NARROW, (True, "indexed by /tenantId/?")),
    ("/name/?", NARROW, (False, "excluded by /*")),
])
def test_the_most_precise_matching_path_decides(path, policy, expected):
    assert index_coverage(path, policy) == expected


def test_a_scalar_path_beats_a_wildcard_at_the_same_depth():
    policy = {"includedPaths": [{"path": "/meta/?"}], "excludedPaths": [{"path": "/meta/*"}]}
    assert index_coverage("/meta/?", policy) == (True, "indexed by /meta/?")
    assert index_coverage("/meta/owner/?", policy) == (False, "excluded by /meta/*")


def test_a_deeper_exclusion_beats_a_shallower_inclusion():
    policy = {"includedPaths": [{"path": "/meta/*"}], "excludedPaths": [{"path": "/meta/blob/?"}]}
    assert index_coverage("/meta/blob/?", policy)[0] is False
    assert index_coverage("/meta/owner/?", policy)[0] is True


def test_a_policy_that_lists_no_paths_is_the_service_default_of_every_path():
    assert index_coverage("/createdAt/?", {"indexingMode": "consistent"}) == (True, "indexed by /*")
    assert describe_policy({"indexingMode": "consistent"}) == "consistent, included /* (service default)"


def test_indexing_mode_none_indexes_nothing():
    assert index_coverage("/tenantId/?", {"indexingMode": "None"}) == (False, "the indexing mode is none")


def test_explicitly_empty_included_paths_cover_nothing():
    covered, reason = index_coverage("/tenantId/?", {"includedPaths": [], "excludedPaths": []})
    assert not covered and reason == "no included path covers it; included: none"


def test_matching_container_has_no_problems():
    spec = CosmosContainer(partition_key="/tenantId", index_paths=("/tenantId/?", "/createdAt/?"))
    assert container_problems("shards", spec, props()) == []


def test_problems_name_what_was_expected_and_what_was_found():
    spec = CosmosContainer(partition_key="/id", index_paths=("/tenantId/?", "/embedding/?"))
    assert container_problems("shards", spec, props()) == [
        "partition key is /tenantId (expected /id)",
        "index path /embedding/? is not indexed (excluded by /embedding/*)",
    ]


def test_hierarchical_and_missing_partition_keys_are_shown_as_found():
    hierarchical = {"partitionKey": {"paths": ["/tenantId", "/userId"], "kind": "MultiHash"}}
    assert container_problems("x", CosmosContainer(partition_key="/tenantId"), hierarchical) == [
        "partition key is /tenantId,/userId (expected /tenantId)"]
    assert container_problems("x", CosmosContainer(partition_key="/tenantId"), {}) == ["partition key is none (expected /tenantId)"]


def test_policy_description_lists_mode_included_and_excluded():
    assert describe_policy(CASTIEL) == 'consistent, included /*, excluded /embedding/*, /"_etag"/?'
