"""What one call to the shared store costs on a real Blob endpoint (Azurite on loopback): the journal's chained
append, and a lease's acquire, renew and release, as an undo or the environment's lease uses them.

    .venv/bin/python benchmarks/store_latency.py [samples]

Each figure is the median (and spread) of ``samples`` calls in this process; the journal grows as it goes, since
an append reads only the log's last 64 KiB whatever its length.
"""

import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _common import REPO, refuse, report, runs_wanted


def main(samples: int) -> int:
    sys.path.insert(0, str(REPO))
    from sandbox.azurite import start_azurite

    from drillbook.store import Holder
    from drillbook.store.blob import BlobStore

    with tempfile.TemporaryDirectory() as scratch, start_azurite(Path(scratch) / "azurite") as azurite:
        store = BlobStore(None, f"bench-{uuid.uuid4().hex[:8]}", connection_string=azurite.connection_string,
                          timeout_s=5)
        store.create_container()
        entry = json.dumps({"drill": "bench", "padding": "x" * 3000}).encode() + b"\n"  # about a journal line
        appends = [_timed(lambda: store.append_line("drills.jsonl", lambda end: entry)) for _ in range(samples)]
        holder = Holder(who="bench", run_id="bench", drill="store latency")
        acquires, renews, releases = [], [], []
        for index in range(samples):
            started = time.perf_counter()
            lease = store.acquire_lease(f"leases/bench-{index}", 15, holder)
            acquires.append(time.perf_counter() - started)
            if lease is None:
                refuse("a new lease", "it was held already: the figures would time a refusal")
            renews.append(_timed(lease.renew))
            releases.append(_timed(lease.release))
    for name, figures in (("journal append (chained)", appends), ("lease acquire", acquires),
                          ("lease renew", renews), ("lease release", releases)):
        report(name, [seconds * 1000 for seconds in figures], unit="ms")
    return 0


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main(runs_wanted(sys.argv[1]) if len(sys.argv) > 1 else 15))
