"""The sandbox's recent server errors by type and operation, and its failed Cosmos calls by status.

What Application Insights' ``exceptions`` and failed ``requests`` tables give on
Azure, kept here for the last few minutes so the troubleshooting can read it
from ``GET /api/admin/errors``:

>>> errors = RecentErrors()
>>> errors.note("InjectedFault", "GET /api/shards", 500)
>>> errors.summary()["by_type"]
[{'type': 'InjectedFault', 'count': 1}]
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque

WINDOW_S = 300.0
KEPT = 5000  # per kind: a flood of errors must not grow memory
TOP = 5
THROTTLED = 429


class RecentErrors:
    """Server errors and failed Cosmos calls of the last ``window_s`` seconds."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._errors: deque = deque(maxlen=KEPT)  # (monotonic, type, operation, status)
        self._cosmos: deque = deque(maxlen=KEPT)  # (monotonic, status or None, type)
        self._lock = threading.Lock()

    def note(self, error_type: str, operation: str, status: int) -> None:
        with self._lock:
            self._errors.append((time.monotonic(), error_type, operation, status))

    def note_cosmos(self, status: int | None, error_type: str) -> None:
        with self._lock:
            self._cosmos.append((time.monotonic(), status, error_type))

    def summary(self, since_s: float | None = None) -> dict:
        """The top error types, the top failing operations and the failed Cosmos calls of the last ``since_s``."""
        window = min(since_s or self.window_s, self.window_s)
        since = time.monotonic() - window
        with self._lock:
            errors = [e for e in self._errors if e[0] >= since]
            cosmos = [c for c in self._cosmos if c[0] >= since]
        types = Counter(e[1] for e in errors).most_common(TOP)
        failing = Counter((e[2], e[3]) for e in errors).most_common(TOP)
        by_status = Counter("no answer" if s is None else str(s) for _, s, _ in cosmos)
        return {
            "window_s": window,
            "by_type": [{"type": t, "count": n} for t, n in types],
            "failing_operations": [{"operation": op, "status": status, "count": n} for (op, status), n in failing],
            "cosmos": {"failed_calls": len(cosmos), "throttled_429": by_status.get(str(THROTTLED), 0),
                       "by_status": dict(by_status), "by_type": dict(Counter(t for _, _, t in cosmos))},
        }
