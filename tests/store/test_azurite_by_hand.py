"""``python -m sandbox.azurite``: a local Blob endpoint with the record's container, stopped by Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys

from drillbook.config.sections import RecordSection
from drillbook.store import open_store


def test_it_prints_the_connection_and_a_store_opens_on_it(tmp_path, monkeypatch):
    run = subprocess.Popen([sys.executable, "-m", "sandbox.azurite", "--location", str(tmp_path)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, export, record = (run.stdout.readline() for _ in range(3))
        assert ready.startswith("azurite: ready at http://127.0.0.1:") and "container drillbook-record" in ready
        name, _, value = export.removeprefix("export ").strip().partition("=")
        monkeypatch.setenv(name, value.strip("'"))
        assert record.startswith('[record] store = "blob", container = "drillbook-record"')
        store = open_store(RecordSection(store="blob", container="drillbook-record",
                                         connection_string={"env": name}), tmp_path, where="test")
        store.append_line("drills.jsonl", lambda end: b"one\n")
        assert store.read("drills.jsonl") == b"one\n"
    finally:
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=10) == 0, run.stderr.read()
