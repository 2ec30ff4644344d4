"""Secret references: an environment variable or a Key Vault secret, never a value.

An environment file names where a secret lives::

    admin_token = { env = "CASTIEL_ADMIN_TOKEN" }
    admin_token = { keyvault = "https://kv-castiel-prod.vault.azure.net", secret = "castiel-admin-token" }

Every value resolved here is registered with :mod:`drillbook.redaction`, so it
is scrubbed from reports, logs and JUnit XML wherever it turns up.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from drillbook import redaction
from drillbook.errors import ConfigError


@dataclass(frozen=True)
class SecretRef:
    """Where a secret lives; ``describe()`` is safe to print, the value is not."""

    env: str | None = None
    keyvault: str | None = None
    secret: str | None = None
    optional: bool = False

    def describe(self) -> str:
        if self.env:
            return f"environment variable {self.env}"
        return f"Key Vault secret {self.secret!r} in {self.keyvault}"


def resolve_secret(ref: SecretRef, *, where: str) -> str | None:
    """Return the secret's value (registered for redaction), or raise ConfigError."""
    value = _read_env(ref, where) if ref.env else _read_keyvault(ref, where)
    if value:
        redaction.register_secret(value)
    return value


def _read_env(ref: SecretRef, where: str) -> str | None:
    value = os.environ.get(ref.env or "", "")
    if value or ref.optional:
        return value or None
    raise ConfigError(
        f"{where}: environment variable {ref.env} is not set "
        f"-> export {ref.env}=... (the value stays out of files and reports)"
    )


def _read_keyvault(ref: SecretRef, where: str) -> str | None:
    # Imported on use: a local or smoke run must not pay for the Azure SDK.
    from azure.core.exceptions import AzureError
    from azure.identity import DefaultAzureCredential
    from azure.keyvault.secrets import SecretClient

    try:
        client = SecretClient(ref.keyvault, DefaultAzureCredential(), retry_total=1, connection_timeout=5)
        return client.get_secret(ref.secret).value
    except AzureError as exc:
        if ref.optional:
            return None
        reason = str(exc).splitlines()[0][:160]
        raise ConfigError(
            f"{where}: cannot read {ref.describe()}: {reason} "
            "-> sign in (az login / managed identity) with get access to that vault"
        ) from None
