"""Loopback stand-ins for the cloud: a threaded HTTP server, a real azure-core transport to it, a fake Entra ID.

A recorded service subclasses :class:`RecordedService` (raw ``.http`` answers per
resource, or a hang) or :class:`LoopbackServer` with its own handler; the real SDK
clients reach it through :class:`LoopbackTransport`, which moves the cloud host to
``X-Cloud-Host`` while sending and puts the URL back afterwards, so every policy
still sees ``https``:

    with RecordedAzure() as azure:                   # a LoopbackServer
        source = create_source(env, credential=FakeCredential(), transport=LoopbackTransport(azure.port))

A test module that imports ``loopback_only`` refuses, in each of its tests, any
name resolution off loopback.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import urlsplit, urlunsplit

import pytest
from azure.core.credentials import AccessToken
from azure.core.pipeline.transport import RequestsTransport

LOOPBACK = "127.0.0.1"
LOOPBACK_NAMES = (LOOPBACK, "localhost", "::1")
STALL_LIMIT_S = 30.0
HANG = "hang"  # an answer a recorded service never gives: see LoopbackServer.stall


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    """Refuse any name resolution off loopback: a misrouted request fails instead of reaching Azure."""
    resolve = socket.getaddrinfo

    def guarded(host, *args, **kwargs):
        if host not in LOOPBACK_NAMES:
            raise OSError(f"test network guard: {host} is not loopback")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded)


class _Server(ThreadingHTTPServer):
    """Each connection's TLS handshake runs in its own thread, not in the accept loop: a client that is slow to
    answer (or many at once, a load drill's users starting) would otherwise hold up every other connection."""

    # socketserver listens with a backlog of 5: a burst of new connections overflows it, and each dropped SYN
    # comes back a second later, read as a 1 s answer
    request_queue_size = 128
    tls: ssl.SSLContext | None = None

    def finish_request(self, request, client_address) -> None:
        if self.tls is None:
            return super().finish_request(request, client_address)
        try:
            request = self.tls.wrap_socket(request, server_side=True)
        except OSError:  # the client refused the certificate (or left): nothing to serve
            return None
        try:
            return super().finish_request(request, client_address)
        finally:
            request.close()


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 (over TLS when given a context), serving inside its ``with`` block."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None) -> None:
        self._server = _Server((LOOPBACK, 0), handler)
        self._server.daemon_threads = True
        self._server.tls = tls
        self.scheme = "http" if tls is None else "https"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._released = threading.Event()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"{self.scheme}://{LOOPBACK}:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._released.set()  # let stalled handlers go before the server shuts down
        self._server.shutdown()
        self._server.server_close()

    def stall(self) -> None:
        """Hold the calling handler, answering nothing, until the server closes: a hanging service."""
        self._released.wait(STALL_LIMIT_S)


class RecordedService(LoopbackServer):
    """A cloud endpoint answering GETs from recorded raw responses in ``recordings``.

    A subclass says which recording answers a request (``recording_for``); a test
    picks answers per resource name with ``answer`` or makes one hang with ``hang``.
    Every request is kept in ``seen`` (path, the cloud host it was meant for, Authorization).
    A recording is a raw response: status line, headers, a blank line, the body.
    """

    recordings: Path

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.answers: dict[str, str] = {}
        self.seen: list[dict] = []
        super().__init__(_recorded_handler(self), tls)

    def answer(self, name: str, recording: str) -> None:
        self.answers[name] = recording

    def hang(self, name: str) -> None:
        self.answers[name] = HANG

    def recording_for(self, path: str, authorization: str) -> str:
        raise NotImplementedError


def _recorded_handler(service: RecordedService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            authorization = self.headers.get("Authorization", "")
            service.seen.append({"path": self.path, "cloud_host": self.headers.get("X-Cloud-Host", ""),
                                 "authorization": authorization})
            recording = service.recording_for(self.path, authorization)
            if recording == HANG:
                service.stall()
                return
            _reply(self, (service.recordings / recording).read_bytes())

        def log_message(self, *args: object) -> None:
            """Quiet: tests assert on ``service.seen``."""

    return Handler


def reply_json(handler: BaseHTTPRequestHandler, status: int, body: object) -> None:
    """Answer ``body`` as JSON with ``status``: what every recorded or misbehaving test server sends."""
    data = json.dumps(body).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _reply(handler: BaseHTTPRequestHandler, raw: bytes) -> None:
    head, _, body = raw.partition(b"\n\n")
    status_line, *header_lines = head.decode().splitlines()
    handler.send_response(int(status_line.split()[1]))
    for line in header_lines:
        name, _, value = line.partition(":")
        handler.send_header(name.strip(), value.strip())
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class LoopbackTransport(RequestsTransport):
    """A real azure-core transport that delivers every request to the loopback server."""

    def __init__(self, port: int) -> None:
        super().__init__(use_env_settings=False)  # no proxy from the environment
        self.port = port
        self.sent: list[str] = []

    def send(self, request, **kwargs):  # type: ignore[override]
        cloud_url = request.url
        parts = urlsplit(cloud_url)
        if parts.hostname == LOOPBACK:
            self.sent.append(cloud_url)
            return super().send(request, **kwargs)
        request.headers["X-Cloud-Host"] = parts.netloc
        request.url = urlunsplit(("http", f"{LOOPBACK}:{self.port}", parts.path, parts.query, ""))
        self.sent.append(request.url)
        try:
            return super().send(request, **kwargs)
        finally:  # the policies after the transport (e.g. Key Vault's challenge) see the cloud URL again
            request.url = cloud_url
            del request.headers["X-Cloud-Host"]


class FakeCredential:
    """A TokenCredential double of Entra ID: a fixed fake token, and the scopes asked for."""

    TOKEN = "fake-token-do-not-leak-7f3c9a1e"

    def __init__(self) -> None:
        self.scopes: list[str] = []

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        self.scopes.extend(scopes)
        return AccessToken(self.TOKEN, int(time.time()) + 3600)


class NoIdentityCredential:
    """What DefaultAzureCredential does on a runner with no identity at all."""

    def get_token(self, *scopes: str, **kwargs: object) -> AccessToken:
        from azure.identity import CredentialUnavailableError  # imported on use: azure.identity is slow to load

        raise CredentialUnavailableError(
            "DefaultAzureCredential failed to retrieve a token from the included credentials. "
            "EnvironmentCredential: environment variables are not fully configured. "
            "AzureCliCredential: Azure CLI not found on path.")
