"""Faults made directly in the sandbox's real Redis; each is a context manager that always undoes itself."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

import redis

FILL_PREFIX = "drillbook-test:fill:"
FILL_VALUE = "x" * 64 * 1024
MAX_FILL_KEYS = 2000  # 125 MB at most: the loop stops long before, at the small maxmemory


@contextmanager
def config_changed(client: redis.Redis, **settings: str) -> Iterator[None]:
    """CONFIG SET each setting (``maxmemory_policy=...`` for maxmemory-policy), then put the old values back."""
    names = {key.replace("_", "-"): value for key, value in settings.items()}
    saved = {name: client.config_get(name)[name] for name in names}
    try:
        for name, value in names.items():
            client.config_set(name, value)
        yield
    finally:
        for name, value in saved.items():
            client.config_set(name, value)


@contextmanager
def memory_filled(client: redis.Redis, headroom_mb: int = 2) -> Iterator[float]:
    """A maxmemory just above what is in use, filled (noeviction keeps it full); yields the percent used."""
    used = int(client.info("memory")["used_memory"])
    with config_changed(client, maxmemory=str(used + headroom_mb * 1024 * 1024), maxmemory_policy="noeviction"):
        try:
            yield _fill(client)
        finally:
            _delete_matching(client, f"{FILL_PREFIX}*")


def _fill(client: redis.Redis) -> float:
    for index in range(MAX_FILL_KEYS):
        try:
            client.set(f"{FILL_PREFIX}{index}", FILL_VALUE, ex=120)
        except redis.exceptions.OutOfMemoryError:
            break
    memory = client.info("memory")
    return 100.0 * int(memory["used_memory"]) / int(memory["maxmemory"])


@contextmanager
def keys_vanishing(client: redis.Redis, pattern: str, period_s: float = 0.001) -> Iterator[None]:
    """A background deleter that removes matching keys as fast as they are written (the hit rate collapses)."""
    with _repeated("keys-vanishing", lambda: _delete_matching(client, pattern), period_s):
        yield


@contextmanager
def keys_without_ttl(client: redis.Redis, prefix: str, count: int = 3) -> Iterator[list[str]]:
    keys = [f"{prefix}drillbook-test-no-ttl-{index}" for index in range(count)]
    for key in keys:
        client.set(key, "never expires")
    try:
        yield keys
    finally:
        client.delete(*keys)


@contextmanager
def clients_paused(client: redis.Redis, pause_ms: int = 300) -> Iterator[None]:
    """CLIENT PAUSE over and over: every command waits for the pause to end (a slow Redis, not a dead one).

    The next PAUSE is sent halfway through the current one, so Redis queues it and starts it the
    moment the current one ends: no gap for a command to slip through, however late this thread runs.
    """
    try:
        with _repeated("clients-paused", lambda: client.execute_command("CLIENT", "PAUSE", pause_ms, "ALL"),
                       pause_ms / 2000):
            yield
    finally:
        client.execute_command("CLIENT", "UNPAUSE")


@contextmanager
def _repeated(name: str, action: Callable[[], object], period_s: float) -> Iterator[None]:
    """Run ``action`` every ``period_s`` on a daemon thread until the block ends (then wait for the thread)."""
    stop = threading.Event()

    def repeat() -> None:
        while not stop.is_set():
            action()
            stop.wait(period_s)

    thread = threading.Thread(target=repeat, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


def _delete_matching(client: redis.Redis, pattern: str) -> None:
    keys = list(client.scan_iter(match=pattern, count=500))
    if keys:
        client.unlink(*keys)
