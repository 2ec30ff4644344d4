"""What the contract write drill's ledger costs in a blob store (Azurite on loopback) over local files.

    .venv/bin/python benchmarks/ledger_store_overhead.py [runs]

Runs the contract write drill (``run_contract``, writes only, the sandbox's [contract] budget of 15 examples per
operation) in this process, alternating a local store and a blob store, and reports each one's median wall
time, the median of the per-pair difference, and that difference per ledger entry (each creating write is two:
``sending`` before it leaves, its outcome after).
"""

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from _common import REPO, median, refuse, report, runs_wanted, running_sandbox


def main(runs: int) -> int:
    sys.path.insert(0, str(REPO))
    from sandbox.azurite import start_azurite

    from drillbook.contract import ContractSettings, run_contract
    from drillbook.store.blob import BlobStore
    from drillbook.store.local import LocalStore

    with running_sandbox() as sandbox, tempfile.TemporaryDirectory() as scratch, \
            start_azurite(Path(scratch) / "azurite") as azurite:
        document = httpx.get(f"{sandbox.url}/openapi.json", timeout=5).json()
        stores = {"local": lambda: LocalStore(Path(scratch) / f"journal-{uuid.uuid4().hex[:6]}"),
                  "blob": lambda: _blob(BlobStore, azurite.connection_string)}
        times: dict[str, list[float]] = {"local": [], "blob": []}
        entries: list[int] = []
        for index in range(runs):
            for kind in (("local", "blob") if index % 2 == 0 else ("blob", "local")):  # drift hits both alike
                settings = ContractSettings(base_url=sandbox.url, max_examples=15, max_seconds=60, timeout_s=3,
                                            negative_data=False, allow_writes=True, select="writes",
                                            environment="bench", ledger_store=stores[kind]())
                started = time.perf_counter()
                result = run_contract(document, settings)
                times[kind].append(time.perf_counter() - started)
                if result.failures or result.writes_left:
                    refuse(f"the {kind} run", f"{len(result.failures)} findings, {result.writes_left} writes left")
            entries.append(2 * result.writes_created)
    for kind, samples in times.items():
        report(f"contract write run, ledger in a {kind} store", samples)
    # a pair's difference may fall below zero by noise: it is a difference, not a measured duration
    extra = statistics.median(blob - local for blob, local in zip(times["blob"], times["local"]))
    count = median(entries, "ledger entries", positive=True)
    print(f"extra time on the blob ledger: median of the pairs' differences {extra:.2f} s "
          f"({median(times['blob'], 'blob') - median(times['local'], 'local'):.2f} s between the medians); "
          f"ledger entries per run: median {count:.0f}, so {extra / count * 1000:.1f} ms an entry")
    return 0


def _blob(blob_store, connection_string: str):
    store = blob_store(None, f"bench-{uuid.uuid4().hex[:8]}", connection_string=connection_string, timeout_s=5)
    store.create_container()
    return store


if __name__ == "__main__":
    sys.exit(main(runs_wanted(sys.argv[1]) if len(sys.argv) > 1 else 5))
