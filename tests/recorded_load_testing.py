"""A loopback stand-in for an Azure Load Testing resource's data plane, answering from recorded runs.

The real azure-developer-loadtesting clients run unchanged through tests/loopback.py's
transport. A recording (tests/load/recordings/<name>.json) holds what the service
answered for one run: the finished run (``run``), and the metric definitions,
request names and metric values (``metrics/<metric>``) as the service sent them.

>>> with RecordedLoadTesting("alt_healthy") as alt:
...     run = run_azure_load(settings, target, runbook.threshold, run_dir, print,
...                          credential=FakeCredential(), transport=alt.transport())
>>> alt.methods()     # ['PATCH /tests/...', 'PUT /tests/.../files/castiel.py', ..., 'POST /test-runs/...:stop']

A run answers EXECUTING for ``polls_before_done`` polls, then the recorded run;
``never_finish()`` keeps it EXECUTING until a stop arrives (then CANCELLED).
``live(executing_s)`` replays the run as if it started when drillbook started it: every
timestamp moves by the same amount, and it answers EXECUTING for ``executing_s`` of wall clock.
``fail(route, status, code)`` makes one route answer an error.
"""

from __future__ import annotations

import copy
import json
import math
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from loopback import LoopbackServer, LoopbackTransport, reply_json

RECORDINGS = Path(__file__).parent / "load" / "recordings"
_RUN = re.compile(r"^/test-runs/(?P<run>[a-z0-9_-]+)")
_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    cloud_host: str
    authorization: str
    body: bytes = b""

    def json(self) -> dict:
        return json.loads(self.body or b"{}")


@dataclass
class RunState:
    polls: int = 0
    stopped: bool = False
    run_id: str = ""
    extra: dict = field(default_factory=dict)
    started_at: float | None = None  # wall clock of the start request
    shift_s: float = 0.0  # added to every timestamp in a live replay


class RecordedLoadTesting(LoopbackServer):
    """Serves one recording; keeps every request in ``seen``."""

    def __init__(self, recording: str) -> None:
        self.recording = json.loads((RECORDINGS / f"{recording}.json").read_text())
        self.seen: list[Seen] = []
        self.failures: dict[str, tuple[int, str]] = {}
        self.state = RunState()
        self.polls_before_done = 2
        self.forever = False
        self.executing_s: float | None = None
        self.validation = {"validationStatus": "VALIDATION_SUCCESS"}  # what Azure says of the uploaded script
        super().__init__(_handler_for(self))

    def transport(self) -> LoopbackTransport:
        return LoopbackTransport(self.port)

    def never_finish(self) -> None:
        self.forever = True

    def live(self, executing_s: float) -> None:
        self.executing_s = executing_s

    def fail(self, route: str, status: int, code: str) -> None:
        """``route`` is one of: test, upload, start, run, stop, definitions, names, metrics."""
        self.failures[route] = (status, code)

    def override_run(self, **fields: object) -> None:
        """Change fields of the recorded run (e.g. testResult) for one test."""
        self.state.extra.update(fields)

    def methods(self) -> list[str]:
        return [f"{s.method} {s.path}" for s in self.seen]

    def answer(self, method: str, path: str, query: dict[str, str]) -> tuple[int, dict]:
        route = _route(method, path)
        if route in self.failures:
            status, code = self.failures[route]
            return status, {"error": {"code": code, "message": f"recorded {code}"}}
        if route in ("run", "start", "stop"):
            self.state.run_id = _RUN.match(path)["run"]
        status, body = getattr(self, f"_{route}", self._unknown)(path, query)
        return status, _shifted(body, self.state.shift_s) if self.state.shift_s else body

    def _test(self, path, query):
        return 201, {"testId": path.split("/")[2], "kind": "Locust"}

    def _upload(self, path, query):
        return 201, {"fileName": path.rsplit("/", 1)[1], "fileType": query.get("fileType"),
                     "validationStatus": "VALIDATION_INITIATED"}

    def _file(self, path, query):
        return 200, {"fileName": path.rsplit("/", 1)[1], **self.validation}

    def _start(self, path, query):
        self.state.started_at = time.time()
        if self.executing_s is not None:  # whole seconds, so the timestamps keep the service's format
            self.state.shift_s = math.floor(self.state.started_at) - _epoch(self.recording["run"]["startDateTime"])
        return 201, {"testRunId": self.state.run_id, "status": "ACCEPTED"}

    def _run(self, path, query):
        self.state.polls += 1
        final = {**copy.deepcopy(self.recording["run"]), **self.state.extra, "testRunId": self.state.run_id}
        if self.state.stopped:
            return 200, {**final, "status": "CANCELLED", "testResult": "NOT_APPLICABLE"}
        if self.forever or self._executing():
            return 200, {"testRunId": self.state.run_id, "status": "EXECUTING",
                         "startDateTime": final.get("startDateTime"), "virtualUsers": final.get("virtualUsers")}
        return 200, final

    def _executing(self) -> bool:
        if self.executing_s is not None:
            return time.time() < (self.state.started_at or 0.0) + self.executing_s
        return self.state.polls <= self.polls_before_done

    def _stop(self, path, query):
        self.state.stopped = True
        return 200, {"testRunId": self.state.run_id, "status": "CANCELLING"}

    def _definitions(self, path, query):
        return 200, self.recording["metric-definitions"]

    def _names(self, path, query):
        return 200, self.recording["metric-dimensions/RequestName/values"]

    def _metrics(self, path, query):
        return 200, self.recording.get(f"metrics/{query.get('metricname')}", {"value": []})

    def _unknown(self, path, query):
        return 404, {"error": {"code": "NoRecording", "message": path}}


def _shifted(value: object, shift_s: float) -> object:
    """``value`` with every ISO timestamp in it moved by ``shift_s`` seconds."""
    if isinstance(value, dict):
        return {k: _shifted(v, shift_s) for k, v in value.items()}
    if isinstance(value, list):
        return [_shifted(v, shift_s) for v in value]
    if isinstance(value, str) and _TIMESTAMP.match(value):
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(_epoch(value) + shift_s))
    return value


def _epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def _route(method: str, path: str) -> str:
    if path.startswith("/tests/"):
        if "/files/" in path:
            return {"PUT": "upload", "GET": "file"}.get(method, "unknown")
        return "test" if method == "PATCH" else "unknown"
    suffixes = (("/metric-definitions", "definitions"), ("/values", "names"), ("/metrics", "metrics"),
                (":stop", "stop"))
    route = next((name for suffix, name in suffixes if path.endswith(suffix)), None)
    if route:
        return route
    return {"PATCH": "start", "GET": "run"}.get(method, "unknown")


def _handler_for(server: RecordedLoadTesting) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            server.seen.append(Seen(self.command, parts.path, query, self.headers.get("X-Cloud-Host", ""),
                                    self.headers.get("Authorization", ""), body))
            status, answer = server.answer(self.command, parts.path, query)
            reply_json(self, status, answer)

        do_GET = do_POST = do_PUT = do_PATCH = _answer  # noqa: N815 (http.server's naming)

        def log_message(self, *args: object) -> None:
            """Quiet: tests assert on ``server.seen``."""

    return Handler
