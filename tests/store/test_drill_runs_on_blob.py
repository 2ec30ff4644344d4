"""Whole drill runs whose [record] is a blob container: results kept under the run id, the gates read the shared
journal, and a store that dies mid-run ends the run with one line naming it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from sandbox.azurite import start_azurite
from stores import CONNECTION_VAR, blob_env, open_test_store

LIVE = ("-m", "health", "-k", "live")
TESTS = Path(__file__).resolve().parents[1]
# A drill that holds the run until the test has stopped the store (the journal is written when the run ends).
HOLDING_DRILL = """
import time
from pathlib import Path

import pytest


@pytest.mark.smoke
def test_holds_until_the_store_is_gone():
    signals = Path({folder!r})
    (signals / "started").touch()
    deadline = time.monotonic() + 60
    while not (signals / "stopped").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
"""


def journal(*args: str, environ: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "drillbook", *args], capture_output=True, text=True, timeout=120,
                          env=environ)


def test_a_run_keeps_its_results_under_its_run_id_and_verify_reads_them_back(run_drill, faults, azurite, blob_store,
                                                                              env_file, tmp_path):
    environ = {CONNECTION_VAR: azurite.connection_string}
    path = blob_env(env_file, blob_store.container_name)
    result = run_drill(*LIVE, f"--env-file={path}", f"--journal-dir={tmp_path / 'local'}", environ=environ)
    assert result.ret == 0, "\n".join(result.outlines[-20:])
    entry = json.loads(blob_store.read("drills.jsonl"))
    prefix = f"runs/{entry['run_id']}/"
    assert entry["results"] == prefix and entry["artifacts"]
    assert all(name.startswith(prefix) for name in entry["artifacts"])
    assert json.loads(blob_store.read(prefix + "manifest.json")) == entry["artifacts"]
    assert not (tmp_path / "local" / "drills.jsonl").exists()  # nothing of the journal stayed on this machine
    env = {**run_drill.command()[1], **environ}
    intact = journal("journal", "verify", f"--env-file={path}", environ=env)
    assert intact.returncode == 0 and "1 entries, chain and artifacts intact" in intact.stdout, intact.stderr

    report = journal("report", "--run", entry["run_id"], f"--env-file={path}", "--results",
                     str(tmp_path / "fetched"), "--output", str(tmp_path / "html"), environ=env)
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "html" / "index.html").is_file() and report.stdout.startswith("report: ")
    assert sorted(p.relative_to(tmp_path / "fetched").as_posix() for p in (tmp_path / "fetched").rglob("*")
                  if p.is_file()) == sorted(name.removeprefix(prefix) for name in entry["artifacts"])

    tampered = next(name for name in entry["artifacts"] if name.endswith("-result.json"))
    blob_store.write(tampered, blob_store.read(tampered).replace(b'"passed"', b'"failed"'))
    broken = journal("journal", "verify", f"--env-file={path}", environ=env)
    assert broken.returncode == 1
    assert f": entry 1 (started {entry['started']}): artifact {blob_store.locate(tampered)} changed (sha256 " \
        in broken.stderr


def test_the_cadence_gate_sees_a_drill_another_machine_journaled(run_drill, azurite, blob_store, env_file, tmp_path):
    environ = {CONNECTION_VAR: azurite.connection_string}
    path = blob_env(env_file, blob_store.container_name, '\n[cadence]\nenforce = true\nkinds = ["chaos"]\n')
    gate = ("-m", "gate", f"--env-file={path}", f"--journal-dir={tmp_path / 'this-machine'}")
    before = run_drill(*gate, paths=("checks/test_cadence.py",), environ=environ)
    before.assert_outcomes(failed=1)
    before.stdout.fnmatch_lines([f"*cadence ({blob_store.locate('drills.jsonl')}): no passing chaos drill on "
                                 "staging in the journal -> run pytest -m chaos --env staging*"])
    other_machine = subprocess.run(  # another process, another journal folder: only the container is shared
        [sys.executable, "-c", OTHER_MACHINE, blob_store.container_name], cwd=tmp_path, timeout=60,
        env={**run_drill.command()[1], **environ,
             "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])})
    assert other_machine.returncode == 0
    after = run_drill(*gate, paths=("checks/test_cadence.py",), environ=environ)
    after.assert_outcomes(passed=1)


OTHER_MACHINE = """
import sys
from datetime import datetime, timezone
from stores import open_test_store
from drillbook.record.chain import append_chained
append_chained(open_test_store("blob", sys.argv[1]), "drills.jsonl",
               {"started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "environment": "staging",
                "markers": "chaos", "kinds": {"chaos": "passed"}, "exit_status": 0})
"""


def test_a_store_that_stops_mid_run_ends_the_run_with_one_line_naming_it(run_drill, env_file, tmp_path, monkeypatch):
    drill = tmp_path / "holding" / "test_holding.py"
    drill.parent.mkdir()
    drill.write_text(HOLDING_DRILL.format(folder=str(tmp_path)))
    with start_azurite(tmp_path / "azurite") as azurite:
        container = f"t-{uuid.uuid4().hex[:12]}"
        environ = {CONNECTION_VAR: azurite.connection_string}
        store = open_test_store_with(azurite.connection_string, container, monkeypatch)
        store.create_container()
        path = blob_env(env_file, container)
        argv, env = run_drill.command("-m", "smoke", f"--env-file={path}", f"--journal-dir={tmp_path / 'local'}",
                                      paths=(str(drill),), environ=environ)
        run = subprocess.Popen(argv, cwd=run_drill.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        deadline = time.monotonic() + 60
        while not (tmp_path / "started").exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        azurite.process.stop(timeout=1.0)
        stopped = time.monotonic()
        (tmp_path / "stopped").touch()
        out, err = run.communicate(timeout=60)
    assert time.monotonic() - stopped < 15
    assert run.returncode == 4, out[-2000:] + err[-2000:]
    assert "1 passed" in out
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith(f"drillbook: this run's record was not kept: store azure blob {azurite.account_url}, "
                               f"container {container}: unreachable (ServiceRequestError) writing runs/")
    assert lines[0].endswith(f"-> check that {azurite.account_url} is reachable from this machine (firewall, private "
                             "endpoint, proxy) and account_url in [record]")


def open_test_store_with(connection_string: str, container: str, monkeypatch):
    monkeypatch.setenv(CONNECTION_VAR, connection_string)
    return open_test_store("blob", container)


def test_a_store_that_does_not_answer_at_the_start_refuses_the_run_before_any_drill(run_drill, env_file, tmp_path):
    from sandbox.azurite import DEV_ACCOUNT, DEV_KEY
    from sandbox.processes import free_ports

    endpoint = f"http://127.0.0.1:{free_ports(1)[0]}/{DEV_ACCOUNT}"
    environ = {CONNECTION_VAR: f"AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};BlobEndpoint={endpoint};"}
    result = run_drill(*LIVE, f"--env-file={blob_env(env_file, 'drillbook-record')}", environ=environ, timeout=60)
    assert result.ret == 4 and "collected" not in result.stdout.str()
    result.stderr.fnmatch_lines([f"ERROR: store azure blob {endpoint}, container drillbook-record: unreachable "
                                 "(ServiceRequestError) reading the container's properties -> check that "
                                 f"{endpoint} is reachable from this machine *"])
    assert DEV_KEY not in result.stdout.str() + result.stderr.str()
