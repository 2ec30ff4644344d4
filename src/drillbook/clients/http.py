"""The HTTP client every check uses: bounded exchanges, TLS, auth, a user agent, evidence, and a breaker.

>>> client = build_client(env.http_target, token=None)   # plain settings: [http], the base URL, the documents
>>> client.get("/health").status_code
200

Every exchange ends within ``[http] timeout_s`` (connect, send and the whole
answer) and reads at most ``[http] max_body_mib`` of body (``max_document_body_mib``
for the target's documents: ``/metrics`` and the OpenAPI document); see ``drillbook.clients.bounds``.

The breaker makes a dead target cheap: after the first connection failure every
later request to that host fails at once with the same reason, and a route that
timed out once is not waited on again. A hanging target costs at most two
timeouts per process, not one per check.
"""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

import httpcore
import httpx

from drillbook import __version__
from drillbook.clients.bounds import MIB, BodyTooLarge, BoundedTransport, received_bytes
from drillbook.config.sections.http import HttpTarget
from drillbook.errors import TargetError

HANG_TRIP_ROUTES = 2  # distinct routes timing out before the whole host counts as hanging
# Set on a request that never left this machine (no connection: refused, no address, the breaker): it changed nothing.
NOT_SENT = "drillbook_not_sent"


@dataclass
class Exchange:
    """One request/response pair, kept for the evidence (redacted when attached)."""

    request: httpx.Request
    response: httpx.Response | None
    elapsed_ms: float
    error: str | None = None


@dataclass
class Breaker:
    """Remembers why a host or route failed so later calls fail fast with that reason."""

    enabled: bool = True  # the probe's own traffic must keep measuring, so it runs without one
    host_failure: dict[str, str] = field(default_factory=dict)
    route_failure: dict[tuple[str, str], str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, request: httpx.Request) -> None:
        if not self.enabled:
            return
        host, route = _host(request), (_host(request), request.url.path)
        reason = self.host_failure.get(host) or self.route_failure.get(route)
        if reason:
            request.extensions[NOT_SENT] = True
            raise TargetError(f"{reason} (earlier in this run; not retried)")

    def record(self, request: httpx.Request, reason: str, *, host_down: bool) -> None:
        """Remember a failure: the whole host when it is unreachable, else the route (two routes: the host)."""
        host = _host(request)
        with self.lock:
            if host_down:
                self.host_failure[host] = reason
                return
            self.route_failure[(host, request.url.path)] = reason
            if sum(1 for h, _ in self.route_failure if h == host) >= HANG_TRIP_ROUTES:
                self.host_failure[host] = f"target {host} hangs: {HANG_TRIP_ROUTES} routes timed out"


class GuardedTransport(httpx.BaseTransport):
    """Wraps the real transport: fails fast through the breaker and records every exchange."""

    def __init__(self, inner: httpx.BaseTransport, breaker: Breaker, timeout_s: float,
                 on_exchange: Callable[[Exchange], None] | None = None) -> None:
        self._inner, self._breaker, self._timeout_s = inner, breaker, timeout_s
        self._on_exchange = on_exchange or (lambda exchange: None)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._breaker.check(request)
        started = time.perf_counter()
        try:
            response = self._inner.handle_request(request)
            response.read()
        except BodyTooLarge as exc:  # an answer, only too big: the next request may be fine, so no breaker
            self._fail(request, started, str(exc))
        except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
            request.extensions[NOT_SENT] = True
            self._fail(request, started, f"target {_host(request)} unreachable: {_short(exc)}", host_down=True)
        except httpcore.TimeoutException:
            self._fail(request, started, self._no_answer(), host_down=False)
        except (httpcore.NetworkError, httpcore.ProtocolError, httpx.DecodingError) as exc:
            self._fail(request, started, f"the answer broke off ({_bytes(received_bytes())} received): {_short(exc)}")
        elapsed = _ms_since(started)
        response.extensions["drillbook_elapsed_ms"] = elapsed
        self._on_exchange(Exchange(request, response, elapsed))
        return response

    def _no_answer(self) -> str:
        received = received_bytes()
        if not received:
            return f"no answer within {self._timeout_s:g} s"
        return f"no complete answer within {self._timeout_s:g} s ({_bytes(received)} received)"

    def _fail(self, request: httpx.Request, started: float, reason: str, *, host_down: bool | None = None):
        """Record the failed exchange (and, for a dead host or route, the breaker) and raise TargetError."""
        if host_down is not None:
            self._breaker.record(request, reason, host_down=host_down)
        self._on_exchange(Exchange(request, None, _ms_since(started), reason))
        raise TargetError(reason) from None

    def close(self) -> None:
        self._inner.close()


_SHARED_BREAKER = Breaker()


def build_client(target: HttpTarget, *, token: str | None = None, breaker: Breaker | None = None,
                 on_exchange: Callable[[Exchange], None] | None = None) -> httpx.Client:
    """An ``httpx.Client`` for ``target`` (the ``[http]`` section and the base URL); ``token`` adds a bearer header."""
    http = target.http
    timeout = httpx.Timeout(http.timeout_s, connect=http.connect_timeout_s)
    verify = ssl.create_default_context(cafile=http.ca_bundle) if http.ca_bundle else http.verify_tls
    inner = BoundedTransport(verify=verify, deadline_s=http.timeout_s, body_cap=body_cap_for(target))
    transport = GuardedTransport(inner, breaker or _SHARED_BREAKER, http.timeout_s, on_exchange)
    headers = {"User-Agent": http.user_agent or f"drillbook/{__version__} (env={target.environment})"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=target.base_url, timeout=timeout, headers=headers, transport=transport,
                        follow_redirects=False)


def body_cap_for(target: HttpTarget) -> Callable[[str], int]:
    """The body cap of a path: the target's documents (/metrics, the OpenAPI document) get the larger one."""
    small, large = int(target.http.max_body_mib * MIB), int(target.http.max_document_body_mib * MIB)
    return lambda path: large if path in target.documents else small


def elapsed_ms(response: httpx.Response) -> float:
    """Wall time of the exchange as the transport measured it (headers and body)."""
    return response.extensions["drillbook_elapsed_ms"]


def _host(request: httpx.Request) -> str:
    return urlsplit(str(request.url)).netloc


def _short(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:160]


def _bytes(count: int) -> str:
    return f"{count} byte{'s' if count != 1 else ''}"


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
