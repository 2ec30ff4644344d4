"""A Castiel stand-in on loopback whose chosen routes misbehave: a trickled answer, or a huge one.

    with MisbehavingTarget({"/health": Trickle(interval_s=0.2)}) as target:
        httpx.get(f"{target.url}/health")         # one byte every 0.2 s

Every other route answers like a healthy Castiel (health, readiness, admin routes
that refuse strangers). Used by tests/test_http_bounds.py and benchmarks/bounded_bodies.py.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

from loopback import reply_json

HEALTHY = {"status": "healthy", "version": "1.4.2"}
READY = {"status": "healthy", "dependencies": {name: {"status": "up"} for name in ("cosmos", "redis", "embedding_queue")}}
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Trickle:
    """The answer's body (or, with ``headers``, the whole answer) one byte every ``interval_s``."""

    interval_s: float
    length: int = 64
    headers: bool = False


@dataclass(frozen=True)
class Huge:
    """A 200 with a JSON body of ``size`` bytes, sent as fast as the client reads."""

    size: int


class MisbehavingTarget:
    """A threaded HTTP server on 127.0.0.1 serving inside its ``with`` block."""

    def __init__(self, routes: dict[str, Trickle | Huge]) -> None:
        self.routes, self.closing = routes, threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()  # trickling handlers stop at their next byte
        self._server.shutdown()
        self._server.server_close()


def _handler(target: MisbehavingTarget) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):  # HTTP/1.0: one request per connection, so unread bodies do no harm
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            behaviour = target.routes.get(self.path.split("?")[0])
            try:
                if isinstance(behaviour, Trickle):
                    _trickle(self, behaviour, target.closing)
                elif isinstance(behaviour, Huge):
                    _huge(self, behaviour.size)
                else:
                    reply_json(self, *_normal(self.path.split("?")[0]))
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading: what a bounded client does

        do_DELETE = do_POST = do_GET

        def log_message(self, *args: object) -> None:
            """Quiet: the tests assert on what the client saw."""

    return Handler


def _normal(path: str) -> tuple[int, dict]:
    if path.startswith("/api/admin/"):
        return 401, {"error": "missing bearer token"}
    answers = {"/health": HEALTHY, "/health/live": {"status": "alive"}, "/health/ready": READY}
    return (200, answers[path]) if path in answers else (404, {"error": "Not Found"})


def _trickle(handler: BaseHTTPRequestHandler, trickle: Trickle, closing: threading.Event) -> None:
    body = json.dumps(HEALTHY).encode().ljust(trickle.length)
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    if not trickle.headers:
        handler.wfile.write(head)
        handler.wfile.flush()
        head = b""
    for byte in head + body:
        if closing.wait(trickle.interval_s):
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()


def _huge(handler: BaseHTTPRequestHandler, size: int) -> None:
    prefix, suffix = b'{"status": "healthy", "version": "1.4.2", "pad": "', b'"}'
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    handler.wfile.write(prefix)
    left, pad = size - len(prefix) - len(suffix), b"x" * CHUNK
    while left > 0:
        handler.wfile.write(pad[:left])
        left -= min(left, CHUNK)
    handler.wfile.write(suffix)
