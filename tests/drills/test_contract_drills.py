"""The contract drill on the sandbox: it passes when healthy, and a route that 500s or breaks its schema fails it.

The drills run with a small example budget (an env file next to local.toml) to stay quick; the bounds
themselves are tested in tests/contract. Reads and writes are two tests; the writes one is destructive.
"""

import json
import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest

from drillbook.config.environments import ENVIRONMENTS_DIR

CONTRACT = ("-m", "contract")


@pytest.fixture
def contract_env(tmp_path):
    """``--env-file=...``: the local sandbox with [contract] bounds for a quick drill."""
    def write(max_examples: int = 5, max_seconds: float = 60) -> str:
        path = tmp_path / "contract-local.toml"
        path.write_text(f'[target]\ntier = "local"\nbase_url = "sandbox"\n\n'
                        f'[auth]\nadmin_token = {{ env = "CASTIEL_ADMIN_TOKEN" }}\n\n'
                        f"[contract]\nmax_examples = {max_examples}\nmax_seconds = {max_seconds}\n")
        return f"--env-file={path}"

    return write


def contract_run_attachment(results: Path) -> str:
    """The "contract run" text the drill attached: one line per operation and mode, then the writes."""
    [text] = [t for p in results.glob("*-attachment.txt") if " operations, " in (t := p.read_text())]
    return text


def test_the_local_environment_runs_the_contract_within_its_budget():
    text = (ENVIRONMENTS_DIR / "local.toml").read_text()
    assert "[contract]" in text and "max_seconds = 60" in text


def test_contract_passes_on_a_healthy_sandbox(run_drill, faults, contract_env):
    result = run_drill(*CONTRACT, contract_env(), paths=("checks",))
    result.assert_outcomes(passed=2)


def test_without_destructive_drills_the_contract_sends_no_write(run_drill, faults, contract_env):
    result = run_drill("-m", "contract and not destructive", contract_env(), paths=("checks",))
    result.assert_outcomes(passed=1)
    attachment = contract_run_attachment(run_drill.results)
    sent = {line.split()[0] for line in attachment.splitlines() if line.startswith("  ")}
    assert sent == {"GET"}, attachment
    assert "drill writes" not in attachment


def test_the_write_drill_says_what_it_wrote_and_that_it_removed_it(run_drill, faults, contract_env):
    result = run_drill("-m", "contract and destructive", contract_env(), paths=("checks",))
    result.assert_outcomes(passed=1)
    attachment = contract_run_attachment(run_drill.results)
    assert {line.split()[0] for line in attachment.splitlines() if line.startswith("  ")} == {"POST", "PUT", "DELETE"}
    assert "drill writes under tenant drillbook-drill-" in attachment and " created, all removed" in attachment


def test_an_endpoint_that_500s_fails_with_the_operation_check_curl_and_remedy(run_drill, faults, contract_env):
    faults.inject("/api/shards/{id}", error_rate=1.0, status=500)
    result = run_drill(*CONTRACT, contract_env(), paths=("checks",))
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "1 of 11 operations broke the contract:",
        "GET /api/shards/{id} (positive data, request 1): not_a_server_error: Server error - status 500; "
        "status_code_conformance: Undocumented status code - Received: 500 Documented: 200, 404, 503",
        '  answer: 500 {"error":"Internal Server Error","details":*"injected by sandbox fault *',  # * for [
        "  reproduce: curl -X GET http://127.0.0.1:*/api/shards/*",
        "*(over * requests in * s, source: http://127.0.0.1:*/openapi.json) -> runbook §API contract: "
        "reproduce the failing request with the curl line above; fix the handler*",
        "2 of 5 operations broke the contract:",
        "PUT /api/shards/{id} (positive data, request 1): not_a_server_error*",
        "DELETE /api/shards/{id} (positive data, request 1): not_a_server_error*",
        "* drill writes of tenant drillbook-drill-* are still on the target -> the next write drill removes them*"])


def test_a_server_error_on_one_request_in_five_is_still_caught(run_drill, faults, contract_env):
    faults.inject("/api/embeddings/jobs", error_rate=0.2, status=502)  # the sandbox fails every 5th request
    result = run_drill(*CONTRACT, contract_env(max_examples=10), paths=("checks",))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["1 of 5 operations broke the contract:",
                                 "POST /api/embeddings/jobs (positive data, request 5): not_a_server_error: "
                                 "Server error - status 502; status_code_conformance: Undocumented status code*"])


def test_a_body_that_breaks_the_documented_schema_fails(run_drill, faults, contract_env):
    faults.inject("/health", status=200, body={"status": "degraded", "version": "1.4.2", "uptime_s": 1})
    result = run_drill(*CONTRACT, contract_env(), paths=("checks",))
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["1 of 11 operations broke the contract:",
                                 "GET /health (positive data, request 1): response_schema_conformance: "
                                 'Response violates schema - "degraded" is not one of "healthy"*'])


def test_a_run_out_of_time_is_inconclusive_not_a_pass(run_drill, faults, contract_env):
    result = run_drill(*CONTRACT, contract_env(max_seconds=0.001), paths=("checks",))
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["inconclusive: the time budget ran out before 11 of 11 operations got a single "
                                 "request (GET /api/admin/cache/stats, *) -> raise * max_seconds or lower "
                                 "max_examples (over 0 requests in * s, source: *"])


def test_smoke_and_security_runs_import_no_schemathesis(drill_imports, faults):
    result, modules = drill_imports("-m", "smoke or security")
    assert sorted(m for m in modules if m.split(".")[0] in ("schemathesis", "hypothesis")) == []
    assert result.parseoutcomes()["passed"] > 10


def test_ctrl_c_always_ends_the_contract_drill_as_interrupted_and_leaves_nothing(sandbox, faults, contract_env,
                                                                                 tmp_path):
    """Ctrl-Cs at spread-out moments of the drill, and more while schemathesis loads: each ends it as interrupted.

    schemathesis' @dataclass classes build their methods with exec(); a Ctrl-C landing there used to end the
    run by SIGINT (-2) after pytest had reported it interrupted (see drillbook.interrupts.CtrlC).
    """
    from interrupted_runs import InterruptibleRun

    spread, while_schemathesis_loads = random.Random(10).sample(range(0, 300), 6), range(5, 45, 5)
    env_file, interrupted = contract_env(max_examples=60), 0
    for attempt, delay_cs in enumerate(sorted([*spread, *while_schemathesis_loads])):
        workdir = tmp_path / f"run{attempt}"
        (workdir / "tmp").mkdir(parents=True)
        run = InterruptibleRun(_drill_argv(workdir, "-v", *CONTRACT, env_file), workdir,
                               _drill_environ(sandbox, workdir))
        run.wait_for_line("checks/test_contract.py::test_reads")
        time.sleep(delay_cs / 100)
        if _finished(run.lines):  # a fast machine ran the whole drill before this Ctrl-C: nothing to interrupt
            run.finish()
            continue
        run.signal(signal.SIGINT)
        rc, output = run.finish()
        interrupted += 1
        context = f"Ctrl-C {delay_cs / 100:.2f} s into the contract drill"
        assert rc == 2, f"{context}: exit {rc} (expected 2, interrupted)\n{output[-3000:]}"
        [entry] = [json.loads(line) for line in (workdir / "journal" / "drills.jsonl").read_text().splitlines()]
        assert (entry["interrupted"], entry["exit_status"], entry["failures"]) == (True, 2, {}), context
        assert entry["drill_writes_left"] == 0, context
        assert "Traceback" not in output and "Exception ignored" not in output, context
        assert list((workdir / "tmp").iterdir()) == [], context  # no drillbook-run-* directory
        assert run.children() == [], context
    assert interrupted >= 3 + len(while_schemathesis_loads), \
        f"only {interrupted} of {attempt + 1} Ctrl-Cs reached a running drill; raise max_examples"


def _finished(lines: list[str]) -> bool:
    """Whether pytest has printed its final summary line ("== 2 passed in 3.1s ==")."""
    return any(line.startswith("=") and " in " in line and ("passed" in line or "failed" in line) for line in lines)


def _drill_argv(workdir: Path, *args: str) -> list[str]:
    repo = Path(__file__).resolve().parents[2]
    return [sys.executable, "-m", "pytest", f"--rootdir={repo}", "-c", str(repo / "pyproject.toml"),
            "-p", "no:cacheprovider", f"--basetemp={workdir / 'basetemp'}", f"--alluredir={workdir / 'results'}",
            f"--journal-dir={workdir / 'journal'}", *args, str(repo / "checks")]


def _drill_environ(sandbox, workdir: Path) -> dict[str, str]:
    return {**os.environ, "DRILLBOOK_SANDBOX_URL": sandbox.url, "CASTIEL_ADMIN_TOKEN": sandbox.admin_token,
            "SANDBOX_FAULT_TOKEN": sandbox.fault_token, "NO_PROXY": "127.0.0.1,localhost", "PY_COLORS": "0",
            "TMPDIR": str(workdir / "tmp")}
