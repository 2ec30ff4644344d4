"""A target whose cache clear misbehaves: a loopback proxy in front of the real sandbox.

Every request is forwarded to the sandbox unchanged, except
``POST /api/admin/cache/clear``, which does what ``mode`` says:

- ``"everything"``: forwards the clear with the pattern ``*`` (a server that ignores the pattern);
- ``"nothing"``: answers 200 without clearing anything;
- ``"then_full"``: forwards the clear, then leaves Redis unable to store anything (the cache cannot warm).
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler

import httpx
import redis
from loopback import LoopbackServer

CLEAR_PATH = "/api/admin/cache/clear"
HOP_HEADERS = {"host", "content-length", "transfer-encoding", "connection"}


class ClearProxy(LoopbackServer):
    def __init__(self, upstream: str, redis_client: redis.Redis, mode: str) -> None:
        self.upstream, self.redis, self.mode = upstream, redis_client, mode
        self.clears: list[dict] = []
        super().__init__(_handler_for(self))

    def forward(self, method: str, path: str, headers: dict, body: bytes) -> httpx.Response:
        if method == "POST" and path == CLEAR_PATH:
            return self._clear(headers, body)
        return httpx.request(method, self.upstream + path, headers=headers, content=body, timeout=10)

    def _clear(self, headers: dict, body: bytes) -> httpx.Response:
        asked = json.loads(body or b"{}")
        self.clears.append(asked)
        if self.mode == "nothing":
            return httpx.Response(200, json={"pattern": asked.get("pattern"), "deleted": 0})
        sent = {"pattern": "*"} if self.mode == "everything" else asked
        response = httpx.post(self.upstream + CLEAR_PATH, headers=headers, json=sent, timeout=10)
        if self.mode == "then_full":
            self.redis.config_set("maxmemory-policy", "noeviction")
            self.redis.config_set("maxmemory", "1")
        return response


def _handler_for(proxy: ClearProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            response = proxy.forward(self.command, self.path, headers, body)
            self.send_response(response.status_code)
            for name, value in response.headers.items():
                if name.lower() not in HOP_HEADERS | {"content-encoding"}:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.content)))
            self.end_headers()
            self.wfile.write(response.content)

        do_GET = do_POST = do_PUT = do_DELETE = _relay  # noqa: N815 (http.server's naming)

        def log_message(self, *args: object) -> None:
            """Quiet."""

    return Handler
