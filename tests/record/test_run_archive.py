"""A run kept in the store comes back only as it was kept: a changed, missing or misplaced file is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from drillbook.errors import RecordError
from drillbook.record.archive import fetch_run, keep_run
from drillbook.store.local import LocalStore


class ElsewhereStore(LocalStore):
    """Files in a folder, reached like a blob container: a run's results are copied in, never named in place."""

    def local_name(self, path: Path) -> None:
        return None


def kept(tmp_path: Path) -> LocalStore:
    results = tmp_path / "results"
    (results / "sub").mkdir(parents=True)
    (results / "a-result.json").write_text('{"status": "passed"}')
    (results / "sub" / "b.txt").write_text("b")
    store = ElsewhereStore(tmp_path / "store")
    keep_run(store, "1a2b", results, results.rglob("*"))
    return store


def test_a_kept_run_comes_back_as_it_was(tmp_path):
    folder = fetch_run(kept(tmp_path), "1a2b", tmp_path / "back")
    assert (folder / "a-result.json").read_text() == '{"status": "passed"}' and (folder / "sub" / "b.txt").exists()


def test_a_changed_file_is_refused(tmp_path):
    store = kept(tmp_path)
    store.write("runs/1a2b/sub/b.txt", b"rewritten")
    with pytest.raises(RecordError, match=r"runs/1a2b/sub/b.txt changed \(sha256 .*, recorded .*\) -> the stored run"):
        fetch_run(store, "1a2b", tmp_path / "back")


def test_a_missing_file_is_refused(tmp_path):
    store = kept(tmp_path)
    store.delete("runs/1a2b/a-result.json")
    with pytest.raises(RecordError, match=r"runs/1a2b/a-result.json is missing -> the stored run"):
        fetch_run(store, "1a2b", tmp_path / "back")


@pytest.mark.parametrize("name", ["runs/1a2b/../escaped.txt", "runs/other/escaped.txt"])
def test_a_manifest_name_outside_the_run_writes_nothing_outside_its_folder(tmp_path, name):
    store = kept(tmp_path)
    store.write(name, b"b")  # the same bytes as sub/b.txt: its digest matches
    manifest = json.loads(store.read("runs/1a2b/manifest.json"))
    store.write("runs/1a2b/manifest.json", json.dumps({**manifest, name: manifest["runs/1a2b/sub/b.txt"]}).encode())
    with pytest.raises(RecordError, match=f"manifest.json lists {re.escape(name)}, which is outside run 1a2b -> "):
        fetch_run(store, "1a2b", tmp_path / "back")
    assert not (tmp_path / "escaped.txt").exists() and not list((tmp_path / "back").rglob("*escaped*"))
