"""A loopback stand-in for Azure Resource Manager that answers each request from recorded answers, in order.

The real management clients (azure-mgmt-web, -redis, -chaos, -cosmosdb) run unchanged through
tests/loopback.py's transport. A test says what a route answers, once or as a sequence (the
last answer repeats), and asserts on ``seen``, every request with its method, path, body and time:

>>> with RecordedArm() as arm:
...     arm.answer("POST", "/sites/app-castiel-api-staging/restart", "ok.json")
...     arm.answer("GET", "/databaseAccounts/cosmos-x-dr-[0-9a-f]{6}", "restored_creating.json", "restored_done.json")

A recording (tests/faults/recordings/) holds ``{"status": ..., "headers": {...}, "body": ...}``; ``/health``
answers the app's health check (200 unless told otherwise), so a fault's "wait healthy" stays on loopback.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from loopback import LoopbackServer, LoopbackTransport

RECORDINGS = Path(__file__).parent / "faults" / "recordings"
NO_RECORDING = {"status": 404, "headers": {},
                "body": {"error": {"code": "NoRecording", "message": "no recording for this request"}}}


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    body: dict | None
    cloud_host: str
    watched: str = ""  # the watched file's text when the request arrived (an undo journal)
    at: float = field(default_factory=time.monotonic)

    @property
    def call(self) -> tuple[str, str]:
        return self.method, self.path


class RecordedArm(LoopbackServer):
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[str | dict]] = {("GET", "/health"): [{"status": 200, "body": {}}]}
        self.seen: list[Seen] = []
        self.watch: Path | None = None  # a file whose text each request records (is the undo on disk yet?)
        super().__init__(_handler_for(self))

    def answer(self, method: str, suffix: str, *recordings: str | dict) -> None:
        """Answer paths ending in ``suffix`` (a regular expression) with these recordings in turn (the last repeats)."""
        self.routes[(method, suffix)] = list(recordings)

    def transport(self) -> LoopbackTransport:
        return LoopbackTransport(self.port)

    def calls(self) -> list[tuple[str, str]]:
        """(method, last path segments) of every management request, /health left out."""
        return [(s.method, s.path) for s in self.seen if s.path != "/health"]

    def respond(self, method: str, path: str) -> dict:
        key = next((k for k in self.routes if k[0] == method and re.search(f"{k[1]}$", path)), None)
        if key is None:
            return NO_RECORDING
        queue = self.routes[key]
        recording = queue.pop(0) if len(queue) > 1 else queue[0]
        return recording if isinstance(recording, dict) else json.loads((RECORDINGS / recording).read_text())


def _text(path: Path | None) -> str:
    try:
        return path.read_text() if path else ""
    except FileNotFoundError:
        return ""


def _handler_for(arm: RecordedArm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            arm.seen.append(Seen(self.command, parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                                 json.loads(raw) if raw else None, self.headers.get("X-Cloud-Host", ""),
                                 _text(arm.watch)))
            answer = arm.respond(self.command, parts.path)
            body = b"" if answer.get("body") is None else json.dumps(answer["body"]).encode()
            self.send_response(answer["status"])
            for name, value in {"Content-Type": "application/json", **answer.get("headers", {}),
                                "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = _answer  # noqa: N815 (http.server's naming)

        def log_message(self, *args: object) -> None:
            """Quiet: tests assert on ``arm.seen``."""

    return Handler
