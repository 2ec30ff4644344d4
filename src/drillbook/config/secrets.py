"""Secret references: an environment variable or a Key Vault secret, never a value.

An environment file names where a secret lives::

    admin_token = { env = "CASTIEL_ADMIN_TOKEN" }
    admin_token = { keyvault = "https://kv-castiel-prod.vault.azure.net", secret = "castiel-admin-token" }

Every value resolved here is registered with :mod:`drillbook.redaction`, so it
is scrubbed from reports, logs and JUnit XML wherever it turns up.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from drillbook import redaction
from drillbook.errors import ConfigError

KEYVAULT_TIMEOUT_S = 10.0


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


def resolve_secret(ref: SecretRef, *, where: str, **client_options: Any) -> str | None:
    """Return the secret's value (registered for redaction), or raise ConfigError.

    ``client_options`` reach the Key Vault ``SecretClient`` (``credential``,
    ``transport``, ``read_timeout``...); the defaults suit a real vault.
    """
    value = _read_env(ref, where) if ref.env else _read_keyvault(ref, where, client_options)
    if value:
        redaction.register_secret(value)
    return value


def register_env_references(references: Iterable[SecretRef]) -> None:
    """Register every ``{ env = ... }`` value of the file now, so each process masks it before any check reads it."""
    for ref in references:
        if ref.env and os.environ.get(ref.env):
            redaction.register_secret(os.environ[ref.env])


def _read_env(ref: SecretRef, where: str) -> str | None:
    value = os.environ.get(ref.env or "", "")
    if value or ref.optional:
        return value or None
    raise ConfigError(
        f"{where}: environment variable {ref.env} is not set "
        f"-> export {ref.env}=... (the value stays out of files and reports)"
    )


def _read_keyvault(ref: SecretRef, where: str, client_options: dict[str, Any]) -> str | None:
    # Imported on use: a local or smoke run must not pay for the Azure SDK.
    from azure.core.exceptions import AzureError
    from azure.keyvault.secrets import SecretClient

    options = {"retry_total": 1, **client_options}
    try:
        credential = options.pop("credential", None) or _default_credential()
    except ConfigError as exc:  # an identity variable set but empty: name the reference it stopped
        raise ConfigError(f"{where}: {exc}") from None
    # Per call, so that they bind whichever transport the client has.
    timeouts = {"connection_timeout": options.pop("connection_timeout", KEYVAULT_TIMEOUT_S),
                "read_timeout": options.pop("read_timeout", KEYVAULT_TIMEOUT_S)}
    try:
        return SecretClient(ref.keyvault, credential, **options).get_secret(ref.secret, **timeouts).value
    except AzureError as exc:
        if ref.optional:
            return None
        raise ConfigError(f"{where}: cannot read {ref.describe()}: {_why(exc, timeouts['read_timeout'])}") from None


def _why(exc: Exception, timeout_s: float) -> str:
    """One line: what Key Vault (or the sign-in) said, then the fix."""
    from azure.core.exceptions import (
        ClientAuthenticationError, HttpResponseError, ResourceNotFoundError, ServiceRequestError,
        ServiceResponseError,
    )

    said = _first_line(getattr(exc, "message", None) or str(exc))
    status = getattr(exc, "status_code", None)
    if isinstance(exc, ResourceNotFoundError):
        return f"{said} -> check secret = \"...\" in the environment file, or create the secret in that vault"
    if isinstance(exc, ClientAuthenticationError) and status is None:
        return f"no Azure identity ({said}) -> sign in (az login, or a managed identity on the runner)"
    if isinstance(exc, HttpResponseError) and status in (401, 403):
        return (f"HTTP {status}, {said} -> grant the runner's identity the 'Key Vault Secrets User' role "
                "(or a Get secret access policy) on that vault")
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return (f"no answer (timeout {timeout_s:g} s): {said} "
                "-> check the vault URL and the runner's egress to *.vault.azure.net")
    return f"{said} -> check the vault URL, the secret name and the runner's access"


def _first_line(text: str, limit: int = 160) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


IDENTITY_VARIABLES = ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
                      "AZURE_FEDERATED_TOKEN_FILE", "AZURE_USERNAME")  # what DefaultAzureCredential reads


def default_credential() -> Any:
    """DefaultAzureCredential, for a client that owns (and closes) it; the az CLI must answer within 10 s."""
    from azure.identity import DefaultAzureCredential

    try:
        return DefaultAzureCredential(process_timeout=10)
    except ValueError as exc:  # e.g. AZURE_CLIENT_ID set but empty: a pipeline's secret that was not there
        set_vars = ", ".join(name for name in IDENTITY_VARIABLES if name in os.environ) or "none"
        raise ConfigError(f"DefaultAzureCredential cannot be built: {exc} -> check the identity variables this "
                          f"process has ({set_vars}): an empty one counts as set; unset it or give its value") from None


@cache
def _default_credential() -> Any:
    """One DefaultAzureCredential per run: every vault reference then shares its token."""
    return default_credential()
