"""A configuration error is no drill outcome: refused up front when it can be, else recorded apart, never "failed"."""

import json
import os
import subprocess
import sys


def journal_lines(directory) -> list[dict]:
    path = directory / "drills.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def journal_status(directory) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "drillbook", "journal", "status", "--journal-dir", str(directory)],
                          capture_output=True, text=True, timeout=60)


def test_the_azure_load_engine_on_the_local_tier_is_refused_before_anything_runs(run_drill, tmp_path):
    journal = tmp_path / "journal"
    result = run_drill("-m", "load", "--load-engine", "azure", f"--journal-dir={journal}", paths=("load",))
    assert result.ret == 4
    assert [line for line in result.errlines if line] == ["ERROR: --load-engine azure loads the target from Azure's machines, and the local "
                               "tier reaches only loopback -> run the azure engine against a staging environment, "
                               "or locust here"]
    assert journal_lines(journal) == []  # no drill ran: nothing to record
    assert "load" not in journal_status(journal).stdout


def test_a_configuration_error_inside_a_drill_is_recorded_as_misconfigured_not_failed(run_drill, env_file, tmp_path):
    """Staging's DR drill on Azure, with no Cosmos account named: one line, exit 4, no failed dr in the record."""
    path = env_file('\n[azure]\nsubscription_id = "00000000-0000-0000-0000-000000000000"\n'
                    'resource_group = "rg-castiel-staging"\n', tier="staging", base_url="https://castiel-drill.invalid")
    journal = tmp_path / "journal"
    pythonpath = os.pathsep.join(filter(None, [str(run_drill.repo / "tests"), os.environ.get("PYTHONPATH")]))
    result = run_drill("-p", "invalid_names", "-m", "dr", f"--env-file={path}", f"--journal-dir={journal}",
                       paths=("chaos",), environ={"PYTHONPATH": pythonpath})
    assert result.ret == 4, "\n".join(result.outlines[-20:])
    result.stdout.fnmatch_lines(["drill-env.toml: [[]azure] needs cosmos_account for this Azure drill -> add "
                                 "cosmos_account (the names of the subscription's resources)",
                                 "*drillbook: a configuration error stopped 1 drill(s), recorded as misconfigured, "
                                 "not failed: drill-env.toml: [[]azure] needs cosmos_account*"])
    assert "Traceback" not in result.stdout.str()
    [entry] = journal_lines(journal)
    assert entry["counts"] == {"misconfigured": 1} and entry["kinds"] == {} and entry["failures"] == {}
    assert list(entry["misconfigured"].values()) == [
        "drill-env.toml: [azure] needs cosmos_account for this Azure drill -> add cosmos_account (the names of the "
        "subscription's resources)"]
    assert entry["exit_status"] == 4
    assert "failed" not in journal_status(journal).stdout
