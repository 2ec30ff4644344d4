"""The ``[azure_load_testing]`` section: which Azure Load Testing resource runs the locustfile, and how long to wait.

    [load]
    engine = "azure"                      # or --load-engine azure
    [azure_load_testing]
    endpoint = "https://<id>.<region>.cnt-prod.loadtesting.azure.com"   # the resource's data-plane URI
    test_id = "drillbook-castiel-load"
    engine_instances = 4
    admin_token = { keyvault = "https://kv-castiel-staging.vault.azure.net", secret = "castiel-admin-token" }

Secrets go by reference only: the engines read the Key Vault secret themselves,
so its value never passes through drillbook.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

from drillbook.errors import ConfigError
from drillbook.config.secrets import SecretRef

MAX_ENGINES = 45  # the service's limit per test
# The names load/castiel.py gives its requests: the per-request p95 criteria are set on these.
CASTIEL_REQUESTS = ["/api/shards/{id}", "/api/shards", "/api/admin/cache/stats"]
_TEST_ID = re.compile(r"^[a-z0-9_-]{2,50}$")
ENDPOINT_EXAMPLE = '"https://<id>.<region>.cnt-prod.loadtesting.azure.com"'


@dataclass(frozen=True)
class AzureLoadTesting:
    """One Azure Load Testing resource and test, and the bounds on every wait."""

    endpoint: str
    test_id: str
    engine_instances: int
    resource_id: str | None = None
    admin_token_uri: str | None = None  # a Key Vault secret URI the engines read as CASTIEL_ADMIN_TOKEN
    request_names: tuple[str, ...] = tuple(CASTIEL_REQUESTS)
    poll_interval_s: float = 5.0
    max_wait_s: float = 900.0  # beyond the shape: engines take minutes to provision and to report
    call_timeout_s: float = 30.0

    @property
    def host(self) -> str:
        """The endpoint as the SDK takes it: no scheme (it prepends ``https://`` itself)."""
        return self.endpoint.split("://", 1)[1]


def to_endpoint(value: Any) -> str:
    if not isinstance(value, str) or not re.match(r"^https://[^/\s]+/?$", value):
        raise ValueError("expected the resource's data-plane URI: https:// and a host, no path")
    return value.rstrip("/")


def to_test_id(value: Any) -> str:
    if not isinstance(value, str) or not _TEST_ID.match(value):
        raise ValueError("expected 2 to 50 lower-case letters, digits, '-' or '_'")
    return value


def to_engine_instances(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ENGINES:
        raise ValueError(f"must be a whole number from 1 to {MAX_ENGINES}")
    return value


def to_keyvault_ref(value: Any) -> SecretRef:
    from drillbook.config.schema import to_secret_ref  # the schema imports this module: import it on use

    ref = to_secret_ref(value)
    if not ref.keyvault:
        raise ValueError("the engines read it from Key Vault themselves: give "
                         '{ keyvault = "https://<vault>.vault.azure.net", secret = "<name>" }')
    return ref


def azure_from(section: Mapping[str, Any] | None) -> AzureLoadTesting:
    """The section as settings; the endpoint is the one key the azure engine cannot do without."""
    if not section or not section.get("endpoint"):
        raise ConfigError("[load] engine = \"azure\" needs [azure_load_testing] endpoint -> add the resource's "
                          f"data-plane URI, e.g. endpoint = {ENDPOINT_EXAMPLE}")
    token = section["admin_token"]
    return AzureLoadTesting(
        endpoint=section["endpoint"], test_id=section["test_id"], engine_instances=int(section["engine_instances"]),
        resource_id=section["resource_id"], admin_token_uri=_secret_uri(token) if token else None,
        request_names=tuple(section["request_names"]), poll_interval_s=section["poll_interval_s"],
        max_wait_s=section["max_wait_s"], call_timeout_s=section["call_timeout_s"])


def _secret_uri(ref: SecretRef) -> str:
    return f"{ref.keyvault.rstrip('/')}/secrets/{ref.secret}"
