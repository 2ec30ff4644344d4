"""Clients for the sandbox's Redis and Cosmos, every one with short timeouts.

Data clients wait up to about a second, probe clients less, and nothing
retries: a paused dependency must show up as a slow or failed request, not be
hidden by a retry loop.
"""

from __future__ import annotations

import redis
from azure.cosmos import CosmosClient, PartitionKey
from redis.backoff import NoBackoff
from redis.retry import Retry

DATABASE = "castiel"
# Several containers, so database checks see more than one.
CONTAINERS = {"shards": "/tenantId", "audit_log": "/tenantId", "users": "/id"}
DATA_TIMEOUT_S = 1.0
PROBE_TIMEOUT_S = 0.8
QUEUE_POLL_S = 0.5  # BRPOP timeout: how quickly the worker notices a stall or shutdown


def redis_client(url: str, timeout: float) -> redis.Redis:
    """A Redis client that gives up after timeout seconds and never retries."""
    return redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=min(timeout, 0.5),
                                retry=Retry(NoBackoff(), 0), decode_responses=True)


def cosmos_client(url: str, key: str, timeout: float) -> CosmosClient:
    """A Cosmos client for the loopback server: no endpoint discovery, no retries."""
    return CosmosClient(url, credential=key, enable_endpoint_discovery=False,
                        connection_timeout=timeout, read_timeout=timeout,
                        retry_total=0, retry_connect=0, retry_read=0)


class Stores:
    """Connected clients: cache, probes, queue and Cosmos containers.

    >>> stores = Stores("redis://127.0.0.1:6390/0", "http://127.0.0.1:8081", key)
    >>> stores.create_schema(); stores.container("shards").query_items(...)
    """

    def __init__(self, redis_url: str, cosmos_url: str, cosmos_key: str):
        self.cache = redis_client(redis_url, DATA_TIMEOUT_S)
        self.probe_cache = redis_client(redis_url, PROBE_TIMEOUT_S)
        # BRPOP blocks up to QUEUE_POLL_S, so its socket must wait longer than that.
        self.queue = redis_client(redis_url, QUEUE_POLL_S + DATA_TIMEOUT_S)
        self._cosmos = cosmos_client(cosmos_url, cosmos_key, DATA_TIMEOUT_S * 2)
        self._probe_cosmos = cosmos_client(cosmos_url, cosmos_key, PROBE_TIMEOUT_S)
        self._containers: dict = {}

    def create_schema(self) -> None:
        """Create the database and containers (again, after a Cosmos restart)."""
        database = self._cosmos.create_database_if_not_exists(DATABASE)
        self._containers = {
            name: database.create_container_if_not_exists(name, PartitionKey(path))
            for name, path in CONTAINERS.items()
        }

    def container(self, name: str):
        return self._containers[name]

    def ping_redis(self) -> None:
        self.probe_cache.ping()

    def ping_cosmos(self) -> None:
        self._probe_cosmos.get_database_client(DATABASE).get_container_client("shards").read()

    def drop_redis_connections(self) -> None:
        """Forget idle pooled sockets, so the first call after a restart does not fail.

        Sockets in use are left to their thread: closing one under a blocked BRPOP made
        redis-py raise ValueError (not a RedisError) in the worker. They fail on their
        own with a ConnectionError, and redis-py drops them.
        """
        for client in (self.cache, self.probe_cache, self.queue):
            client.connection_pool.disconnect(inuse_connections=False)

    def close(self) -> None:
        for client in (self.cache, self.probe_cache, self.queue):
            client.close()
