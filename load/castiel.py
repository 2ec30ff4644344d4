"""Castiel's critical flows under load: create, read and list shards, and the admin cache stats.

Plain locust runs it as it is:

    CASTIEL_ADMIN_TOKEN=... locust -f load/castiel.py --host https://api-staging.castiel.com

Every shard is written under a ``drillbook-load-*`` tenant and a user deletes what it
created, so the data a run leaves behind stays bounded and easy to find.
"""

from __future__ import annotations

import os
import random
import uuid

from locust import HttpUser, between, task

SHARD = "/api/shards/{id}"  # one stats row for every shard id
KEEP_SHARDS = 20  # a user deletes its oldest shard beyond this many, so a long run stays bounded


class CastielUser(HttpUser):
    """One tenant reading mostly, writing some, and an operator glancing at the cache."""

    wait_time = between(0.5, 1.5)  # think time between actions

    def on_start(self) -> None:
        self.tenant = f"drillbook-load-{uuid.uuid4().hex[:12]}"
        self.shards: list[str] = []
        self.admin_token = os.environ.get("CASTIEL_ADMIN_TOKEN", "")
        self.create_shard()

    def on_stop(self) -> None:
        while self.shards:
            self._delete(self.shards.pop())

    @task(6)
    def read_shard(self) -> None:
        if not self.shards:
            return self.create_shard()
        self.client.get(f"/api/shards/{random.choice(self.shards)}", name=SHARD)

    @task(3)
    def list_shards(self) -> None:
        self.client.get("/api/shards", params={"tenantId": self.tenant, "limit": 20}, name="/api/shards")

    @task(2)
    def create_shard(self) -> None:
        body = {"tenantId": self.tenant, "name": f"load {len(self.shards)}", "content": "drillbook load drill"}
        with self.client.post("/api/shards", json=body, name="/api/shards", catch_response=True) as response:
            shard_id = _shard_id(response)
            if shard_id is None:
                response.failure(_no_shard(response))
                return
            self.shards.append(shard_id)
        if len(self.shards) > KEEP_SHARDS:
            self._delete(self.shards.pop(0))

    @task(1)
    def admin_cache_stats(self) -> None:
        if self.admin_token:  # without a token this flow is not exercised (401s would read as API errors)
            self.client.get("/api/admin/cache/stats", headers={"Authorization": f"Bearer {self.admin_token}"})

    def _delete(self, shard_id: str) -> None:
        self.client.delete(f"/api/shards/{shard_id}", name=SHARD)


def _no_shard(response) -> str:
    """Why a create gave no shard: the connection error when it never reached the API (locust's status 0)."""
    error = getattr(response, "error", None)
    if response.status_code or error is None:
        return f"create answered {response.status_code} without a shard id"
    reason = getattr(error.args[0], "reason", None) if error.args else None  # requests wraps urllib3's MaxRetryError
    text = str(reason or error).split(">: ", 1)[-1]  # urllib3 starts with "<HTTPSConnection object at 0x...>: "
    return f"create never reached the API: {type(error).__name__}: {text}"


def _shard_id(response) -> str | None:
    """The new shard's id, or None when the answer is not a created shard."""
    if response.status_code != 201:
        return None
    try:
        return response.json().get("id")
    except ValueError:
        return None
