"""``[redis]``: the cache checks, and the work queues that live on Redis lists."""

from __future__ import annotations

from drillbook.config.model import Count, Positive, Section, Text, TextList, TextOrReference, setting


class RedisSection(Section):
    """Where the cache is, what its keys look like, and the bounds of the cache and work-queue checks."""

    url: TextOrReference | None = setting(None, '{ env = "CASTIEL_REDIS_URL" }  (or "sandbox")',
                                          'a redis:// or rediss:// URL, or Azure\'s "host:6380,password=...,ssl=True" '
                                          'string, always as a reference; "sandbox": the sandbox\'s own')
    key_prefixes: TextList = setting(("shard_cache:",), '["shard_cache:"]', "the prefixes every cache key has")
    scan_sample: Count = setting(200, "200", "keys read at most when sampling the cache")
    ping_budget_ms: Positive = setting(50.0, "50", "the slowest PING that passes")
    read_paths: TextList = setting((), '["/api/shards/<a known id>"]',
                                   "hit rate: GET these API paths read_rounds times; none: watch live traffic")
    read_rounds: Count = setting(10, "10", "hit rate: how often each read path is read")
    hit_rate_window_s: Positive = setting(30.0, "30", "hit rate: the window live traffic is watched")
    min_lookups: Count = setting(20, "20", "hit rate: a window with fewer lookups is no data")
    clear_pattern: Text = setting("shard_cache:*", '"shard_cache:*"', "the pattern the cache-clear check removes")
    work_queues: TextList = setting((), '["queue:embedding_jobs"]', "Redis lists that are work queues")
    probe_jobs: Count = setting(20, "20", "jobs the queue drill enqueues")
    drain_timeout_s: Positive = setting(10.0, "10", "how long a work queue may take to drain")
