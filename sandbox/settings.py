"""What a sandbox run is configured with: options, environment, and tokens.

Tokens come from the environment when set; otherwise they are generated for
this run and the caller is told which ones, so it can print them once.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

ADMIN_TOKEN_ENV = "CASTIEL_ADMIN_TOKEN"
FAULT_TOKEN_ENV = "SANDBOX_FAULT_TOKEN"
VERSION_ENV = "SANDBOX_VERSION"
DEFAULT_VERSION = "1.4.2"
SLOT_VERSION_ENV = "SANDBOX_SLOT_VERSION"
DEFAULT_SLOT_VERSION = "1.4.1"  # the staging slot: the previous build, ready to swap back


@dataclass(frozen=True)
class Settings:
    """One sandbox run.

    >>> Settings.from_env(version=None, port=0)
    Settings(port=0, version='1.4.2', ...)
    """

    admin_token: str = field(repr=False)  # never in a log line or a traceback
    fault_token: str = field(repr=False)
    port: int = 0
    version: str = DEFAULT_VERSION
    slot_version: str = DEFAULT_SLOT_VERSION
    redis_maxmemory: str = "64mb"
    cache_ttl_s: int = 300
    ready_file: Path | None = None
    workdir: Path | None = None  # child logs; a fresh temp dir when None
    generated: tuple[str, ...] = field(default=())  # env names whose tokens we made up

    @classmethod
    def from_env(cls, version: str | None = None, env: dict | None = None, **options) -> Settings:
        env = os.environ if env is None else env
        admin, admin_made = _token(env, ADMIN_TOKEN_ENV)
        fault, fault_made = _token(env, FAULT_TOKEN_ENV)
        generated = tuple(name for name, made in ((ADMIN_TOKEN_ENV, admin_made), (FAULT_TOKEN_ENV, fault_made))
                          if made)
        return cls(admin_token=admin, fault_token=fault, generated=generated,
                   version=version or env.get(VERSION_ENV) or DEFAULT_VERSION,
                   slot_version=env.get(SLOT_VERSION_ENV) or DEFAULT_SLOT_VERSION, **options)

    def token_for(self, env_name: str) -> str:
        return self.admin_token if env_name == ADMIN_TOKEN_ENV else self.fault_token


def _token(env, name: str) -> tuple[str, bool]:
    value = env.get(name, "").strip()
    if value:
        return value, False
    return secrets.token_urlsafe(24), True
