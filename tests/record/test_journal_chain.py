"""The chained journal: verify passes on an intact journal and names the first entry or file that was changed."""

import json
import subprocess
import sys
from pathlib import Path

from drillbook.record import chain
from drillbook.store.local import LocalStore

WRITER = """
import sys
from pathlib import Path
from drillbook.record.chain import append_chained
from drillbook.store.local import LocalStore
for n in range(int(sys.argv[3])):
    path = Path(sys.argv[1])
    append_chained(LocalStore(path.parent), path.name, {"started": "2026-11-30T10:00:00+00:00", "writer": sys.argv[2],
                                                        "n": n})
"""


def append_chained(path: Path, entry: dict) -> dict:
    return chain.append_chained(LocalStore(path.parent), path.name, entry)


def verify_journal(path: Path) -> chain.Verification:
    return chain.verify_journal(LocalStore(path.parent), path.name)


def journal_of_three(tmp_path: Path) -> Path:
    artifact = tmp_path / "runs" / "run-2" / "result.json"
    artifact.parent.mkdir(parents=True)
    artifact.write_text('{"status": "passed"}')
    path = tmp_path / "journal" / "drills.jsonl"
    for n in range(3):
        artifacts = {"../runs/run-2/result.json": _sha(artifact)} if n == 1 else {}
        append_chained(path, {"started": f"2026-11-0{n + 1}T10:00:00+00:00", "operator": "ops", "artifacts": artifacts})
    return path


def _sha(path: Path) -> str:
    import hashlib
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _edit_line(path: Path, number: int, change) -> None:
    lines = path.read_text().splitlines()
    entry = json.loads(lines[number - 1])
    change(entry)
    lines[number - 1] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")


def test_an_intact_journal_verifies(tmp_path):
    found = verify_journal(journal_of_three(tmp_path))
    assert (found.entries, found.problem) == (3, None) and len(found.head) == 64


def test_an_edited_field_fails_at_that_entry(tmp_path):
    path = journal_of_three(tmp_path)
    _edit_line(path, 2, lambda entry: entry.update(operator="someone else"))
    assert verify_journal(path).problem.startswith("entry 2 (started 2026-11-02T10:00:00+00:00): its sha256 does not "
                                                   "match its content")


def test_an_edited_last_entry_fails_at_that_entry(tmp_path):
    path = journal_of_three(tmp_path)
    _edit_line(path, 3, lambda entry: entry.update(started="2026-11-29T10:00:00+00:00"))
    assert verify_journal(path).problem.startswith("entry 3 ")


def test_a_rehashed_edit_breaks_the_next_link(tmp_path):
    from drillbook.record.chain import entry_digest

    path = journal_of_three(tmp_path)
    _edit_line(path, 1, lambda entry: entry.update(operator="x", sha256=entry_digest({**entry, "operator": "x"})))
    assert verify_journal(path).problem.startswith("entry 2 (started 2026-11-02T10:00:00+00:00): previous_sha256 "
                                                   "does not match entry 1")


def test_a_removed_entry_is_found(tmp_path):
    path = journal_of_three(tmp_path)
    lines = path.read_text().splitlines()
    path.write_text(lines[0] + "\n" + lines[2] + "\n")
    assert verify_journal(path).problem.startswith("entry 2 (started 2026-11-03")


def test_a_changed_artifact_names_the_entry_and_the_file(tmp_path):
    path = journal_of_three(tmp_path)
    (tmp_path / "runs" / "run-2" / "result.json").write_text('{"status": "failed"}')
    problem = verify_journal(path).problem
    assert problem.startswith("entry 2 (started 2026-11-02T10:00:00+00:00): artifact ")
    assert "run-2/result.json changed (sha256 " in problem


def test_a_missing_artifact_is_named(tmp_path):
    path = journal_of_three(tmp_path)
    (tmp_path / "runs" / "run-2" / "result.json").unlink()
    assert "run-2/result.json is missing" in verify_journal(path).problem


def test_a_line_that_is_not_json_is_named(tmp_path):
    path = journal_of_three(tmp_path)
    path.write_text(path.read_text().replace('"operator"', 'operator', 1))
    assert verify_journal(path).problem.startswith("entry 1: not valid JSON")


def test_entries_written_before_the_chain_are_counted_not_trusted(tmp_path):
    path = tmp_path / "drills.jsonl"
    path.write_text('{"started": "2026-01-01T00:00:00+00:00"}\n')
    append_chained(path, {"started": "2026-11-01T00:00:00+00:00"})
    found = verify_journal(path)
    assert (found.problem, found.unchained) == (None, 1)
    with path.open("a") as handle:
        handle.write('{"started": "2026-11-02T00:00:00+00:00"}\n')  # unchained after the chain began: forged
    assert verify_journal(path).problem.startswith("entry 3 (started 2026-11-02T00:00:00+00:00): carries no sha256")


def test_concurrent_writers_keep_one_chain(tmp_path):
    path = tmp_path / "drills.jsonl"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name, "25"]) for name in ("a", "b", "c")]
    assert [writer.wait(timeout=120) for writer in writers] == [0, 0, 0]
    found = verify_journal(path)
    assert (found.entries, found.problem) == (75, None)


def test_verify_command_exits_1_and_names_the_entry(tmp_path):
    path = journal_of_three(tmp_path)
    command = [sys.executable, "-m", "drillbook", "journal", "verify", "--journal-dir", str(path.parent)]
    intact = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert intact.returncode == 0 and "3 entries, chain and artifacts intact, head sha256 " in intact.stdout
    _edit_line(path, 2, lambda entry: entry.update(operator="someone else"))
    broken = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert broken.returncode == 1 and ": entry 2 (started 2026-11-02T10:00:00+00:00): its sha256" in broken.stderr
