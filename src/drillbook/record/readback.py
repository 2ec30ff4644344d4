"""The record read back by ``python -m drillbook``: from the store an environment names, or from local files.

>>> store, env = open_record(journal_dir=None, env_name="staging", env_file=None)   # [record] of staging.toml
>>> open_record(journal_dir=Path("reports/journal"), env_name=None, env_file=None)  # local files, as before
>>> protection(store, env).line       # the container's protection against rewrite (blob stores only)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from drillbook.config.environments import Environment, load_environment
from drillbook.record.retention import Protection, container_protection
from drillbook.store import Store, open_store
from drillbook.store.local import LocalStore

DEFAULT_JOURNAL_DIR = Path("reports/journal")


def open_record(journal_dir: Path | None, env_name: str | None,
                env_file: Path | None) -> tuple[Store, Environment | None]:
    """The store named by ``--env``/``--env-file`` (its local one in ``journal_dir``), else ``journal_dir``'s files.

    Raises ConfigError for a bad environment file, StoreError when the store does not answer.
    """
    if env_name is None and env_file is None:
        return LocalStore(journal_dir or DEFAULT_JOURNAL_DIR), None
    env = load_environment(env_name, path=env_file)
    store = open_store(env.config.record, journal_dir or DEFAULT_JOURNAL_DIR, where=env.path.name)
    store.check()
    return store, env


def protection(store: Store, env: Environment | None, **arm_options: Any) -> Protection | None:
    """Whether a shared store's container is protected against rewrite; None for local files."""
    if not store.shared or env is None:
        return None
    return container_protection(env.config.record, env.config.azure, store.account_name, where=env.path.name,
                                **arm_options)
