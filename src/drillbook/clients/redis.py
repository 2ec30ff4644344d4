"""Redis access for the cache and work-queue checks: connect, then read INFO, SCAN, TTL, LLEN and PING.

>>> target = connect_redis("my-cache.redis.cache.windows.net:6380,password=...,ssl=True", timeout_s=3)
>>> memory_usage(target.run("info", "memory")).describe()
'12.5 % of maxmemory (128.0 MB of 1024.0 MB)'

Everything is read from INFO, never CONFIG: Azure Cache for Redis disables
CONFIG. Every call has a socket timeout and none is retried, so a paused Redis
shows up as a failed check, not as a hang. redis-py is imported on use.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from drillbook import redaction
from drillbook.errors import ConfigError, TargetError

SCAN_BATCH = 100
MAX_SCAN_CALLS = 50  # per prefix: a sparse prefix in a large keyspace must not turn into a full scan
SENTINEL_PREFIX = "drillbook:sentinel:"
MB = 1024 * 1024


@dataclass(frozen=True)
class MemoryUsage:
    """Used memory against its limit; ``basis`` says which limit (maxmemory, or the host's memory)."""

    used: int
    limit: int
    basis: str

    @property
    def percent(self) -> float:
        return 100.0 * self.used / self.limit

    def describe(self) -> str:
        return f"{self.percent:.1f} % of {self.basis} ({self.used / MB:.1f} MB of {self.limit / MB:.1f} MB)"


@dataclass(frozen=True)
class TtlSample:
    """A bounded SCAN sample of keys under some prefixes, and those that never expire."""

    checked: int
    without_ttl: list[str] = field(default_factory=list)


class RedisTarget:
    """A connected client and its printable address (no password)."""

    def __init__(self, client: Any, source: str) -> None:
        self.client, self.source = client, source

    def run(self, command: str, *args: Any, **kwargs: Any) -> Any:
        """Run one redis-py method; any Redis error becomes a TargetError naming the address."""
        import redis

        try:
            return getattr(self.client, command)(*args, **kwargs)
        except redis.RedisError as exc:
            raise TargetError(f"Redis {command.upper()} failed: {_short(exc)}") from None

    def close(self) -> None:
        self.client.close()


def parse_connection(text: str) -> dict[str, Any]:
    """``{"url": ...}`` for redis:// and rediss:// URLs, else redis-py keywords from Azure's string.

    >>> parse_connection("castiel.redis.cache.windows.net:6380,password=pw,ssl=True,abortConnect=False")
    {'host': 'castiel.redis.cache.windows.net', 'port': 6380, 'password': 'pw', 'ssl': True, 'username': None}
    """
    text = text.strip()
    if "://" in text:
        if not text.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"[redis] url: scheme {text.split('://')[0]!r} is not redis://, rediss:// or unix://")
        return {"url": text}
    address, *options = [part.strip() for part in text.split(",") if part.strip()]
    settings = {key.strip().lower(): value.strip() for key, _, value in (o.partition("=") for o in options)}
    ssl = settings.get("ssl", "false").lower() == "true"
    host, _, port = address.rpartition(":") if ":" in address else (address, "", "")
    if not host or (port and not port.isdigit()):
        raise ConfigError("[redis] url: expected host:port,password=...,ssl=True (Azure's connection string) "
                          "or a redis:// URL")
    return {"host": host, "port": int(port or (6380 if ssl else 6379)), "password": settings.get("password"),
            "ssl": ssl, "username": settings.get("user")}


def describe_address(params: dict[str, Any]) -> str:
    """Where the client connects, safe to print: the scheme, host, port and database, never a password."""
    if "url" in params:
        parts = urlsplit(params["url"])
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return f"{parts.scheme}://{netloc}{parts.path}"
    scheme = "rediss" if params["ssl"] else "redis"
    return f"{scheme}://{params['host']}:{params['port']}"


def connect_redis(text: str, *, timeout_s: float) -> RedisTarget:
    """A client for a URL or an Azure connection string; nothing is sent until the first command."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    params = parse_connection(text)
    _register_password(params)
    common = {"socket_timeout": timeout_s, "socket_connect_timeout": timeout_s, "retry": Retry(NoBackoff(), 0),
              "decode_responses": True}
    if "url" in params:
        client = redis.Redis.from_url(params["url"], **common)
    else:
        client = redis.Redis(**params, **common)
    return RedisTarget(client, describe_address(params))


def read_info(target: RedisTarget, section: str) -> dict[str, Any]:
    """One INFO section (memory, stats, ...) as a dict."""
    return target.run("info", section)


def memory_usage(info: dict[str, Any]) -> MemoryUsage | None:
    """Used memory against maxmemory; without maxmemory, against the host's memory; None if neither is known."""
    used = int(info["used_memory"])
    if int(info.get("maxmemory") or 0):
        return MemoryUsage(used, int(info["maxmemory"]), "maxmemory")
    if int(info.get("total_system_memory") or 0):
        return MemoryUsage(used, int(info["total_system_memory"]), "system memory (no maxmemory is set)")
    return None


def keyspace_counts(target: RedisTarget) -> tuple[int, int]:
    """(keyspace_hits, keyspace_misses) since the server started: callers difference two of these."""
    stats = read_info(target, "stats")
    return int(stats["keyspace_hits"]), int(stats["keyspace_misses"])


def scan_keys(target: RedisTarget, pattern: str, limit: int) -> list[str]:
    """Up to ``limit`` keys matching ``pattern``, with a bounded number of SCAN calls (never KEYS)."""
    keys: list[str] = []
    cursor = 0
    for _ in range(MAX_SCAN_CALLS):
        cursor, batch = target.run("scan", cursor, match=pattern, count=SCAN_BATCH)
        keys.extend(batch)
        if cursor == 0 or len(keys) >= limit:
            break
    return keys[:limit]


def sample_ttls(target: RedisTarget, prefixes: list[str], limit: int) -> TtlSample:
    """TTLs of a bounded sample of keys under each prefix; -1 means the key never expires."""
    keys = [key for prefix in prefixes for key in scan_keys(target, f"{prefix}*", limit)]
    live = [(key, ttl) for key, ttl in zip(keys, pttls(target, keys)) if ttl != -2]  # -2: gone while we looked
    return TtlSample(len(live), [key for key, ttl in live if ttl == -1])


def pttls(target: RedisTarget, keys: list[str]) -> list[int]:
    """PTTL of each key in one round trip: ms left, -1 for no TTL, -2 for no such key."""
    if not keys:
        return []
    pipe = target.client.pipeline(transaction=False)
    for key in keys:
        pipe.pttl(key)
    return [int(ttl) for ttl in _execute(target, pipe)]


def keys_left_behind(keys: list[str], before: list[int], after: list[int]) -> list[str]:
    """Keys a clear did not remove: still there and not written again since (a rewrite renews the TTL).

    >>> keys_left_behind(["a", "b", "c"], before=[9000, 9000, -1], after=[-2, 299000, -1])
    ['c']
    """
    return [key for key, old, new in zip(keys, before, after) if new != -2 and not (old >= 0 and new > old)]


def ping_times_ms(target: RedisTarget, count: int = 5) -> list[float]:
    """Round-trip times of ``count`` PINGs, in ms."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        target.run("ping")
        times.append((time.perf_counter() - started) * 1000)
    return times


def seed_sentinel(target: RedisTarget, ttl_s: int = 300) -> str:
    """Write a key outside every cache pattern (with a TTL) that a pattern clear must leave alone."""
    key = f"{SENTINEL_PREFIX}{uuid.uuid4().hex}"
    target.run("set", key, "drillbook cache-clear sentinel", ex=ttl_s)
    return key


def count_existing(target: RedisTarget, keys: list[str]) -> int:
    return int(target.run("exists", *keys)) if keys else 0


def _execute(target: RedisTarget, pipe: Any) -> list[Any]:
    import redis

    try:
        return pipe.execute()
    except redis.RedisError as exc:
        raise TargetError(f"Redis PTTL failed: {_short(exc)}") from None


def _register_password(params: dict[str, Any]) -> None:
    password = params.get("password") or (urlsplit(params["url"]).password if "url" in params else None)
    if password:
        redaction.register_secret(password)


def _short(exc: Exception) -> str:
    text = (str(exc) or type(exc).__name__).splitlines()[0]
    if "CERTIFICATE_VERIFY_FAILED" in text:  # the fix is the runner's trust store, not the cache
        reason = text.partition("certificate verify failed: ")[2].split(" (_ssl")[0] or "certificate verify failed"
        return (f"TLS: the cache's certificate is not trusted ({reason}) -> check the host name in the "
                "connection string, or point SSL_CERT_FILE at the CA bundle that signs it")
    return f"{type(exc).__name__}: {text[:160]}"
