"""A loopback stand-in for Azure Resource Manager: App Service app settings and Monitor metric alerts.

The real management clients (azure-mgmt-web, azure-mgmt-monitor) run unchanged
through tests/loopback.py's transport; each route answers a recorded body:

>>> with RecordedManagement() as arm:
...     slots = AppServiceSlots(env, credential=FakeCredential(), transport=arm.transport())
"""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from loopback import LoopbackServer, LoopbackTransport

RECORDINGS = Path(__file__).parent / "recordings"
ROUTES = {"/config/appsettings/list": "appsettings", "/config/appsettings": "appsettings",
          "/providers/Microsoft.Insights/metricAlerts": "alerts", "/slotsswap": "swap", "/restart": "restart"}


class RecordedManagement(LoopbackServer):
    """Answers each route from ``answers`` (a recording's name, or a body given by the test); keeps ``seen``."""

    def __init__(self) -> None:
        self.answers: dict[str, str | dict] = {"appsettings": "appsettings.json", "alerts": "metric_alerts.json",
                                               "swap": {}, "restart": {}}  # a swap that completes at once: 200
        self.seen: list[tuple[str, str, str]] = []
        self.bodies: list[bytes] = []
        super().__init__(_handler_for(self))

    def answer(self, route: str, body: str | dict) -> None:
        self.answers[route] = body

    def transport(self) -> LoopbackTransport:
        return LoopbackTransport(self.port)

    def body_for(self, path: str) -> tuple[int, bytes]:
        route = next((name for suffix, name in ROUTES.items() if path.split("?")[0].endswith(suffix)), None)
        answer = self.answers.get(route) if route else None
        if answer is None:
            return 404, json.dumps({"error": {"code": "NoRecording", "message": path}}).encode()
        body = answer if isinstance(answer, dict) else json.loads((RECORDINGS / answer).read_text())
        return 200, json.dumps(body).encode()


def _handler_for(server: RecordedManagement) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            server.bodies.append(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            server.seen.append((self.command, self.path.split("?")[0], self.headers.get("X-Cloud-Host", "")))
            status, body = server.body_for(self.path)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = _answer  # noqa: N815 (http.server's naming)

        def log_message(self, *args: object) -> None:
            """Quiet: tests assert on ``server.seen``."""

    return Handler
