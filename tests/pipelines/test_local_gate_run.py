"""The documented local gate run, run as it stands: the evidence made, the gate green, then one item broken and named.

The block after the marker in docs/gates-and-rollback.md is run line by line with bash in a scratch copy of the
repository (its files linked, its reports/ fresh), against the session's sandbox. Each line must exit as its
``# exit N`` comment says (0 when it says nothing), and the last run must print the failure the page quotes
after the block.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from pytest_runs import scratch_repository

REPO = Path(__file__).resolve().parents[2]
PAGE = REPO / "docs" / "gates-and-rollback.md"
MARKER = "<!-- tests/pipelines/test_local_gate_run.py runs this block"


def documented_run() -> tuple[list[str], str]:
    """The block's command lines, and the failure the page quotes after it."""
    text = PAGE.read_text()
    after = text[text.index(MARKER):]
    block = re.search(r"```sh\n(.*?)```", after, re.S)
    lines = [line for line in block.group(1).splitlines() if line.strip() and not line.startswith("#")]
    quoted = re.search(r"`([^`]+)`", after[block.end():]).group(1)
    return lines, quoted


def expected_exit(line: str) -> int:
    said = re.search(r"#\s*exit (\d+)", line)
    return int(said.group(1)) if said else 0


def test_the_documented_local_gate_run_passes_then_names_the_broken_item(run_drill, faults, tmp_path):
    lines, quoted = documented_run()
    assert [expected_exit(line) for line in lines if " -m gate " in line] == [0, 1], "green, then broken"
    workdir = scratch_repository(REPO, tmp_path)
    _, env = run_drill.command()  # the session's sandbox and its tokens
    env = {key: value for key, value in env.items() if key not in ("DRILLBOOK_RUN_DIR", "PYTEST_ADDOPTS")}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])  # this venv's pytest
    runs = []
    for line in lines:
        done = subprocess.run(["bash", "-c", line], cwd=workdir, env=env, capture_output=True, text=True, timeout=240)
        print(f"$ {line}\n{done.stdout}{done.stderr}")
        assert done.returncode == expected_exit(line), f"{line}\n{done.stdout[-3000:]}{done.stderr[-2000:]}"
        runs.append(done.stdout)
    green, broken = [out for line, out in zip(lines, runs) if " -m gate " in line]
    assert re.search(r"=+ 6 passed, 2 skipped, \d+ deselected", green) and "FAILED" not in green
    assert re.search(r"=+ 1 failed, 5 passed, 2 skipped", broken)
    assert "FAILED gates/test_gates.py::test_code_review_approved" in broken
    assert quoted in " ".join(broken.split())
    assert (workdir / "reports" / "journal" / "drills.jsonl").is_file()  # the record is the scratch copy's own
