"""An HTTPS front for the sandbox on loopback: a real TLS address (as staging must have) passing requests through.

>>> with HttpsFront(sandbox.url, leaf.server_context()) as front:
...     front.url          # https://127.0.0.1:PORT, trusted through the test authority's bundle
"""

from __future__ import annotations

import ssl
from http.server import BaseHTTPRequestHandler

import httpx

from loopback import LoopbackServer

UPSTREAM_TIMEOUT_S = 10.0
PASSED_HEADERS = ("authorization", "accept", "content-type")


class HttpsFront(LoopbackServer):
    """Serves ``upstream``'s answers (status, content type, body) to GET, POST and DELETE over TLS."""

    def __init__(self, upstream: str, tls: ssl.SSLContext) -> None:
        self.upstream = httpx.Client(base_url=upstream, timeout=UPSTREAM_TIMEOUT_S)
        super().__init__(_handler_for(self), tls)

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.upstream.close()


def _handler_for(front: HttpsFront) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a load drill's users reuse their TLS sessions, as with a real front

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self.pass_on("GET")

        def do_POST(self) -> None:  # noqa: N802
            self.pass_on("POST")

        def do_DELETE(self) -> None:  # noqa: N802
            self.pass_on("DELETE")

        def pass_on(self, method: str) -> None:
            headers = {k: v for k, v in self.headers.items() if k.lower() in PASSED_HEADERS}
            sent = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                answer = front.upstream.request(method, self.path, headers=headers, content=sent)
                status, body, kind = answer.status_code, answer.content, answer.headers.get("content-type", "")
            except httpx.HTTPError as exc:
                status, body, kind = 502, f"front: upstream {type(exc).__name__}".encode(), "text/plain"
            try:
                self.send_response(status)
                self.send_header("Content-Type", kind or "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:  # the client gave up waiting (its timeout): nobody to answer
                self.close_connection = True

        def log_message(self, *args: object) -> None:
            """Quiet: the sandbox logs the requests."""

    return Handler
