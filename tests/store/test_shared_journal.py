"""The drill journal in a blob container that several machines share: one chain, read back by journal verify|status."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from drillbook.__main__ import main
from drillbook.record.chain import append_chained
from stores import CONNECTION_VAR

TESTS = Path(__file__).resolve().parents[1]
# One "machine": appends its entries at the given moments, through the real chained writer and blob store.
MACHINE = """
import sys, time
from stores import open_test_store
from drillbook.record.chain import append_chained
store = open_test_store("blob", sys.argv[1])
append_line, links = store.append_line, []
store.append_line = lambda name, build: append_line(name, lambda content: links.append(1) or build(content))
for n, moment in enumerate(float(t) for t in sys.argv[3:]):
    time.sleep(max(0.0, moment - time.time()))
    append_chained(store, "drills.jsonl", {"started": "2026-12-07T13:00:00+00:00", "machine": sys.argv[2], "n": n})
print(len(links) - (len(sys.argv) - 3))  # how often this machine lost the race and relinked
"""


def env_with_store(tmp_path: Path, container: str, extra: str = "") -> Path:
    path = tmp_path / "shared.toml"
    path.write_text(f'[target]\ntier = "local"\nbase_url = "sandbox"\n\n[record]\nstore = "blob"\n'
                    f'container = "{container}"\nconnection_string = {{ env = "{CONNECTION_VAR}" }}\n{extra}')
    return path


def verify(path: Path, capsys, **arm_options) -> tuple[int, str, str]:
    code = main(["journal", "verify", "--env-file", str(path)], arm_options=arm_options or None)
    out, err = capsys.readouterr()
    return code, out, err


def test_ten_pairs_of_runs_appending_at_the_same_moment_keep_one_chain(blob_store, tmp_path, capsys):
    start = time.time() + 2.0  # both machines started and connected by then
    moments = [str(start + 0.25 * n) for n in range(10)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")])}
    machines = [subprocess.Popen([sys.executable, "-c", MACHINE, blob_store.container_name, name, *moments], env=env,
                                 stdout=subprocess.PIPE, text=True) for name in ("a", "b")]
    relinked = sum(int(machine.communicate(timeout=60)[0]) for machine in machines)
    assert [machine.returncode for machine in machines] == [0, 0]
    assert relinked > 0, "no pair raced: the test proved nothing about conditional appends"  # here: 10 of 10
    entries = [json.loads(line) for line in blob_store.read("drills.jsonl").splitlines()]
    assert sorted((e["machine"], e["n"]) for e in entries) == sorted((m, n) for m in "ab" for n in range(10))
    code, out, err = verify(env_with_store(tmp_path, blob_store.container_name), capsys)
    assert (code, err) == (0, "")
    assert (f"journal verify: {blob_store.locate('drills.jsonl')}: 20 entries, chain and artifacts intact, "
            "head sha256 ") in out


def test_an_edited_stored_entry_fails_verify_at_that_entry(blob_store, tmp_path, capsys):
    for day in (1, 2, 3):
        append_chained(blob_store, "drills.jsonl", {"started": f"2026-12-0{day}T10:00:00+00:00", "operator": "ops"})
    lines = blob_store.read("drills.jsonl").decode().splitlines()
    lines[1] = lines[1].replace('"operator": "ops"', '"operator": "someone else"')
    blob_store.write("drills.jsonl", ("\n".join(lines) + "\n").encode())
    code, out, err = verify(env_with_store(tmp_path, blob_store.container_name), capsys)
    assert (code, out) == (1, "")
    assert err == (f"journal verify: {blob_store.locate('drills.jsonl')}: entry 2 (started 2026-12-02T10:00:00+00:00):"
                   " its sha256 does not match its content -> the entry was edited after it was written\n")


def test_status_reads_the_shared_journal_and_a_missing_one_is_named(blob_store, tmp_path, capsys):
    path = env_with_store(tmp_path, blob_store.container_name)
    assert main(["journal", "status", "--env-file", str(path)]) == 3
    assert capsys.readouterr().err == (
        f"journal status: no journal at {blob_store.locate('drills.jsonl')} (no drills.jsonl in that container) -> "
        "run a drill against this environment first, or check [record] container\n")
    append_chained(blob_store, "drills.jsonl", {"started": "2026-12-07T10:00:00+00:00", "environment": "staging",
                                                "kinds": {"chaos": "passed"}})
    assert main(["journal", "status", "--env-file", str(path)]) == 0
    assert "chaos     staging        2026-12-07T10:00:00Z passed" in capsys.readouterr().out


def test_an_unreachable_journal_is_one_line_and_exit_4_never_an_empty_history(tmp_path, monkeypatch, capsys):
    from sandbox.azurite import DEV_ACCOUNT, DEV_KEY
    from sandbox.processes import free_ports

    port = free_ports(1)[0]
    monkeypatch.setenv(CONNECTION_VAR, f"AccountName={DEV_ACCOUNT};AccountKey={DEV_KEY};"
                                       f"BlobEndpoint=http://127.0.0.1:{port}/{DEV_ACCOUNT};")
    path = env_with_store(tmp_path, "drillbook-record", "timeout_s = 1\n")
    for action in ("verify", "status"):
        started = time.monotonic()
        assert main(["journal", action, "--env-file", str(path)]) == 4
        assert time.monotonic() - started < 5
        out, err = capsys.readouterr()
        assert out == "" and err.count("\n") == 1
        assert err.startswith(f"journal {action}: store azure blob http://127.0.0.1:{port}/{DEV_ACCOUNT}, container "
                              "drillbook-record: unreachable (ServiceRequestError)")


@pytest.mark.parametrize(("container", "line"), [
    ("versioning_worm.json", "journal verify: container {c}: protected against rewrite: version-level immutability"),
    ("retention_locked.json", "journal verify: container {c}: protected against rewrite: time-based retention of "
                              "2555 days (locked)"),
    ("retention_unlocked.json", "journal verify: warning: container {c}: time-based retention of 2555 days is "
                                'unlocked: an owner can still remove it -> lock it (README "A shared record")'),
    ("unprotected.json", "journal verify: warning: container {c}: NOT protected against rewrite (no version-level "
                         "immutability, no time-based retention policy): whoever can write to it can replace an "
                         'entry, and the chain only shows that it changed -> add a retention policy (README "A '
                         'shared record")'),
    ("retention_no_appends.json", "journal verify: container {c}: protected against rewrite: time-based retention "
                                  "of 2555 days (locked); but protected append writes are off, so no run can append "
                                  'to the journal -> allow them (README "A shared record")'),
])
def test_verify_reports_whether_the_container_is_protected_against_rewrite(blob_store, tmp_path, capsys, container,
                                                                          line):
    from loopback import FakeCredential
    from recorded_arm import RecordedArm

    append_chained(blob_store, "drills.jsonl", {"started": "2026-12-07T10:00:00+00:00"})
    extra = ('resource_group = "rg-castiel-drills"\n\n[azure]\n'
             'subscription_id = "00000000-0000-0000-0000-0000000c4571"\n')
    with RecordedArm() as arm:
        arm.answer("GET", f"/storageAccounts/devstoreaccount1/blobServices/default/containers/"
                          f"{blob_store.container_name}", f"storage/{container}")
        code, out, err = verify(env_with_store(tmp_path, blob_store.container_name, extra), capsys,
                                credential=FakeCredential(), transport=arm.transport())
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == line.format(c=blob_store.container_name)
    assert arm.calls()[0][1].startswith("/subscriptions/00000000-0000-0000-0000-0000000c4571/resourceGroups/rg-castiel-"
                                        "drills/providers/Microsoft.Storage/storageAccounts/devstoreaccount1")


def test_verify_says_when_the_protection_could_not_be_read(blob_store, tmp_path, capsys):
    append_chained(blob_store, "drills.jsonl", {"started": "2026-12-07T10:00:00+00:00"})
    code, out, _ = verify(env_with_store(tmp_path, blob_store.container_name), capsys)
    assert code == 0
    assert out.splitlines()[-1] == (f"journal verify: warning: container {blob_store.container_name}: protection "
                                    "against rewrite not checked -> set [azure] subscription_id and [record] "
                                    "resource_group (the storage account's) to read it")
