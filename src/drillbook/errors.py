"""drillbook's exceptions: every one it raises on purpose, in one tree, importing nothing.

    DrillbookError
     ├── ConfigError          a bad environment file, option or secret reference (one line, names the fix)
     ├── SafetyError          a drill was refused (destructive on production without approval)
     ├── RecordError          the drill journal cannot be read (names the file, the line and the fix)
 ├── StoreError           the shared store (local files, Azure Blob) failed or could not be reached; names it
 │    └── LeaseLost       a lease was broken or taken by another holder while ours ran
     ├── FaultError           a fault could not be planned, applied or reverted
     ├── MetricsError         a metrics source failed (auth, throttling, malformed answer)
     │    └── NoDataError     the source answered with nothing for the interval: never a pass
     ├── CanaryError          the Cosmos canary failed at one step
     └── TargetError          the target is unreachable, hangs or answers garbage
          ├── BodyTooLarge    an answer's body went past its cap; reading stopped there
          ├── CosmosError     a Cosmos call failed (``status`` when there was one)
          ├── HandshakeFailed the server answered but no TLS session came of it
          └── ServiceBusError the namespace refused, could not be reached, or has no such queue
    KeyboardInterrupt
     ├── CtrlC                Ctrl-C as the run's guard raises it (never the exact class: see its docstring)
     └── Terminated           SIGTERM while a fault was applied: ends the run like Ctrl-C, after the revert

Not here on purpose: ``runtime.stops.RunStopped`` is pytest's own exit (it needs pytest), and
``contract._run._Stop`` is a private signal that never leaves its module.
"""


class DrillbookError(Exception):
    """Base of every error drillbook raises on purpose."""


class ConfigError(DrillbookError):
    """A configuration problem; the message is one line: where, what, and the fix."""


class SafetyError(DrillbookError):
    """A drill was refused by a safety rule."""


class RecordError(DrillbookError):
    """The drill journal cannot be read back; the message names the file, the line and the fix."""


class StoreError(DrillbookError):
    """The store failed or could not be reached: one line naming the store (folder, or account URL and container)."""


class LeaseLost(StoreError):
    """A lease we held was broken or taken over: its holder stops its drill and reverts."""


class FaultError(DrillbookError):
    """A fault could not be planned, applied or reverted; the message says what to do."""


class MetricsError(DrillbookError):
    """The source failed (auth, throttling, malformed answer); the message says which and what to do."""


class NoDataError(MetricsError):
    """The source answered but had nothing for the interval: never counted as a pass."""


class CanaryError(DrillbookError):
    """The canary failed at one step; the message says which, why, and what was left behind."""


class TargetError(DrillbookError):
    """The target could not be reached or answered something unusable."""


class BodyTooLarge(TargetError):
    """The answer's body went past the cap (``cap`` bytes); reading stopped there."""

    def __init__(self, message: str, cap: int) -> None:
        super().__init__(message)
        self.cap = cap


class CosmosError(TargetError):
    """A Cosmos call failed; ``reason`` is one line, ``status`` the HTTP status when there was one."""

    def __init__(self, what: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{what}: {reason}")
        self.what, self.reason, self.status = what, reason, status


class HandshakeFailed(TargetError):
    """The server answered but no TLS session came of it (or the trust store would not load): a TLS finding."""


class ServiceBusError(TargetError):
    """The namespace refused, could not be reached, or does not hold the queue."""


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived while a fault was applied: ends the run like Ctrl-C, after the revert."""


class CtrlC(KeyboardInterrupt):
    """Ctrl-C as the guard raises it: a KeyboardInterrupt in every ``except``, but not of that exact class.

    CPython marks the process to end by SIGINT (exit code -2 under ``python -m pytest``, whatever pytest
    returned) once a KeyboardInterrupt leaves code run by exec() or eval() of a string, even a caught one;
    dataclasses build their methods that way, so a Ctrl-C landing while schemathesis is imported ended an
    interrupted drill with -2. The mark is set for that exact class only, never for a subclass.
    """
