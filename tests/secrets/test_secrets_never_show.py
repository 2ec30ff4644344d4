"""Secrets never show: a distinct secret of each kind, the drills on xdist, one run interrupted, every artifact grepped.

The planted environment references an admin token, a Redis password (inside the Redis
URL), a Cosmos key, a Service Bus connection string and a Key Vault value (read from the
recorded vault by tests/secrets/leak_drills.py). The repo's drills run with them, some
failing against them, and the leak drills put every one of them into failure messages,
locals, output, logs, skip and xfail reasons, Allure steps, attachments and JUnit properties.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from loopback import loopback_only  # noqa: F401 (autouse)
from recorded_keyvault import RecordedKeyVault

LEAK_DRILLS = Path(__file__).with_name("leak_drills.py")
TESTS = Path(__file__).resolve().parents[1]
SELECTION = "not watch and not contract"  # every other drill: the watch and the contract only lengthen the run
LEAK_TESTS = 9  # the drills in leak_drills.py
INTERRUPT_WAIT_S = 180
VAULT_VALUE = "kv-value-5e0b93c1d7a24f68"  # recordings/planted_secret.http
MASK = "[REDACTED]"
UNREGISTERED = "unregistered bearer token"  # in no file and never resolved: only its shape can mask it


@dataclass
class Planted:
    """Every value that must never show, by kind, and the environment that carries them to the run."""

    values: dict[str, str]
    environ: dict[str, str] = field(default_factory=dict)

    def needles(self) -> dict[str, bytes]:
        """Each value, URL-quoted, and its first and last 10 characters (a cut repr leaks those)."""
        found = {}
        for kind, value in self.values.items():
            forms = [("", value), (" quoted", quote(value, safe=""))]
            if kind != UNREGISTERED:  # masked by its shape alone: a repr that cuts it off its "Bearer" loses that
                forms += [(" head", value[:10]), (" tail", value[-10:])]
            found.update((kind + form, text.encode()) for form, text in forms)
        return found


@pytest.fixture
def vault():
    with RecordedKeyVault() as server:
        server.answer("castiel-drill-planted", "planted_secret.http")
        yield server


@pytest.fixture
def planted(sandbox, vault, env_file, tmp_path) -> Planted:
    redis_password, servicebus_key = "rp" + secrets.token_hex(12), base64.b64encode(secrets.token_bytes(32)).decode()
    redis = urlsplit(sandbox.redis_url)
    connection = (f"Endpoint=sb://127.0.0.1:{closed_port()}/;SharedAccessKeyName=drill;"
                  f"SharedAccessKey={servicebus_key}")
    values = {"admin token": sandbox.admin_token, "redis password": redis_password,
              "cosmos key": base64.b64encode(secrets.token_bytes(48)).decode(),
              "service bus key": servicebus_key, "service bus connection string": connection,
              "key vault value": VAULT_VALUE, UNREGISTERED: "ub" + secrets.token_hex(12)}
    env_file(f"""
[redis]
url = {{ env = "DRILL_PLANTED_REDIS_URL" }}
work_queues = ["queue:embedding_jobs"]

[cosmos]
endpoint = "{sandbox.cosmos_url}"
key = {{ env = "DRILL_PLANTED_COSMOS_KEY" }}
timeout_s = 2

[servicebus]
connection_string = {{ env = "DRILL_PLANTED_SERVICEBUS" }}
queues = ["embedding-jobs"]
""")
    shutil.copy(LEAK_DRILLS, tmp_path / "leak_drills.py")  # outside tests/: no test conftest in the drill run
    environ = {
        "DRILL_PLANTED_REDIS_URL": f"redis://:{redis_password}@{redis.hostname}:{redis.port}/0",
        "DRILL_PLANTED_COSMOS_KEY": values["cosmos key"], "DRILL_PLANTED_SERVICEBUS": connection,
        "DRILL_UNREGISTERED_TOKEN": values[UNREGISTERED], "DRILL_VAULT_PORT": str(vault.port),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")])),
    }
    return Planted(values, environ)


def closed_port() -> int:
    """A loopback port nothing listens on: the Service Bus calls are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def drill_args(tmp_path: Path, name: str) -> list[str]:
    out = tmp_path / name
    return [f"--env-file={tmp_path / 'drill-env.toml'}", "-n", "2", "--showlocals", "-m", SELECTION,
            f"--alluredir={out / 'allure-results'}", f"--junitxml={out / 'junit.xml'}",
            f"--journal-dir={out / 'journal'}", f"--log-file={out / 'drill.log'}", "--log-file-level=INFO"]


def leaks(planted: Planted, terminal: str, directory: Path) -> list[str]:
    """Where any planted value shows: in the terminal, or in any file below ``directory``."""
    places = [("terminal", terminal.encode())]
    places += [(str(path.relative_to(directory)), path.read_bytes()) for path in directory.rglob("*") if path.is_file()]
    return [f"{kind} in {place}" for place, data in places for kind, needle in planted.needles().items()
            if needle in data]


def test_no_secret_shows_in_any_artifact_of_a_drill_run_on_xdist(run_drill, planted, tmp_path):
    result = run_drill(*drill_args(tmp_path, "run"), paths=("checks", "smoke", str(tmp_path / "leak_drills.py")),
                       environ=planted.environ)
    terminal = "\n".join(result.outlines + result.errlines)
    assert leaks(planted, terminal, tmp_path / "run") == []
    # the run did put each secret in harm's way: the leak drills failed with every one masked
    raised = [line for line in result.outlines if "ConnectionError: cannot connect with" in line]
    assert raised and raised[0].endswith(f"cannot connect with admin token={MASK} | redis url={MASK} | "
                                         f"cosmos key={MASK} | servicebus={MASK} | key vault={MASK} | "
                                         f"bearer=Authorization: Bearer {MASK}")
    for artifact in ("junit.xml", "journal/drills.jsonl", "drill.log"):
        assert MASK in (tmp_path / "run" / artifact).read_text(), artifact
    statuses = " ".join(p.read_text() for p in (tmp_path / "run" / "allure-results").glob("*-result.json"))
    assert statuses.count(f"key vault={MASK}") >= 6  # messages, traces, steps, parameters, descriptions
    result.stdout.fnmatch_lines(["*FAILED*test_queue.py::test_servicebus_queue_depth_below_limit*"])  # the planted one


def test_no_secret_shows_after_an_interrupted_drill_run(run_drill, planted, tmp_path):
    marker, out = tmp_path / "waiting", tmp_path / "interrupted"
    argv, env = run_drill.command(*drill_args(tmp_path, "interrupted"), "--dist", "worksteal",  # others steal
                                  paths=(str(tmp_path / "leak_drills.py"),),
                                  environ={**planted.environ, "DRILL_WAITING_MARKER": str(marker)})
    for outer in ("DRILLBOOK_RUN_DIR", "PYTEST_ADDOPTS"):
        env.pop(outer, None)
    terminal = interrupt_when_waiting(argv, env, run_drill.workdir, marker, out / "allure-results")
    assert "Interrupted: Ctrl-C: the run stopped and ends as interrupted" in terminal
    assert leaks(planted, terminal, out) == []
    assert MASK in (out / "junit.xml").read_text() and MASK in (out / "drill.log").read_text()


def interrupt_when_waiting(argv: list[str], env: dict[str, str], cwd: Path, marker: Path, results: Path) -> str:
    """Start the run, SIGINT its process group (as Ctrl-C does) while a drill waits for it; the run's output."""
    output = marker.with_name("terminal.txt")
    with output.open("w") as terminal, subprocess.Popen(argv, cwd=cwd, env=env, stdout=terminal,
                                                        stderr=subprocess.STDOUT, start_new_session=True) as run:
        try:
            deadline = time.monotonic() + INTERRUPT_WAIT_S
            # xdist keeps one drill queued behind the waiting one: the others all have their results by then
            while not (marker.exists() and len(list(results.glob("*-result.json"))) >= LEAK_TESTS - 2):
                assert run.poll() is None and time.monotonic() < deadline, "the run ended or stalled before waiting"
                time.sleep(0.2)
            os.killpg(run.pid, signal.SIGINT)
            run.wait(timeout=INTERRUPT_WAIT_S)
        finally:
            if run.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
    print(output.read_text())
    return output.read_text()
