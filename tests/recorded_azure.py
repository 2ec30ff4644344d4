"""A loopback stand-in for the Azure Monitor Logs and Metrics APIs, answering from recorded JSON.

The real SDK clients run unchanged, through the shared loopback transport
(tests/loopback.py), which sends each request to this server instead of the cloud.
Tests get one as the ``azure`` fixture (tests/conftest.py):

>>> azure.answer("logs", "logs/throttled.json")
>>> source = AzureMonitorSource.from_environment(env, credential=FakeCredential(),
...                                              transport=azure.transport(), retry_total=0)

Routes: ``logs`` is any ``POST .../query``; ``metrics/<namespace>`` is a
``POST .../metrics:getBatch?metricnamespace=<namespace>``. A recording file, under
tests/metrics/recordings unless its path is absolute, holds
``{"recorded": {...what was asked...}, "status": ..., "headers": {...}, "body": {...}}``.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from loopback import LoopbackServer, LoopbackTransport

RECORDINGS = Path(__file__).parent / "metrics" / "recordings"
HEALTHY = {
    "logs": "logs/healthy.json",
    "metrics/Microsoft.Web/serverfarms": "metrics/serverfarms.json",
    "metrics/Microsoft.DocumentDB/databaseAccounts": "metrics/cosmos.json",
    "metrics/Microsoft.Cache/redis": "metrics/redis.json",
    "metrics/Microsoft.ServiceBus/namespaces": "metrics/servicebus.json",
}


@dataclass
class Seen:
    """One request as the server received it."""

    route: str
    method: str
    path: str
    query: dict[str, str]
    client: str
    cloud_host: str
    authorization: str
    body: dict = field(default_factory=dict)


class RecordedAzure(LoopbackServer):
    """The server: answers each route from a recording and remembers every request."""

    def __init__(self) -> None:
        self.answers = dict(HEALTHY)
        self.seen: list[Seen] = []
        self.delay_s = 0.0
        super().__init__(_handler_for(self))

    def answer(self, route: str, recording: str) -> None:
        self.answers[route] = recording

    def transport(self) -> LoopbackTransport:
        return LoopbackTransport(self.port)

    def routes(self) -> list[str]:
        return [seen.route for seen in self.seen]

    def respond(self, route: str) -> tuple[int, dict, bytes]:
        name = self.answers.get(route)
        if name is None:
            body = {"error": {"code": "NoRecording", "message": f"no recording for route {route}"}}
            return 404, {"Content-Type": "application/json"}, json.dumps(body).encode()
        recording = json.loads((RECORDINGS / name).read_text())
        return recording["status"], recording["headers"], json.dumps(recording["body"]).encode()


def _route(path: str, query: dict[str, str]) -> str:
    if path.endswith("/query"):
        return "logs"
    if path.endswith("/metrics:getBatch"):
        return f"metrics/{query.get('metricnamespace', '')}"
    return f"unknown {path}"


def _handler_for(azure: RecordedAzure) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            route = _route(parts.path, query)
            azure.seen.append(Seen(route, "POST", parts.path, query, self.client_address[0],
                                   self.headers.get("X-Cloud-Host", ""), self.headers.get("Authorization", ""),
                                   json.loads(raw or b"{}")))
            time.sleep(azure.delay_s)
            status, headers, body = azure.respond(route)
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            """Quiet: the test asserts on ``azure.seen`` instead."""

    return Handler

