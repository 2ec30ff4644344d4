"""A tiny API on loopback with known contract bugs, and OpenAPI documents that describe parts of it.

    GET  /items/{id}   200 {"id": ...} for plain ids; 500 on odd input (anything but letters and digits)
    POST /items        201 {"id": "new"}: a write, counted
    GET  /stats        200 {"count": "three"}: the schema promises an integer
    GET  /admin/stats  401 without the bearer token, 200 with it
    GET  /slow         answers after 1 s
"""

from __future__ import annotations

import json
import re
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

ADMIN_TOKEN = "contract-admin-token-0123456789"
PLAIN_ID = re.compile(r"^[A-Za-z0-9]+$")
ERROR = {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ITEM = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}
OPERATIONS = {
    "GET /items/{id}": ("/items/{id}", "get", {
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}],
        "responses": {"200": _json("The item.", ITEM), "404": _json("No such item.", ERROR)}}),
    "POST /items": ("/items", "post", {
        "requestBody": {"required": True, "content": {"application/json": {"schema": ITEM}}},
        "responses": {"201": _json("Created.", ITEM), "400": _json("Bad body.", ERROR)}}),
    "GET /stats": ("/stats", "get", {
        "responses": {"200": _json("Counts.", {"type": "object", "properties": {"count": {"type": "integer"}},
                                                "required": ["count"]})}}),
    "GET /admin/stats": ("/admin/stats", "get", {
        "security": [{"bearerAuth": []}],
        "responses": {"200": _json("Counts.", {"type": "object"}), "401": _json("No token.", ERROR)}}),
    "GET /slow": ("/slow", "get", {
        "parameters": [{"name": "n", "in": "query", "required": True, "schema": {"type": "integer"}}],
        "responses": {"200": _json("Late.", {"type": "object"})}}),
}


def document(*labels: str) -> dict:
    """An OpenAPI 3.0 document with the chosen operations."""
    paths: dict = {}
    for label in labels:
        path, method, spec = OPERATIONS[label]
        paths.setdefault(path, {})[method] = spec
    return {"openapi": "3.0.3", "info": {"title": "contract test app", "version": "1"}, "paths": paths,
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # keep-alive answers would otherwise wait out a 40 ms delayed ACK

    def do_GET(self) -> None:
        self.server.seen.append(("GET", self.path, dict(self.headers)))
        path = self.path.split("?")[0]
        if path.startswith("/items/"):
            item = path.removeprefix("/items/")
            if PLAIN_ID.match(item):
                return self._send(200, {"id": item})
            return self._send(500, {"error": "Internal Server Error"})
        if path == "/stats":
            return self._send(200, {"count": "three"})
        if path == "/admin/stats":
            authorized = self.headers.get("Authorization") == f"Bearer {ADMIN_TOKEN}"
            return self._send(200, {"keys": 1}) if authorized else self._send(401, {"error": "no token"})
        if path == "/slow":
            time.sleep(1)
            return self._send(200, {})
        self._send(404, {"error": "Not Found"})

    def do_POST(self) -> None:
        self.server.seen.append(("POST", self.path, dict(self.headers)))
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(201, {"id": "new"})

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


class ContractApp(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request, client_address) -> None:
        pass  # a client that timed out and left is part of the tests, not an error

    def methods(self, path_prefix: str = "/") -> set[str]:
        return {method for method, path, _ in self.seen if path.startswith(path_prefix)}


@contextmanager
def serve_app() -> Iterator[ContractApp]:
    app = ContractApp()
    thread = threading.Thread(target=app.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        app.shutdown()
        app.server_close()
        thread.join(timeout=5)
