"""Injected faults: latency, errors, replaced bodies, hangs and hidden readiness entries, each with a TTL.

A fault names a route template (`/api/shards/{id}`), a literal path, or `*`
for every public route. Error rates are counted, not random: a rate of 0.1
fails exactly the 10th, 20th, ... matching request, so tests stay exact. So is
``latency_rate``: 0.06 slows exactly 6 of every 100 matching requests.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field, fields
from http import HTTPStatus
from typing import Any

import anyio
from starlette.responses import JSONResponse, Response

from sandbox.http import error_body, is_control, is_observed, route_template

DEFAULT_TTL_S = 300.0
HANG_POLL_S = 0.05
BODILESS = (204, 304)  # statuses that must not carry a body


class RateGate:
    """Fires a deterministic share of calls: rate 0.25 fires calls 4, 8, 12, ..."""

    def __init__(self, rate: float = 0.0):
        self.rate = rate
        self._credit = 0.0
        self._lock = threading.Lock()

    def fire(self) -> bool:
        with self._lock:
            self._credit += self.rate
            if self._credit >= 1.0 - 1e-9:  # tolerate float drift (10 * 0.1 != 1.0)
                self._credit -= 1.0
                return True
            return False


@dataclass
class Fault:
    route: str
    latency_ms: int = 0
    latency_rate: float = 1.0
    error_rate: float = 0.0
    status: int = 500
    body: Any = None
    hang: bool = False
    ttl_s: float = DEFAULT_TTL_S
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    expires_at: float = 0.0  # wall clock, seconds since the epoch
    gate: RateGate = field(default=None, repr=False)
    latency_gate: RateGate = field(default=None, repr=False)

    @classmethod
    def from_spec(cls, spec: dict) -> Fault:
        """Build from a validated request; status or body alone mean 'always fail'."""
        spec = dict(spec)
        if "error_rate" not in spec:
            spec["error_rate"] = 1.0 if ("status" in spec or "body" in spec) else 0.0
        fault = cls(**spec)
        fault.expires_at = time.time() + fault.ttl_s
        fault.gate = RateGate(fault.error_rate)
        fault.latency_gate = RateGate(fault.latency_rate)
        return fault

    def expired(self, now: float | None = None) -> bool:
        return (now or time.time()) >= self.expires_at

    def matches(self, template: str | None, path: str) -> bool:
        if self.route == "*":
            return template is not None and is_observed(path)
        return self.route in (template, path)

    def public(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("gate", "latency_gate")}


class FaultBook:
    """The active faults. Only the event loop touches it, so no lock is needed."""

    def __init__(self):
        self._faults: dict[str, Fault] = {}

    def add(self, spec: dict) -> Fault:
        fault = Fault.from_spec(spec)
        self._faults[fault.id] = fault
        return fault

    def active(self) -> list[Fault]:
        now = time.time()
        for fault_id in [f.id for f in self._faults.values() if f.expired(now)]:
            del self._faults[fault_id]
        return list(self._faults.values())

    def is_active(self, fault: Fault) -> bool:
        return self._faults.get(fault.id) is fault and not fault.expired()

    def remove(self, fault_id: str) -> bool:
        return self._faults.pop(fault_id, None) is not None

    def clear(self) -> int:
        count = len(self._faults)
        self._faults.clear()
        return count

    def matching(self, template: str | None, path: str) -> list[Fault]:
        if is_control(path):
            return []
        return [fault for fault in self.active() if fault.matches(template, path)]


class HiddenDependencies:
    """Dependencies /health/ready leaves out of its map, each until its TTL ends (event loop only)."""

    def __init__(self):
        self._until: dict[str, float] = {}

    def hide(self, name: str, ttl_s: float | None = None) -> list[str]:
        self._until[name] = time.time() + (ttl_s or DEFAULT_TTL_S)
        return self.names()

    def names(self) -> list[str]:
        now = time.time()
        return sorted(name for name, until in self._until.items() if until > now)

    def clear(self) -> None:
        self._until.clear()


class FaultMiddleware:
    """Applies matching faults before the real handler: latency, hang, then error."""

    def __init__(self, app, book: FaultBook, routes: list):
        self.app, self.book, self.routes = app, book, routes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        faults = self.book.matching(route_template(self.routes, scope), scope["path"])
        for fault in faults:
            if fault.latency_ms and fault.latency_gate.fire():
                await anyio.sleep(fault.latency_ms / 1000)
        for fault in faults:
            if fault.hang:
                receive = await self._hang(fault, receive)
                if receive is None:
                    return  # the client gave up; there is no one to answer
        for fault in faults:
            # A hang may have outlived its fault; an ended fault no longer fails requests.
            if self.book.is_active(fault) and fault.gate.fire():
                scope.setdefault("state", {})["drillbook_error_type"] = "InjectedFault"
                return await fault_response(fault)(scope, receive, send)
        await self.app(scope, receive, send)

    async def _hang(self, fault: Fault, receive):
        """Hold the request while the fault lasts; None if the client disconnects."""
        buffered = []
        while self.book.is_active(fault):
            with anyio.move_on_after(HANG_POLL_S):
                message = await receive()
                if message["type"] == "http.disconnect":
                    return None
                buffered.append(message)
        return _replay(buffered, receive)


def fault_response(fault: Fault) -> Response:
    """The injected answer: the fault's body, or a JSON error naming the fault."""
    if fault.status in BODILESS:
        return Response(status_code=fault.status)
    if isinstance(fault.body, str):
        # A string is sent as-is: a maintenance page, a proxy's HTML error.
        media = "text/html" if fault.body.lstrip().startswith("<") else "text/plain"
        return Response(fault.body, fault.status, media_type=media)
    if fault.body is not None:
        return JSONResponse(fault.body, fault.status)
    try:
        phrase = HTTPStatus(fault.status).phrase
    except ValueError:
        phrase = "Injected Fault"
    return JSONResponse(error_body(phrase, [f"injected by sandbox fault {fault.id}"]), fault.status)


def _replay(buffered: list, receive):
    """A receive() that first returns the messages read while hanging."""
    async def replaying():
        if buffered:
            return buffered.pop(0)
        return await receive()
    return replaying
