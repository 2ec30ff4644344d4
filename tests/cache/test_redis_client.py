"""The Redis client's parsing and arithmetic: Azure connection strings, printable addresses, memory bases."""

import pytest

from drillbook.clients.redis import describe_address, memory_usage, parse_connection
from drillbook.errors import ConfigError

AZURE = "redis-castiel-prod.redis.cache.windows.net:6380,password=s3cret-key=,ssl=True,abortConnect=False"


def test_azure_connection_string_becomes_tls_keywords():
    assert parse_connection(AZURE) == {"host": "redis-castiel-prod.redis.cache.windows.net", "port": 6380,
                                       "password": "s3cret-key=", "ssl": True, "username": None}


def test_azure_string_without_a_port_uses_6380_with_tls_and_6379_without():
    assert parse_connection("castiel.redis.cache.windows.net,password=p,ssl=True")["port"] == 6380
    assert parse_connection("127.0.0.1,password=p")["port"] == 6379


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://:pw@castiel.redis.cache.windows.net:6380/0"])
def test_urls_pass_through(url):
    assert parse_connection(url) == {"url": url}


@pytest.mark.parametrize("text", ["http://castiel:6379", "castiel:port,password=p", ":6380,password=p"])
def test_malformed_connection_is_a_config_error(text):
    with pytest.raises(ConfigError, match=r"\[redis\] url"):
        parse_connection(text)


@pytest.mark.parametrize(("text", "shown"), [
    (AZURE, "rediss://redis-castiel-prod.redis.cache.windows.net:6380"),
    ("rediss://:pw@castiel.redis.cache.windows.net:6380/0", "rediss://castiel.redis.cache.windows.net:6380/0"),
    ("redis://user:pw@127.0.0.1:6390/2", "redis://127.0.0.1:6390/2"),
])
def test_printable_address_never_shows_the_password(text, shown):
    assert describe_address(parse_connection(text)) == shown


def test_memory_is_measured_against_maxmemory_when_set():
    usage = memory_usage({"used_memory": 60 * 2**20, "maxmemory": 64 * 2**20, "total_system_memory": 2**34})
    assert (usage.basis, round(usage.percent, 2)) == ("maxmemory", 93.75)
    assert usage.describe() == "93.8 % of maxmemory (60.0 MB of 64.0 MB)"


def test_memory_without_maxmemory_is_measured_against_the_host():
    usage = memory_usage({"used_memory": 2**30, "maxmemory": 0, "total_system_memory": 2**34})
    assert usage.basis == "system memory (no maxmemory is set)" and usage.percent == 6.25


def test_memory_with_no_known_limit_is_not_applicable():
    assert memory_usage({"used_memory": 2**20, "maxmemory": 0}) is None
