"""Faults through the sandbox's fault control (``/_sandbox/*``, X-Fault-Token): route, dependency, worker.

The undo records the sandbox's URL, never its token: a replay reads the token
from ``SANDBOX_FAULT_TOKEN`` like every other drillbook run.
"""

from __future__ import annotations

import os
from typing import Any

from drillbook.errors import FaultError

FAULT_TOKEN_VAR = "SANDBOX_FAULT_TOKEN"
DEFAULT_TTL_S = 120.0  # a fault outlives its drill by at most this, even if every revert is lost
UNDO_ACTIONS = {"stop": "start", "pause": "resume"}


def control(url: str):
    """The sandbox's fault control at ``url`` (sandbox.runner imports only httpx)."""
    from sandbox.runner import FaultControl

    return FaultControl(url, os.environ.get(FAULT_TOKEN_VAR, ""), timeout=15.0)


def _call(step, what: str):
    from sandbox.runner import SandboxError

    try:
        return step()
    except SandboxError as exc:
        raise FaultError(f"{what}: {exc}") from None


def _answers(url: str) -> bool:
    import httpx

    try:
        httpx.get(f"{url}/health/live", timeout=3.0)
        return True
    except httpx.HTTPError:
        return False


def reverting(url: str, step, what: str):
    """Run a revert step; None when the sandbox itself is gone (its faults and children went with it)."""
    try:
        return _call(step, what)
    except FaultError:
        if _answers(url):
            raise
        return None


def gone(url: str) -> str:
    return f"the sandbox at {url} is gone, and its faults with it: nothing to revert"


class RouteFault:
    """Latency, errors, a replaced answer or a hang on one route, with a TTL.

    >>> RouteFault(url, "/health/ready", status=200, body={"status": "ready"}).describe()
    'sandbox route fault on /health/ready: status 200, body replaced (ttl 120 s)'
    """

    kind = "route"

    def __init__(self, url: str, route: str, ttl_s: float = DEFAULT_TTL_S, **spec: Any) -> None:
        self.url, self.route, self.spec = url, route, {**spec, "ttl_s": ttl_s}

    def describe(self) -> str:
        shown = ", ".join(f"{k} {v}" if k != "body" else "body replaced" for k, v in self.spec.items() if k != "ttl_s")
        return f"sandbox route fault on {self.route}: {shown} (ttl {self.spec['ttl_s']:g} s)"

    def plan(self) -> dict:
        # The fault's id is known only once it exists; the faults already there are known now.
        existing = _call(lambda: control(self.url).faults(), "list sandbox faults")
        return {"url": self.url, "route": self.route, "keep": sorted(f["id"] for f in existing)}

    def inject(self) -> None:
        _call(lambda: control(self.url).inject(self.route, **self.spec), f"inject {self.describe()}")

    @staticmethod
    def revert(undo: dict) -> str:
        sandbox = control(undo["url"])
        listed = reverting(undo["url"], sandbox.faults, "list sandbox faults")
        if listed is None:
            return gone(undo["url"])
        ours = [f["id"] for f in listed if f["route"] == undo["route"] and f["id"] not in undo["keep"]]
        for fault_id in ours:
            _call(lambda: _remove(sandbox, fault_id), f"remove sandbox fault {fault_id}")
        return f"removed {len(ours)} sandbox fault(s) on {undo['route']}"


def _remove(sandbox, fault_id: str) -> None:
    from sandbox.runner import SandboxError

    try:
        sandbox.remove(fault_id)
    except SandboxError as exc:
        if "404" not in str(exc):  # expired meanwhile: already undone
            raise


class DependencyFault:
    """Stop (the process ends) or pause (SIGSTOP: calls hang) the sandbox's Redis or Cosmos."""

    kind = "dependency"

    def __init__(self, url: str, dependency: str, action: str = "stop") -> None:
        if action not in UNDO_ACTIONS:
            raise FaultError(f"dependency fault action {action!r} -> use one of: {', '.join(UNDO_ACTIONS)}")
        self.url, self.dependency, self.action = url, dependency, action

    def describe(self) -> str:
        return f"sandbox {self.dependency} {self.action}"

    def plan(self) -> dict:
        return {"url": self.url, "dependency": self.dependency, "action": UNDO_ACTIONS[self.action]}

    def inject(self) -> None:
        _call(lambda: control(self.url).dependency(self.dependency, self.action), self.describe())

    @staticmethod
    def revert(undo: dict) -> str:
        state = reverting(undo["url"], lambda: control(undo["url"]).dependency(undo["dependency"], undo["action"]),
                          f"{undo['action']} sandbox {undo['dependency']}")
        if state is None:
            return gone(undo["url"])
        return f"sandbox {undo['dependency']} {undo['action']}: {state.get('state')}"


class WorkerStallFault:
    """Stall the embedding worker: jobs pile up in the queue until it resumes."""

    kind = "worker-stall"

    def __init__(self, url: str) -> None:
        self.url = url

    def describe(self) -> str:
        return "sandbox embedding worker stall"

    def plan(self) -> dict:
        return {"url": self.url}

    def inject(self) -> None:
        _call(lambda: control(self.url).stall_worker(), self.describe())

    @staticmethod
    def revert(undo: dict) -> str:
        if reverting(undo["url"], lambda: control(undo["url"]).resume_worker(), "resume the sandbox worker") is None:
            return gone(undo["url"])
        return "sandbox embedding worker resumed"


class ApiRestartFault:
    """Restart the API process's server: down for ``down_s``, then back with a fresh app. It ends on its own."""

    kind = "api-restart"

    def __init__(self, url: str, down_s: float) -> None:
        self.url, self.down_s = url, down_s

    def describe(self) -> str:
        return f"sandbox API restart ({self.down_s:g} s down)"

    def plan(self) -> dict:
        return {"url": self.url, "down_s": self.down_s}

    def inject(self) -> None:
        _call(lambda: control(self.url).restart(self.down_s), self.describe())

    @staticmethod
    def revert(undo: dict) -> str:
        # Nothing to undo: the restart ends by itself; the drill's recovery phase times how long it takes.
        return f"nothing to undo: the API comes back by itself after {undo['down_s']:g} s"


class ScratchRestoreFault:
    """Restore a live container into a new scratch container (the sandbox's point-in-time restore); revert drops it.

    Not a fault on the service, but a change with the same promise: the scratch container is
    removed after a pass, a failure, an interrupt, or by the next run after a kill.
    """

    kind = "scratch-restore"

    def __init__(self, url: str, source: str, target: str) -> None:
        self.url, self.source, self.target = url, source, target
        self.result: dict = {}

    def describe(self) -> str:
        return f"restore of {self.source} into scratch container {self.target}"

    def plan(self) -> dict:
        return {"url": self.url, "target": self.target}

    def inject(self) -> None:
        self.result = _call(lambda: control(self.url).restore(self.source, self.target), self.describe())

    @staticmethod
    def revert(undo: dict) -> str:
        from sandbox.runner import SandboxError

        def drop() -> str:
            try:
                control(undo["url"]).delete_scratch(undo["target"])
                return f"scratch container {undo['target']} deleted"
            except SandboxError as exc:
                if "404" in str(exc):
                    return f"scratch container {undo['target']} was never created"
                raise

        outcome = reverting(undo["url"], drop, f"delete scratch container {undo['target']}")
        return gone(undo["url"]) if outcome is None else outcome
