"""drillbook: the Castiel production runbook as executable, audited pytest drills."""

import sys

__version__ = "0.1.0"

# httpx imports its command-line client on every import when click, rich and pygments are installed (they come
# with locust and schemathesis): ~50 ms of CPU at each start, for a tool drillbook never runs. A None entry makes
# that import fail, and httpx falls back to its stub main(); nothing else of httpx changes.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
