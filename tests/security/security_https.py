"""A small HTTPS target on loopback: stdlib http.server behind ssl, in a thread, with chosen headers.

>>> with serve_https(leaf, headers=GOOD_HEADERS) as url:
...     httpx.get(f"{url}/health", verify=str(authority.bundle))
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

from certificates import Leaf

GOOD_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
HANDSHAKE_TIMEOUT_S = 5


def _handler(headers: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            known = self.path.split("?")[0] in ("/health", "/health/live")
            body = json.dumps({"status": "healthy"} if known else {"error": "Not Found"}).encode()
            self.send_response(200 if known else 404)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:  # keep the test output clean
            pass

    return Handler


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext, headers: dict[str, str]):
        self.context = context
        super().__init__(("127.0.0.1", 0), _handler(headers))

    def get_request(self) -> tuple[socket.socket, tuple]:
        raw, address = self.socket.accept()
        raw.settimeout(HANDSHAKE_TIMEOUT_S)  # the handshake runs in the handler thread, bounded
        return self.context.wrap_socket(raw, server_side=True, do_handshake_on_connect=False), address


@contextmanager
def serve_https(leaf: Leaf, *, headers: dict[str, str] | None = None) -> Iterator[str]:
    """Serve until the block ends; yields ``https://127.0.0.1:PORT``."""
    server = _TLSServer(leaf.server_context(), GOOD_HEADERS if headers is None else headers)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port that accepts TCP connections and never speaks: a TLS handshake there hangs."""
    listener = socket.create_server(("127.0.0.1", 0))
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
