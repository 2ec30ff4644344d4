"""Bounds on one HTTP exchange: a deadline over all of it, and a cap on the body it reads.

>>> transport = BoundedTransport(verify=True, deadline_s=5.0, body_cap=lambda path: 1 << 20)
>>> transport.handle_request(request)        # BodyTooLarge past the cap; httpcore's timeouts at the deadline

httpx's timeouts bound each socket operation, so a target that trickles one
byte per second never times out. Here each socket operation of an exchange
(connect, TLS, send, every read) waits at most until the exchange's deadline,
and the body is read in chunks that stop at the cap, so nothing is buffered past it.
"""

from __future__ import annotations

import os
import ssl
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator
from urllib.parse import urlsplit

import httpcore
import httpx

from drillbook.errors import BodyTooLarge

MIB = 1 << 20
_current = threading.local()  # httpcore's sync I/O runs on the calling thread, so the budget is per thread


@dataclass
class Budget:
    """What one exchange may still spend, and what it has received so far (raw bytes, headers included)."""

    deadline: float
    received: int = 0


@contextmanager
def exchange_budget(seconds: float) -> Iterator[Budget]:
    """Every socket operation on this thread inside the block ends by ``seconds`` from now."""
    budget = Budget(time.monotonic() + seconds)
    _current.budget = budget
    try:
        yield budget
    finally:
        _current.budget = None


def _clamp(timeout: float | None, expired: type[Exception]) -> float | None:
    """The operation's own timeout, shortened to what is left of the exchange's deadline."""
    budget = getattr(_current, "budget", None)
    if budget is None:
        return timeout
    left = budget.deadline - time.monotonic()
    if left <= 0:
        raise expired("the exchange's deadline has passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every operation ends by the exchange's deadline, counting what it reads."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = self._inner.read(max_bytes, _clamp(timeout, httpcore.ReadTimeout))
        budget = getattr(_current, "budget", None)
        if budget is not None:
            budget.received += len(data)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clamp(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        tls = self._inner.start_tls(ssl_context, server_hostname, _clamp(timeout, httpcore.ConnectTimeout))
        return DeadlineStream(tls)

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own sync backend, with every stream under the exchange's deadline."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options=None) -> httpcore.NetworkStream:
        stream = self._inner.connect_tcp(host, port, _clamp(timeout, httpcore.ConnectTimeout), local_address,
                                         socket_options)
        return DeadlineStream(stream)

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options=None) -> httpcore.NetworkStream:
        stream = self._inner.connect_unix_socket(path, _clamp(timeout, httpcore.ConnectTimeout), socket_options)
        return DeadlineStream(stream)

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class BoundedTransport(httpx.BaseTransport):
    """httpcore under a per-exchange deadline; answers come back read in full, or not at all past the cap.

    Raises httpcore's exceptions (timeouts, network and protocol errors) and BodyTooLarge.
    """

    def __init__(self, *, verify, deadline_s: float, body_cap: Callable[[str], int]) -> None:
        self._deadline_s, self._body_cap, self._verify = deadline_s, body_cap, verify
        self._pools: dict[bytes, httpcore.ConnectionPool] = {}
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with exchange_budget(self._deadline_s) as budget:
            try:
                answer = self._pool(request.url.raw_scheme).handle_request(_core_request(request))
                try:
                    body = _read_capped(answer, self._body_cap(request.url.path))
                finally:
                    answer.close()
            finally:
                _current.received = budget.received
        return httpx.Response(answer.status, headers=answer.headers, stream=httpx.ByteStream(body),
                              extensions=answer.extensions)

    def _pool(self, scheme: bytes) -> httpcore.ConnectionPool:
        """One pool per scheme, made on first use: a plain-http target never loads a trust store (~50 ms)."""
        with self._lock:
            if scheme not in self._pools:
                context = shared_ssl_context(self._verify) if scheme == b"https" else None
                self._pools[scheme] = httpcore.ConnectionPool(
                    ssl_context=context, retries=0, max_connections=100, max_keepalive_connections=20,
                    keepalive_expiry=5.0, network_backend=DeadlineBackend())
            return self._pools[scheme]

    def close(self) -> None:
        with self._lock:
            pools, self._pools = list(self._pools.values()), {}
        for pool in pools:
            pool.close()


_contexts: dict[tuple, ssl.SSLContext] = {}


def context_for(url: str, verify: bool | str | ssl.SSLContext) -> bool | str | ssl.SSLContext:
    """What a plain httpx client for ``url`` verifies with: the shared context, or for plain http none loaded.

    A plain-http client makes no handshake, so loading the trust store (~50 ms) buys nothing; it gets a context
    that trusts nothing instead, so an https request sent through it by mistake fails rather than goes unchecked.
    """
    if isinstance(verify, str):
        return verify
    if urlsplit(url).scheme == "http":
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return shared_ssl_context(verify)


def shared_ssl_context(verify: bool | ssl.SSLContext) -> ssl.SSLContext:
    """httpx's context for ``verify``, loaded once per process: every client of a run trusts the same store.

    Keyed by the variables httpx reads (SSL_CERT_FILE, SSL_CERT_DIR), so a changed store is loaded anew.
    """
    if isinstance(verify, ssl.SSLContext):
        return verify
    key = (verify, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    if key not in _contexts:
        _contexts[key] = httpx.create_ssl_context(verify=verify)
    return _contexts[key]


def received_bytes() -> int:
    """Raw bytes the calling thread's last exchange received before it ended (headers included)."""
    return getattr(_current, "received", 0)


def size_text(count: int) -> str:
    """1048576 -> '1 MiB'; 1536 -> '1.5 KiB'."""
    if count >= MIB:
        return f"{count / MIB:g} MiB"
    return f"{count / 1024:g} KiB" if count >= 1024 else f"{count} bytes"


def _core_request(request: httpx.Request) -> httpcore.Request:
    url = httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host, port=request.url.port,
                       target=request.url.raw_path)
    return httpcore.Request(method=request.method, url=url, headers=request.headers.raw, content=request.stream,
                            extensions=request.extensions)


def _read_capped(answer: httpcore.Response, cap: int) -> bytes:
    chunks, total = [], 0
    for chunk in answer.iter_stream():
        total += len(chunk)
        if total > cap:
            raise BodyTooLarge(f"body exceeds {size_text(cap)} (stopped reading)", cap)
        chunks.append(chunk)
    return b"".join(chunks)
