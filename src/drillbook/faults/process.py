"""Process-level faults on the local tier: SIGSTOP or SIGKILL of the sandbox's Redis or Cosmos process.

The pid comes from the sandbox's ``/_sandbox/info``. The undo names the pid and
its start time, so a replay never signals a process that merely reused the pid.
SIGSTOP is always answered by SIGCONT; SIGKILL by a restart through the fault control.
"""

from __future__ import annotations

import os
import signal

from drillbook.errors import FaultError
from drillbook.faults.sandbox import _call, control, gone, reverting
from drillbook.runtime.pids import process_started, same_process

SIGNALS = {"SIGSTOP": signal.SIGSTOP, "SIGKILL": signal.SIGKILL}


class ProcessSignalFault:
    """``ProcessSignalFault(url, "redis", "SIGSTOP")``: the dependency stops answering; its port stays open."""

    kind = "process-signal"

    def __init__(self, url: str, dependency: str, signal_name: str = "SIGSTOP") -> None:
        if signal_name not in SIGNALS:
            raise FaultError(f"process fault signal {signal_name!r} -> use one of: {', '.join(SIGNALS)}")
        self.url, self.dependency, self.signal_name = url, dependency, signal_name
        self.pid: int | None = None

    def describe(self) -> str:
        where = f" (pid {self.pid})" if self.pid else ""
        return f"{self.signal_name} to the sandbox's {self.dependency} process{where}"

    def plan(self) -> dict:
        info = _call(lambda: control(self.url).info(), "read /_sandbox/info")
        self.pid = (info.get("pids") or {}).get(self.dependency)
        if not self.pid:
            raise FaultError(f"the sandbox reports no running {self.dependency} process (/_sandbox/info pids) "
                             "-> restart the sandbox, or reset it with POST /_sandbox/reset")
        return {"url": self.url, "dependency": self.dependency, "signal": self.signal_name, "pid": self.pid,
                "started": process_started(self.pid)}

    def inject(self) -> None:
        os.kill(self.pid, SIGNALS[self.signal_name])

    @staticmethod
    def revert(undo: dict) -> str:
        pid, name = undo["pid"], undo["dependency"]
        if undo["signal"] == "SIGSTOP" and same_process(pid, undo["started"]):
            os.kill(pid, signal.SIGCONT)
            return f"SIGCONT to {name} pid {pid}"
        # killed (or gone meanwhile): the fault control starts it again on its port
        state = reverting(undo["url"], lambda: control(undo["url"]).dependency(name, "start"),
                          f"restart sandbox {name}")
        if state is None:
            return gone(undo["url"])
        return f"sandbox {name} pid {pid} gone, restarted: {state.get('state')}"
