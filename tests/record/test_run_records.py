"""One run, one record: a results folder per run, a latest pointer, and a journal entry whose manifest verifies."""

import json
import re
import signal
import subprocess
import sys

from interrupted_runs import InterruptibleRun

LIVE = ("-m", "health", "-k", "live")
RUN_NAME = re.compile(r"\d{8}T\d{6}Z-local-[0-9a-f]{8}")
WATCH_TICKING = re.compile(r"^watch \d\d:\d\d/01:00 \| ")


def run_without_alluredir(run_drill, *args: str) -> subprocess.CompletedProcess:
    """A drill run as an operator types it: no --alluredir, so drillbook names the results folder."""
    argv, env = run_drill.command(*LIVE, *args)
    argv = [arg for arg in argv if not arg.startswith("--alluredir")]
    env.pop("DRILLBOOK_RUN_DIR", None)
    done = subprocess.run(argv, cwd=run_drill.workdir, env=env, capture_output=True, text=True, timeout=240)
    print(done.stdout, done.stderr)
    return done


def verify(journal_dir):
    return subprocess.run([sys.executable, "-m", "drillbook", "journal", "verify", "--journal-dir", str(journal_dir)],
                          capture_output=True, text=True, timeout=60)


def test_two_consecutive_runs_give_two_separate_records(run_drill, faults):
    first, second = run_without_alluredir(run_drill), run_without_alluredir(run_drill, "-n", "2")
    assert (first.returncode, second.returncode) == (0, 0)
    runs = run_drill.workdir / "reports" / "runs"
    journal = run_drill.workdir / "reports" / "journal" / "drills.jsonl"
    entries = [json.loads(line) for line in journal.read_text().splitlines()]  # in run order, one per run
    folders = [runs / e["results"].removeprefix("../runs/") for e in entries]
    assert sorted(p.name for p in runs.iterdir() if p.name != "latest") == sorted(p.name for p in folders)
    assert [bool(RUN_NAME.fullmatch(p.name)) for p in folders] == [True, True]
    for folder in folders:  # each run's own results, xdist workers' included, and its own environment
        assert len(list(folder.glob("*-result.json"))) == 1 and (folder / "environment.properties").is_file()
    assert (runs / "latest").resolve() == folders[1].resolve()
    assert [e["run_id"] for e in entries] == [p.name.rsplit("-", 1)[1] for p in folders]
    assert all(name.startswith(f"../runs/{folders[1].name}/") for name in entries[1]["artifacts"])


def test_an_explicit_alluredir_wins(run_drill, faults):
    run_drill(*LIVE).assert_outcomes(passed=1)
    assert list(run_drill.results.glob("*-result.json")) and not (run_drill.workdir / "reports" / "runs").exists()


def test_editing_a_real_run_s_journal_or_artifact_fails_verify_at_that_entry(run_drill, faults, tmp_path):
    journal = tmp_path / "journal"
    for n in (1, 2):
        run_without_alluredir(run_drill, f"--journal-dir={journal}", f"--junitxml={tmp_path / f'junit-{n}.xml'}")
    path = journal / "drills.jsonl"
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert verify(journal).returncode == 0
    assert any(name.endswith("junit-1.xml") for name in entries[0]["artifacts"])
    assert any(name.endswith("-result.json") for name in entries[0]["artifacts"])
    assert entries[0]["operator"] and entries[0]["duration_s"] > 0 and entries[0]["kinds"] == {"smoke": "passed"}
    assert entries[0]["commit"] and entries[0]["interrupted_drills"] == []
    assert (entries[0]["markers"], entries[0]["keyword"], entries[0]["expected_version"]) == ("health", "live", None)

    junit = (tmp_path / "junit-1.xml").read_text()
    (tmp_path / "junit-1.xml").write_text(junit.replace('failures="0"', 'failures="1"'))
    broken = verify(journal)
    assert broken.returncode == 1 and f": entry 1 (started {entries[0]['started']}): artifact " in broken.stderr
    assert f"artifact {tmp_path / 'junit-1.xml'} changed" in broken.stderr
    (tmp_path / "junit-1.xml").write_text(junit)

    lines = path.read_text().splitlines()
    lines[1] = json.dumps({**json.loads(lines[1]), "exit_status": 1})
    path.write_text("\n".join(lines) + "\n")
    assert f": entry 2 (started {entries[1]['started']}): its sha256 does not match" in verify(journal).stderr


def test_the_operator_is_the_pipeline_identity(run_drill, faults, tmp_path):
    run_drill(*LIVE, f"--journal-dir={tmp_path}", environ={"GITHUB_ACTOR": "octocat"})
    entry = json.loads((tmp_path / "drills.jsonl").read_text())
    assert entry["operator"] == "octocat (GitHub Actions)"
    assert "operator=octocat (GitHub Actions)" in (run_drill.results / "environment.properties").read_text()


def test_an_interrupted_watch_is_recorded_as_interrupted(run_drill, faults, tmp_path):
    argv, env = run_drill.command("-m", "watch", "--watch", "60s", "--watch-window", "2s", "--watch-interval", "1s",
                                  "--watch-probe-rps", "5", "--watch-min-requests", "5", "-s",
                                  f"--journal-dir={tmp_path}")
    run = InterruptibleRun(argv, run_drill.workdir, env)
    try:
        run.wait_for_line(WATCH_TICKING)  # the watch is under way: a progress line, not a fixed time after its start
    finally:
        run.signal(signal.SIGINT)  # as Ctrl-C does
    run.finish(timeout=60)
    entry = json.loads((tmp_path / "drills.jsonl").read_text())
    assert entry["exit_status"] == 2 and entry["kinds"] == {"watch": "interrupted"}
    assert [n.split("::")[-1] for n in entry["interrupted_drills"]] == ["test_post_deploy_watch_holds_the_runbook_thresholds"]


def test_a_run_without_drills_leaves_latest_alone(run_drill, faults):
    assert run_without_alluredir(run_drill).returncode == 0
    runs = run_drill.workdir / "reports" / "runs"
    drills = (runs / "latest").resolve()
    argv, env = run_drill.command("-k", "nothing_matches_this")
    argv = [arg for arg in argv if not arg.startswith("--alluredir")]
    subprocess.run(argv, cwd=run_drill.workdir, env=env, capture_output=True, timeout=240)
    assert len([p for p in runs.iterdir() if p.name != "latest"]) == 2 and (runs / "latest").resolve() == drills
