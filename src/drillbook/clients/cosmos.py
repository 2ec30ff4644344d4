"""Cosmos DB access for the database checks: short timeouts, no retry storms, one-line errors.

>>> target = CosmosTarget(settings_from_section(env.config.cosmos, where="staging.toml"))   # nothing sent yet
>>> database = target.database()                   # azure.cosmos is imported and the account read here
>>> props, ms = target.timed("read database castiel", database.read)

Every call is bounded by ``[cosmos] timeout_s``: the socket connect and read
timeouts, and the SDK's absolute ``timeout`` over a call and all its retries.
Connection retries are off and throttling retries are few, so a stopped or
paused Cosmos gives a verdict in seconds. After a connection failure or a
timeout, later calls fail at once with the same reason (a breaker, as in
:mod:`drillbook.clients.http`), so a dead account costs one timeout per run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping, TypeVar

from drillbook.errors import CosmosError, DrillbookError
from drillbook.config.secrets import SecretRef, resolve_secret

if TYPE_CHECKING:
    from drillbook.config.sections import CosmosContainer, CosmosSection

T = TypeVar("T")
SANDBOX = "sandbox"
THROTTLE_RETRIES = 1  # a 429 is retried once at most; the absolute timeout caps the wait anyway


@dataclass(frozen=True)
class CosmosSettings:
    """The resolved ``[cosmos]`` section: where the account is, how to sign in, what to expect."""

    endpoint: str
    database: str
    key: str | None = field(default=None, repr=False)  # None: sign in with DefaultAzureCredential
    timeout_s: float = 3.0
    read_budget_ms: float = 200.0
    containers: Mapping[str, CosmosContainer] = field(default_factory=dict)
    canary_container: str = "drillbook_canary"
    canary_prefix: str = "drillbook-canary-"
    canary_ttl_s: int = 3600

    @property
    def source(self) -> str:
        """Where the checks measure, for failure messages: ``<endpoint>/dbs/<database>``."""
        return f"{self.endpoint.rstrip('/')}/dbs/{self.database}"

    @property
    def account(self) -> str:
        """The account name (``cosmos-castiel-prod``) from the endpoint's host."""
        host = self.endpoint.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        return host.split(".", 1)[0]


def settings_from_section(cosmos: CosmosSection, *, where: str,
                          sandbox: Mapping[str, Any] | None = None) -> CosmosSettings:
    """Resolve ``[cosmos]`` (of the file ``where``); ``endpoint = "sandbox"`` takes the URL and key from
    ``/_sandbox/info``, a key reference is read."""
    endpoint, key = cosmos.endpoint, cosmos.key
    if endpoint == SANDBOX:
        if sandbox is None:
            raise DrillbookError(f'{where}: [cosmos] endpoint = "sandbox" but the target is not the sandbox')
        endpoint, key = sandbox["cosmos_url"], sandbox["cosmos_key"]
    elif isinstance(key, SecretRef):
        key = resolve_secret(key, where=f"{where}: [cosmos] key")
    return CosmosSettings(endpoint=endpoint, database=cosmos.database, key=key, timeout_s=cosmos.timeout_s,
                          read_budget_ms=cosmos.read_budget_ms, containers=cosmos.containers,
                          canary_container=cosmos.canary_container, canary_prefix=cosmos.canary_prefix,
                          canary_ttl_s=cosmos.canary_ttl_s)


def client_options(timeout_s: float) -> dict[str, Any]:
    """The CosmosClient keywords that bound every call (azure-cosmos 4.17)."""
    return {
        "connection_timeout": timeout_s, "read_timeout": timeout_s, "timeout": timeout_s,
        "retry_total": 0, "retry_connect": 0, "retry_read": 0, "retry_status": 0,
        "retry_throttle_total": THROTTLE_RETRIES, "retry_throttle_backoff_max": max(1, int(timeout_s)),
        "enable_endpoint_discovery": False,  # the account's own endpoint only: no region hopping
        "user_agent_suffix": "drillbook",
    }


def connect(settings: CosmosSettings, credential: Any = None, **options: Any) -> Any:
    """A CosmosClient; building it reads the account, so it fails here when Cosmos is down."""
    from azure.cosmos import CosmosClient  # heavy: only runs that select `database` pay for it
    from azure.cosmos.documents import ConnectionPolicy

    policy = ConnectionPolicy()
    # The account read that the constructor makes has fixed 3 s timeouts of its own, retried: use ours.
    policy.DBAConnectionTimeout = policy.DBAReadTimeout = settings.timeout_s
    return CosmosClient(settings.endpoint, credential=credential or settings.key, connection_policy=policy,
                        **{**client_options(settings.timeout_s), **options})


@dataclass(frozen=True)
class Failure:
    """An SDK error in one line; ``dead`` when the connection itself failed (refused, timed out)."""

    reason: str
    status: int | None = None
    dead: bool = False


def explain(exc: BaseException, timeout_s: float) -> Failure:
    """Turn an SDK or transport error into a one-line Failure."""
    from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError, ServiceResponseError
    from azure.cosmos.exceptions import CosmosClientTimeoutError, CosmosHttpResponseError

    if isinstance(exc, CosmosHttpResponseError):
        return Failure(_http_reason(exc), exc.status_code)
    if isinstance(exc, CosmosClientTimeoutError):
        return Failure(f"no answer within {timeout_s:g} s (the call's overall timeout, retries included)", dead=True)
    if isinstance(exc, ServiceResponseError) and "timed out" in str(exc).lower():
        return Failure(f"no answer within {timeout_s:g} s (read timeout)", dead=True)
    if isinstance(exc, ServiceRequestError):
        return Failure(f"cannot connect: {_socket_reason(exc)}", dead=True)
    if isinstance(exc, ClientAuthenticationError):
        return Failure(f"no Entra ID token ({type(exc).__name__}) -> az login, or set [cosmos] key", dead=True)
    return Failure(f"{type(exc).__name__}: {_first_line(exc)[:160]}")


def _http_reason(exc: Any) -> str:
    status = exc.status_code
    names = {401: "key or token refused", 403: "forbidden", 404: "not found", 408: "request timeout", 429: "throttled",
             503: "service unavailable"}
    label = names.get(status, "server error" if status and status >= 500 else "error")
    message = (getattr(exc, "message", "") or "").replace("\r", " ").split("\n")[0].strip()
    return f"{label} ({status}){': ' + message[:120] if message and message != 'None' else ''}"


def _socket_reason(exc: BaseException) -> str:
    text = _first_line(exc)
    for marker, reason in (("refused", "connection refused"), ("Name or service not known", "unknown host"),
                           ("timed out", "connect timed out")):
        if marker in text:
            return reason
    return text[:160]


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0]


class CosmosTarget:
    """One account and database, connected on first use, with a breaker for dead connections."""

    def __init__(self, settings: CosmosSettings, credential: Any = None, **options: Any) -> None:
        self.settings = settings
        self._credential, self._options = credential, options
        self._client: Any = None
        self._broken: str | None = None

    def database(self) -> Any:
        """The database proxy (no request of its own); connects the client on first use."""
        if self._client is None:
            self._client = self.call(f"connect to {self.settings.endpoint}", connect, self.settings,
                                     self._credential, **self._options)
        return self._client.get_database_client(self.settings.database)

    def call(self, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one SDK call; any failure becomes a CosmosError naming ``what`` and the reason."""
        if self._broken:
            raise CosmosError(what, f"{self._broken} (earlier in this run; not retried)")
        try:
            return function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every SDK failure is reported the same way
            failure = explain(exc, self.settings.timeout_s)
        if failure.dead:
            self._broken = failure.reason  # do not wait for a dead connection again
        raise CosmosError(what, failure.reason, failure.status)  # outside except: no chained traceback

    def timed(self, what: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
        """``call`` plus its wall time in ms."""
        started = time.perf_counter()
        result = self.call(what, function, *args, **kwargs)
        return result, (time.perf_counter() - started) * 1000

    def close(self) -> None:
        for resource in (self._client, self._credential):
            if resource is not None and hasattr(resource, "close"):
                resource.close()


def default_credential() -> Any:
    """Entra ID sign-in for an account without a key reference (az login, managed identity...)."""
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential(exclude_interactive_browser_credential=True)
