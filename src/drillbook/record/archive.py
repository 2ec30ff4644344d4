"""A run's record in the store: its results kept under its run id with a manifest of sha256, and fetched back.

>>> results, artifacts = keep_run(store, "1a2b3c4d", Path("reports/runs/20261207T130000Z-staging-1a2b3c4d"), files)
>>> fetch_run(store, "1a2b3c4d", Path("/tmp/run-1a2b3c4d"))   # the folder as it was kept, every file checked

On local files a run's folder is already within the store's reach: nothing is copied, and its names
are paths relative to the journal's folder (``../runs/<folder>/...``), as they always were. In a blob
container each file is uploaded to ``runs/<run id>/<path in the results folder>`` (a JUnit file kept
elsewhere to ``runs/<run id>/junit/<name>``), then ``runs/<run id>/manifest.json``; the journal entry,
written last, lists the same names and sha256, so ``journal verify`` reads every stored copy back.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path, PurePosixPath
from typing import Iterable

from drillbook.errors import RecordError
from drillbook.record.chain import file_digest
from drillbook.record.runs import RUNS_DIR
from drillbook.store import Store

RUNS = "runs"
MANIFEST = "manifest.json"
UPLOADS_AT_ONCE = 8  # a run keeps a few hundred small files; one at a time costs a round trip each


def keep_run(store: Store, run_id: str, results_dir: Path | None,
             files: Iterable[Path]) -> tuple[str | None, dict[str, str]]:
    """Keep ``files`` in the store; return where the run's results are and ``{name: sha256}`` of every file."""
    files = sorted({path for path in files if path.is_file()})
    if results_dir is not None and store.local_name(results_dir) is not None:
        return store.local_name(results_dir), {store.local_name(p): file_digest(p) for p in files}
    prefix = f"{RUNS}/{run_id}/"
    named = {_object_name(prefix, results_dir, path): path.read_bytes() for path in files}
    with ThreadPoolExecutor(UPLOADS_AT_ONCE) as pool:
        list(pool.map(lambda item: store.write(*item), named.items()))
    kept = {name: hashlib.sha256(data).hexdigest() for name, data in named.items()}
    store.write(prefix + MANIFEST, json.dumps(kept, indent=1, sort_keys=True).encode())
    return prefix, kept


def run_folder(store: Store, run_id: str, folder: Path) -> Path:
    """The run's results folder: fetched from a shared store into ``folder``, or found where a local run wrote it."""
    if store.shared:
        return fetch_run(store, run_id, folder)
    found = sorted(RUNS_DIR.glob(f"*-{run_id}"))
    if not found:
        raise RecordError(f"no run {run_id} in {RUNS_DIR} -> python -m drillbook journal status lists the runs; "
                          "a run kept in a shared store is fetched with --env NAME")
    return found[-1]


def fetch_run(store: Store, run_id: str, folder: Path) -> Path:
    """Download the run ``run_id`` into ``folder``, each file checked against its manifest; a RecordError else."""
    prefix = f"{RUNS}/{run_id}/"
    manifest = store.read(prefix + MANIFEST)
    if manifest is None:
        known = sorted({name.split("/")[1] for name in store.list(f"{RUNS}/") if name.count("/") > 1})[-5:]
        raise RecordError(f"no run {run_id} in {store.description} -> python -m drillbook journal status lists "
                          f"the runs; the latest kept: {', '.join(known) or 'none'}")
    for name, digest in json.loads(manifest).items():
        relative = PurePosixPath(name[len(prefix):])
        if not name.startswith(prefix) or relative.is_absolute() or ".." in relative.parts:
            # a rewritten manifest must not place a file beside the folder, or anywhere on this machine
            raise RecordError(f"{store.locate(prefix + MANIFEST)} lists {name}, which is outside run {run_id} -> "
                              "the stored run is not the one recorded; python -m drillbook journal verify names "
                              "every difference")
        data = store.read(name)
        actual = hashlib.sha256(data).hexdigest() if data is not None else None
        if actual != digest:
            state = "is missing" if data is None else f"changed (sha256 {actual[:12]}..., recorded {digest[:12]}...)"
            raise RecordError(f"{store.locate(name)} {state} -> the stored run is not the one recorded; "
                              "python -m drillbook journal verify names every difference")
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def _object_name(prefix: str, results_dir: Path | None, path: Path) -> str:
    if results_dir is not None and path.resolve().is_relative_to(results_dir.resolve()):
        return prefix + path.resolve().relative_to(results_dir.resolve()).as_posix()
    return f"{prefix}junit/{path.name}"
